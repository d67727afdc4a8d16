#!/usr/bin/env bash
# smoke-test-extensions.sh: register a list of extensions one after another
# with `sip-call --json register` and print one table row per extension.
#
#   smoke-test-extensions.sh -s URL [options] EXT[:PASSWORD[:AUTH_ID]] ...
#   smoke-test-extensions.sh -s URL [options] -f extensions.txt
#
# The file has one extension per line: `EXT PASSWORD [AUTH_ID]`; blank lines
# and lines starting with # are skipped; `-f -` reads standard input.
# Prefer the file: command-line arguments (and so passwords in them) are
# visible to other local users in ps.  An argument without a password uses
# $SIP_CALL_PASSWORD.
#
# Each password reaches sip-call through SIP_CALL_PASSWORD in its
# environment, never through its argument list.
#
# Exit status: 0 every extension registered, 1 at least one failed,
# 2 usage error of this script (or sip-call / python3 not found).
#
# The extensions are tried one at a time, never in parallel, and sip-call
# never retries a failed authentication, so a wrong password costs one
# failed attempt per extension (3CX blacklists an IP after repeated failures).

set -u

usage() {
  cat <<'EOF'
usage: smoke-test-extensions.sh -s URL [options] [EXT[:PASSWORD[:AUTH_ID]] ...]

  -s, --server URL     PBX URL as for sip-call (default: $SIP_CALL_SERVER)
  -f, --file FILE      read "EXT PASSWORD [AUTH_ID]" lines from FILE (- = stdin)
      --domain DOMAIN  SIP domain when it differs from the server host
      --ca-file PEM    trust this CA bundle (wss, sips)
  -k, --insecure       do not verify the server's TLS certificate
  -t, --timeout S      seconds sip-call waits for the network (default 10)
      --delay S        pause between extensions (default 0)
  -h, --help           this text

SIP_CALL_BIN selects the sip-call binary (default: sip-call on PATH,
else ../build/sip-call next to this script).
Exit status: 0 all registered, 1 at least one failed, 2 usage error.
EOF
}

die_usage() {
  echo "smoke-test-extensions.sh: $*" >&2
  echo "try 'smoke-test-extensions.sh --help'" >&2
  exit 2
}

server="${SIP_CALL_SERVER:-}"
list_file=""
delay=0
common_args=()    # options passed to every sip-call run
entries=()        # "EXT<TAB>PASSWORD<TAB>AUTH_ID"

need_value() { [[ $# -ge 2 && -n "$2" ]] || die_usage "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -s|--server)  need_value "$@"; server="$2"; shift 2 ;;
    -f|--file)    need_value "$@"; list_file="$2"; shift 2 ;;
    --domain)     need_value "$@"; common_args+=(--domain "$2"); shift 2 ;;
    --ca-file)    need_value "$@"; common_args+=(--ca-file "$2"); shift 2 ;;
    -k|--insecure) common_args+=(--insecure); shift ;;
    -t|--timeout) need_value "$@"; common_args+=(--timeout "$2"); shift 2 ;;
    --delay)      need_value "$@"; delay="$2"; shift 2 ;;
    -h|--help)    usage; exit 0 ;;
    --)           shift; break ;;
    -*)           die_usage "unknown option '$1'" ;;
    *)            break ;;
  esac
done

[[ -n "$server" ]] || die_usage "no server: give -s URL or set SIP_CALL_SERVER"

# Extensions from the arguments: EXT[:PASSWORD[:AUTH_ID]].
for arg in "$@"; do
  IFS=: read -r ext pw auth <<<"$arg"
  [[ -n "$ext" ]] || die_usage "empty extension in '$arg'"
  [[ "$arg" == *:* ]] || pw="${SIP_CALL_PASSWORD:-}"
  entries+=("$ext"$'\t'"$pw"$'\t'"${auth:-}")
done

# Extensions from the file: EXT PASSWORD [AUTH_ID].
if [[ -n "$list_file" ]]; then
  if [[ "$list_file" == "-" ]]; then
    exec 3<&0
  elif [[ -r "$list_file" ]]; then
    exec 3<"$list_file"
  else
    die_usage "cannot read '$list_file'"
  fi
  ext=""
  while read -r ext pw auth _ <&3 || [[ -n "${ext:-}" ]]; do
    [[ -z "${ext:-}" || "$ext" == \#* ]] && continue
    entries+=("$ext"$'\t'"${pw:-}"$'\t'"${auth:-}")
    ext=""
  done
  exec 3<&-
fi

[[ ${#entries[@]} -gt 0 ]] || die_usage "no extensions given"

# Find sip-call and a Python for reading its JSON report.
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${SIP_CALL_BIN:-}" ]]; then
  bin="$SIP_CALL_BIN"
elif command -v sip-call >/dev/null 2>&1; then
  bin="$(command -v sip-call)"
else
  bin="$script_dir/../build/sip-call"
fi
[[ -x "$bin" ]] || die_usage "sip-call not found (tried '$bin'); set SIP_CALL_BIN"

if [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then python=python3
else die_usage "python3 is needed to read the JSON reports"; fi

# Reads one sip-call JSON report on stdin (event lines first, the report last)
# and prints: result, status, transport, register_ms, detail, tab-separated.
read_report='
import json, sys
report = {}
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "event" not in obj:
            report = obj
status = report.get("status")
detail = report.get("error") or " ".join(str(x) for x in (status, report.get("reason")) if x is not None)
fields = [report.get("result", "error"),
          status if status is not None else "-",
          report.get("transport", "-"),
          report.get("timings", {}).get("register_ms", "-"),
          detail or "-"]
print("\t".join(str(f).replace("\t", " ") for f in fields))
'

row() { printf '%-12s %-7s %-6s %-9s %11s %4s  %s\n' "$@"; }
row EXTENSION RESULT STATUS TRANSPORT REGISTER_MS EXIT DETAIL
failed=0
first=1
for entry in "${entries[@]}"; do
  IFS=$'\t' read -r ext pw auth <<<"$entry"
  if [[ $first -eq 0 && "$delay" != 0 ]]; then sleep "$delay"; fi
  first=0

  args=(--json --server "$server" --user "$ext" "${common_args[@]}")
  [[ -n "$auth" ]] && args+=(--auth-user "$auth")

  errfile="$(mktemp)"
  # stdin from /dev/null: sip-call must never stop to prompt for a password.
  json="$(SIP_CALL_PASSWORD="$pw" "$bin" "${args[@]}" register </dev/null 2>"$errfile")"
  rc=$?

  IFS=$'\t' read -r result status transport register_ms detail \
    < <(printf '%s\n' "$json" | "$python" -c "$read_report")
  if [[ -z "$json" ]]; then
    # No report at all (e.g. a usage error): show sip-call's own message.
    detail="$(tail -n 1 "$errfile" | sed 's/^sip-call: //')"
    [[ -n "$detail" ]] || detail="no report"
  fi
  rm -f "$errfile"

  [[ $rc -eq 0 ]] || failed=$((failed + 1))
  row "$ext" "$result" "$status" "$transport" "$register_ms" "$rc" "$detail"
done

total=${#entries[@]}
echo "$((total - failed)) of $total extensions registered" >&2
[[ $failed -eq 0 ]] || exit 1
exit 0
