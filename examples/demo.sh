#!/usr/bin/env bash
# The README's demo: installs dependencies, builds sip-call, starts a local
# test PBX (Kamailio on 127.0.0.1, a throw-away test CA) and registers
# extension 101 over WSS and over UDP, showing what a user sees. The PBX is
# stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/install-deps
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
BIN=build/sip-call

info=$(mktemp)
/usr/bin/python3 tests/pbx/testpbx.py --duration 300 >"$info" &
pbx_pid=$!
trap 'kill "$pbx_pid" 2>/dev/null; wait "$pbx_pid" 2>/dev/null; rm -f "$info"' EXIT
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
