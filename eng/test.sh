#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs what the tests need (Azurite from npm,
# into eng/tools; Debian's chromium for the dashboard's browser test; the real third-party systems of
# docs/real-systems.md: PostgreSQL 15 and Prometheus from Debian, Unleash 8 and Artillery 2 from npm), starts
# them on free loopback ports with throwaway data, builds the whole Functions.sln (the Functions app included),
# runs every test project, stops everything, and prints "tests: N passed, N failed" as its last line.
# An install that fails is reported here and makes the tests that need it fail; nothing is skipped.
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
# The Chromium install above ran apt-get update; the real-system installs below need not run it again.
[ -f "$results/chromium-install.log" ] && export _RG_APT_UPDATED=1
azurite_start "$results/azurite.log"
stop_all() { unleash_stop; azurite_stop; }
trap stop_all EXIT
export RELEASEGUARDIAN_TEST_STORAGE="$AZURITE_CONNECTION_STRING"
log "Azurite is up: blob $AZURITE_BLOB_PORT, queue $AZURITE_QUEUE_PORT, table $AZURITE_TABLE_PORT"

# Real third-party systems (docs/real-systems.md). Each install is timed into .test-results/real-systems.log.
# A failure leaves its variables unset, and the tests that need them fail saying why (see that log).
# shellcheck source=eng/unleash.sh
source "$root/eng/unleash.sh"
timed() { local t0=$SECONDS; "$@"; local rc=$?; printf '%s: %ss (exit %s)\n' "$*" $((SECONDS - t0)) "$rc" >>"$results/real-systems.log"; return $rc; }
# Unleash starts now, before the build: its first start migrates a fresh database (seconds), and its webhook
# addon settings are cached for a minute after the startup events, which have long expired when the tests run.
unleash_started=0
if timed unleash_install >"$results/unleash-install.log" 2>&1 && timed unleash_start "$results"; then
  unleash_started=1
else
  log "Unleash could not be installed or started; see .test-results/unleash-install.log and real-systems.log"
  unset RELEASEGUARDIAN_TEST_UNLEASH_URL
  export RELEASEGUARDIAN_TEST_UNLEASH_PROBLEM="Unleash could not be installed or started by eng/test.sh; see .test-results/unleash-install.log"
fi

# shellcheck source=eng/artillery.sh
source "$root/eng/artillery.sh"
if ! timed artillery_install >"$results/artillery-install.log" 2>&1; then
  log "Artillery could not be installed; see .test-results/artillery-install.log"
  export RELEASEGUARDIAN_TEST_ARTILLERY_PROBLEM="Artillery could not be installed by eng/test.sh; see .test-results/artillery-install.log"
fi

# shellcheck source=eng/prometheus.sh
source "$root/eng/prometheus.sh"
if ! timed prometheus_install >"$results/prometheus-install.log" 2>&1; then
  log "Prometheus could not be installed; see .test-results/prometheus-install.log"
  export RELEASEGUARDIAN_TEST_PROMETHEUS_PROBLEM="Prometheus could not be installed by eng/test.sh; see .test-results/prometheus-install.log"
fi

log "building Functions.sln"
if ! dotnet build "$root/Functions.sln" -c Release -nologo -v quiet -clp:ErrorsOnly; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

if [ "$unleash_started" = 1 ]; then
  if timed unleash_wait "$results"; then
    log "Unleash is up at $RELEASEGUARDIAN_TEST_UNLEASH_URL"
  else
    log "Unleash did not come up; see .test-results/unleash.log"
    unset RELEASEGUARDIAN_TEST_UNLEASH_URL
    export RELEASEGUARDIAN_TEST_UNLEASH_PROBLEM="Unleash did not answer /health after eng/test.sh started it; see .test-results/unleash.log"
  fi
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
