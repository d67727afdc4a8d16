#!/usr/bin/env bash
# The README's demo: installs dependencies, builds sip-call, starts a local
# test PBX (Kamailio on 127.0.0.1, a throw-away test CA) and registers
# extension 101 over WSS and over UDP, then makes a demo call: 101 (WSS)
# dials 102 (a sip-call answering over UDP), each side sends its own tone
# and checks that it hears the other's. The PBX and the answering sip-call
# are stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/install-deps
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
BIN=build/sip-call

info=$(mktemp)
/usr/bin/python3 tests/pbx/testpbx.py --duration 300 >"$info" &
pbx_pid=$!
answer_pid=""
trap 'kill $answer_pid "$pbx_pid" 2>/dev/null; wait $answer_pid "$pbx_pid" 2>/dev/null; rm -f "$info"' EXIT
# The PBX prints one JSON line once every port listens.
for _ in $(seq 1 300); do
  [ -s "$info" ] && break
  kill -0 "$pbx_pid" 2>/dev/null || { echo "demo: the test PBX did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$info" ] || { echo "demo: the test PBX did not start within 30 s" >&2; exit 1; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$info" "$1"; }
wss=$(field 'd["urls"]["wss"]')
udp=$(field 'd["urls"]["udp"]')
ca=$(field 'd["ca_file"]')
domain=$(field 'd["domain"]')

export SIP_CALL_PASSWORD=secret101   # never on the command line
echo "== test PBX: $wss, $udp (domain $domain)"
echo "== sip-call --server $wss --user 101 --display-name 'Juan Perez' --domain $domain --ca-file CA register"
$BIN --server "$wss" --user 101 --display-name "Juan Perez" --domain "$domain" --ca-file "$ca" register
echo "== the same over UDP, with the JSON report"
$BIN --server "$udp" --user 101 --domain "$domain" --json register
echo "== a wrong password is reported, never retried (exit code 3)"
set +e
SIP_CALL_PASSWORD=wrong $BIN --server "$wss" --user 101 --domain "$domain" --ca-file "$ca" register
echo "exit code: $?"
set -e

echo
echo "== a demo call: 102 answers over UDP and sends 1000 Hz; 101 dials it over WSS and sends 440 Hz"
events=$(mktemp -u)
mkfifo "$events"
SIP_CALL_PASSWORD=secret102 $BIN --server "$udp" --user 102 --domain "$domain" --json \
  answer --calls 1 --tone 1000 --expect-tone 440 --no-playback --idle-timeout 30 \
  >"$events" 2> >(sed 's/^/    [102] /' >&2) &
answer_pid=$!
exec 3<"$events"
rm -f "$events"
# Dial once 102's registration event has arrived (JSON lines on stdout).
while read -r -t 15 line <&3; do
  case $line in *'"event":"registered"'*) break ;; esac
done
echo "== sip-call --server $wss --user 101 dial 102 --duration 3s --tone 440 --expect-tone 1000"
set +e
$BIN --server "$wss" --user 101 --domain "$domain" --ca-file "$ca" \
  dial 102 --duration 3s --tone 440 --expect-tone 1000 --no-playback
dial_status=$?
cat <&3 >/dev/null   # 102's remaining event lines and report
wait "$answer_pid"
answer_status=$?
answer_pid=""
set -e
echo "dial exit code: $dial_status, answer exit code: $answer_status"
[ "$dial_status" -eq 0 ] && [ "$answer_status" -eq 0 ]
