#!/usr/bin/env bash
# Installs what Concord needs on Debian/Ubuntu beyond the Swift toolchain, skipping what is present:
#   libopenblas0-pthread  the BLAS Concord loads at run time (without it Concord falls back to a slower kernel)
#   zlib1g-dev            gzip support for the bundled IDX files
#   libsqlite3-dev        the SQLite that GRDB (ConcordStore's run store) links against
# With --python it also installs what the tests need beyond that: Debian's chromium (headless, it loads the coordinator's
# dashboard in the dashboard tests), and the Python packages safetensors and numpy (safetensors files), cryptography
# (Tools/verify_concord.py, the independent verifier of audit logs and releases) and prometheus_client (its parser
# reads the coordinator's /metrics in the metrics tests), and flwr (Flower, in a pinned range: the Flower-client tests
# run its unmodified grpc-bidi client against `concord serve`; that transport is deprecated upstream, its wire format
# unchanged since 1.13, and the range is the one tested).
set -euo pipefail

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
missing=()
for pkg in libopenblas0-pthread zlib1g-dev libsqlite3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Not fatal: the rest of the suite runs without it, and the dashboard tests fail saying that chromium is missing.
if [ "${1:-}" = "--python" ] && ! dpkg -s chromium >/dev/null 2>&1; then
  echo "bootstrap: installing chromium (headless, for the dashboard tests)"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } \
    || echo "bootstrap: WARNING: apt-get install chromium failed; the dashboard tests will fail until it is installed"
fi

if [ "${1:-}" = "--python" ] && command -v python3 >/dev/null 2>&1; then
  if ! python3 -c "import safetensors, numpy, cryptography, prometheus_client, flwr" >/dev/null 2>&1; then
    echo "bootstrap: installing Python packages safetensors, numpy, cryptography, prometheus_client and flwr (for tests)"
    python3 -m pip install --quiet --disable-pip-version-check safetensors numpy cryptography prometheus_client \
      "flwr>=1.13,<1.43" \
      || echo "bootstrap: pip install failed; the Python interoperability tests will be skipped, the metrics tests fail"
  fi
fi
