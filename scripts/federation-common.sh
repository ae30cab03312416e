# Sourced by the scripts that start a real federation on this machine. Sets CONCORD (the binary named by
# CONCORD, or the release build, made first), `work` (a directory that is removed on exit, when every
# child process is stopped too) and `port` (a free TCP port on 127.0.0.1).
if [ -z "${CONCORD:-}" ]; then
  scripts/bootstrap.sh
  swift build -c release --product concord >/dev/null
  CONCORD=.build/release/concord
fi
CONCORD=$(realpath "$CONCORD")
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
