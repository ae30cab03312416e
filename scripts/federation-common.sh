# Sourced by the scripts that start a real federation on this machine. Sets CONCORD (the binary named by
# CONCORD, or the release build, made first), `work` (a directory that is removed on exit, when every
# child process is stopped too) and `await_port FILE PID`, which prints the port a process started with
# `listen: 127.0.0.1:0` and `--port-file FILE` has bound (the system picks it, so no other process can take it
# between a pick and the bind), or fails if the process exits first.
if [ -z "${CONCORD:-}" ]; then
  scripts/bootstrap.sh
  swift build -c release --product concord >/dev/null
  CONCORD=.build/release/concord
fi
CONCORD=$(realpath "$CONCORD")
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
await_port() {
  while [ ! -s "$1" ]; do
    kill -0 "$2" 2>/dev/null || { echo "the process that was to write $1 has exited" >&2; return 1; }
    sleep 0.1
  done
  cat "$1"
}
