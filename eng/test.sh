#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs what the tests need (Azurite from npm,
# into eng/tools; Debian's chromium for the dashboard's browser test), starts Azurite on free loopback
# ports with in-memory persistence, builds the whole Functions.sln (the Functions app included), runs every
# test project, stops Azurite, and prints "tests: N passed, N failed" as its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/.test-results"
rm -rf "$results"; mkdir -p "$results"

log() { printf '[test] %s\n' "$*" >&2; }

# shellcheck source=eng/azurite.sh
source "$root/eng/azurite.sh"
azurite_install
# The dashboard's browser test drives Debian's Chromium, headless (it fails, never skips, without it).
command -v chromium >/dev/null 2>&1 || { log "installing chromium"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$results/chromium-install.log" 2>&1 || log "chromium could not be installed; see .test-results/chromium-install.log"; }
azurite_start "$results/azurite.log"
trap azurite_stop EXIT
export RELEASEGUARDIAN_TEST_STORAGE="$AZURITE_CONNECTION_STRING"
log "Azurite is up: blob $AZURITE_BLOB_PORT, queue $AZURITE_QUEUE_PORT, table $AZURITE_TABLE_PORT"

log "building Functions.sln"
if ! dotnet build "$root/Functions.sln" -c Release -nologo -v quiet -clp:ErrorsOnly; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

log "running the tests"
status=0
dotnet test "$root/tests/Tests.slnf" -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

passed=0; failed=0; total_files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  total_files=$((total_files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$total_files" -eq 0 ] && [ "$status" -ne 0 ]; then failed=$((failed + 1)); fi
echo "tests: $passed passed, $failed failed"
exit "$status"
