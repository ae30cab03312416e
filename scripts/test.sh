#!/usr/bin/env bash
# Installs what the tests need, then runs the whole test suite, one test at a time: many tests have wall-clock
# deadlines (real processes, sockets, round deadlines), and on a 2-core machine CPU-bound tests running beside them
# starved them past those deadlines. Serial costs little: the process tests dominate either way (about 90 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --python
exec swift test --no-parallel "$@"
