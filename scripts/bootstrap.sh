#!/usr/bin/env bash
# Installs what Concord needs on Debian/Ubuntu beyond the Swift toolchain, skipping what is present:
#   libopenblas0-pthread  the BLAS Concord loads at run time (without it Concord falls back to a slower kernel)
#   zlib1g-dev            gzip support for the bundled IDX files
#   libsqlite3-dev        the SQLite that GRDB (ConcordStore's run store) links against
# With --python it also installs the Python packages the interoperability tests use: safetensors and numpy
# (safetensors files), cryptography (Tools/verify_concord.py, the independent verifier of audit logs and releases).
set -euo pipefail

missing=()
for pkg in libopenblas0-pthread zlib1g-dev libsqlite3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ] && command -v python3 >/dev/null 2>&1; then
  if ! python3 -c "import safetensors, numpy, cryptography" >/dev/null 2>&1; then
    echo "bootstrap: installing Python packages safetensors, numpy and cryptography (for interoperability tests)"
    python3 -m pip install --quiet --disable-pip-version-check safetensors numpy cryptography \
      || echo "bootstrap: pip install failed; the Python interoperability tests will be skipped"
  fi
fi
