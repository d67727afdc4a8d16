#!/usr/bin/env bash
# A secure-media call on the local test PBX: starts the PBX (Kamailio on
# 127.0.0.1, a throw-away test CA), lets extension 102 answer over TLS with
# a 1000 Hz tone, and dials it from 101 over WSS with 440 Hz; each side
# checks that it hears the other's tone through SRTP. MODE is how:
#   sdes (default)  SDES-SRTP: RTP/SAVP with a=crypto keys (both sides demand it)
#   dtls            WebRTC media: UDP/TLS/RTP/SAVPF, ICE + DTLS-SRTP (101 demands
#                   it; 102 answers in auto mode, as it would a browser)
# Shows the SDP as -v prints it (keys redacted) and the report's
# media.security. Exit status: 0 when both calls passed.
#
#   examples/srtp-call.sh [sdes|dtls]   (after building: meson setup build && ninja -C build)
#
# Against a real PBX the call is one line (the extension must have SDES on:
# Asterisk media_encryption=sdes, FreeSWITCH/3CX SRTP with TLS signalling;
# for dtls: Asterisk webrtc=yes, or a browser softphone):
#   sip-call -s sips:pbx.example.com -u 101 dial 102 --media-security sdes --tone 440
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SIP_CALL_BIN:-build/sip-call}
mode=${1:-sdes}
case $mode in
  sdes) answer_mode=sdes ;;
  dtls) answer_mode=auto ;;
  *) echo "srtp-call: MODE must be sdes or dtls, not '$mode'" >&2; exit 2 ;;
esac
[ -x "$BIN" ] || { echo "srtp-call: $BIN not found; build first (meson setup build && ninja -C build)" >&2; exit 2; }

info=$(mktemp)
/usr/bin/python3 tests/pbx/testpbx.py --duration 120 >"$info" &
pbx_pid=$!
answer_pid=""
work=$(mktemp -d)
trap 'kill $answer_pid "$pbx_pid" 2>/dev/null; wait $answer_pid "$pbx_pid" 2>/dev/null; rm -rf "$info" "$work"' EXIT
for _ in $(seq 1 300); do  # the PBX prints one JSON line once every port listens
  [ -s "$info" ] && break
  kill -0 "$pbx_pid" 2>/dev/null || { echo "srtp-call: the test PBX did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$info" ] || { echo "srtp-call: the test PBX did not start within 30 s" >&2; exit 1; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$info" "$1"; }
wss=$(field 'd["urls"]["wss"]')
tls=$(field 'd["urls"]["tls"]')
ca=$(field 'd["ca_file"]')
domain=$(field 'd["domain"]')

echo "== 102 answers over TLS with --media-security $answer_mode, sending 1000 Hz"
events=$work/events
mkfifo "$events"
SIP_CALL_PASSWORD=secret102 "$BIN" --server "$tls" --user 102 --domain "$domain" --ca-file "$ca" --json \
  answer --calls 1 --media-security "$answer_mode" --tone 1000 --expect-tone 440 --no-playback --idle-timeout 30 \
  >"$events" 2>"$work/102.err" &
answer_pid=$!
exec 3<"$events"
while read -r -t 15 line <&3; do
  case $line in *'"event":"registered"'*) break ;; esac
done

echo "== 101 dials 102 over WSS with --media-security $mode, sending 440 Hz (-v: the SDP, keys redacted)"
set +e
SIP_CALL_PASSWORD=secret101 "$BIN" -v --json --server "$wss" --user 101 --domain "$domain" --ca-file "$ca" \
  dial 102 --media-security "$mode" --duration 3s --tone 440 --expect-tone 1000 --no-playback \
  2>"$work/101.err" | tail -n 1 >"$work/101.json"
dial_status=$?
cat <&3 >/dev/null
wait "$answer_pid"
answer_status=$?
answer_pid=""
set -e
# The offer and the answer as -v traced them (first of each line), then each side's verdict.
grep -E '^(m=audio|a=crypto|a=fingerprint|a=setup|a=candidate)' "$work/101.err" | awk '!seen[$0]++' | sed 's/^/    [101] /'
grep -E '^(answered|audio|media|tone|sip-call)' "$work/101.err" | sed 's/^/    [101] /'
grep -E '^(answered|audio|media|tone|sip-call)' "$work/102.err" | sed 's/^/    [102] /'
/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["media"]; print("== media.security:", m["security"], "suite:", m["srtp_suite"], "unauthenticated:", m["packets_unauthenticated"])' "$work/101.json" || true
echo "dial exit code: $dial_status, answer exit code: $answer_status"
[ "$dial_status" -eq 0 ] && [ "$answer_status" -eq 0 ]
