#!/usr/bin/env bash
# Calls an echo extension and checks that our own tone comes back: the
# smoke test for "this extension can make calls and carries audio both
# ways". Exit status: 0 when the tone came back, otherwise sip-call's
# (10: answered but no or wrong audio; 3 wrong password; 6 busy; ...).
#
#   echo-test.sh -s URL -u EXT [-e ECHO_EXT] [--tone HZ] [--duration S] [-- sip-call options]
#
# The password comes from SIP_CALL_PASSWORD (or put --password-file FILE
# after --). 3CX's echo extension is usually *777.
set -uo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

server="${SIP_CALL_SERVER:-}" user="${SIP_CALL_USER:-}" echo_ext='*777' tone=1000 duration=5
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -s|--server) server=$2; shift 2 ;;
    -u|--user) user=$2; shift 2 ;;
    -e|--echo-ext) echo_ext=$2; shift 2 ;;
    --tone) tone=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "echo-test.sh: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$server" ] && [ -n "$user" ] || usage
BIN=${SIP_CALL_BIN:-sip-call}
command -v "$BIN" >/dev/null || BIN="$(dirname "$0")/../build/sip-call"

report=$("$BIN" --json --server "$server" --user "$user" "${extra[@]}" \
  dial "$echo_ext" --tone "$tone" --expect-tone "$tone" --duration "$duration" --no-playback 2>/dev/null | tail -n 1)
status=$?
/usr/bin/env python3 - "$report" "$echo_ext" "$tone" <<'PY'
import json, sys
raw, ext, hz = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    r = json.loads(raw)
except ValueError:
    print(f"echo test {ext}: FAILED, no report from sip-call")
    sys.exit(0)
m = r.get("media", {})
if r.get("result") == "ok":
    rtt = m.get("rtt_ms")
    print(f"echo test {ext}: OK, {hz} Hz came back ({m.get('codec')}, loss {m.get('loss_percent', 0):.1f} %, "
          f"jitter {m.get('jitter_ms', 0):.1f} ms, RTT {'n/a' if rtt is None else '%.0f ms' % rtt}, "
          f"MOS {m.get('mos', 0):.2f})")
else:
    print(f"echo test {ext}: FAILED ({r.get('exit_reason')}): {r.get('error')}")
PY
exit "$status"
