#!/usr/bin/env bash
# One-time set-up for tests/bench/bench.py (not part of CI): the peers it
# measures sip-call against, GNU time and valgrind (callgrind), from Debian's
# packages, and JsSIP + ws from the npm registry into
# tests/bench/jssip/node_modules (git-ignored).
# Idempotent; the apt step needs root (or sudo) and runs only if something is
# missing.  The build, the test PBX, baresip and sox come from
# .ci/install-deps.
set -euo pipefail
cd "$(dirname "$0")"

# command -> Debian package
declare -A PACKAGE_OF=([sipsak]=sipsak [sipp]=sip-tester [/usr/bin/time]=time [node]=nodejs [npm]=npm
                       [valgrind]=valgrind)
missing=()
for cmd in "${!PACKAGE_OF[@]}"; do
  command -v "$cmd" >/dev/null || missing+=("${PACKAGE_OF[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
fi

# Exactly the versions in package-lock.json (jssip, ws and what they pull in).
npm ci --prefix jssip --no-audit --no-fund --loglevel=error
echo "bench set-up done: python3 tests/bench/bench.py"
