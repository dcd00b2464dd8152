#!/usr/bin/env bash
# The loopback load run: builds the server and the benchmark project in Release, starts Azurite (eng/azurite.sh)
# and runs `ReleaseGuardian.Benchmarks loadrun`, which starts the server DLL on a free loopback port per repetition
# and measures webhook throughput, time to rollback (p50/p95), storage transactions per evaluation (the workflow
# engine's against the rest), evaluations per second with 20 at once, idle storage requests per second per worker,
# and Azurite's raw insert rate. Results: .test-results/bench/loadrun.json.
#
# With --baseline COMMIT (default d209881, the home-made engine before the Durable Task engine) the same load run
# runs first against that commit's server, built from a temporary export (git archive), and both are printed side by side
# (.test-results/bench/baseline.json). --no-baseline skips it. Other arguments go to both load runs, e.g.
#   eng/bench.sh --repeat 1 --webhooks 400 --evaluations 20 --set Workflow__MaxQueuePollingInterval=00:00:00.200
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=eng/azurite.sh
source "$root/eng/azurite.sh"

baseline="d209881"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    --no-baseline) baseline=""; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

dotnet build src/ReleaseGuardian.Server -c Release -nologo -v quiet
dotnet build tests/ReleaseGuardian.Benchmarks -c Release -nologo -v quiet

mkdir -p .test-results/bench
azurite_install
azurite_start .test-results/bench/azurite.log
baseline_tree=""
cleanup() {
  azurite_stop
  if [ -n "$baseline_tree" ]; then rm -rf "$baseline_tree"; fi
}
trap cleanup EXIT

loadrun() { # server-dll output server-log
  dotnet tests/ReleaseGuardian.Benchmarks/bin/Release/net10.0/ReleaseGuardian.Benchmarks.dll loadrun \
    --server-dll "$1" \
    --storage "$AZURITE_CONNECTION_STRING" \
    --azurite-pid "$(pgrep -P "$AZURITE_PID" -f azurite || echo "$AZURITE_PID")" \
    --output "$2" \
    --server-log "$3" \
    ${args[@]+"${args[@]}"}
}

if [ -n "$baseline" ]; then
  baseline_tree="$(mktemp -d /tmp/rg-bench-baseline.XXXXXX)"
  # An export of the commit's files, not a worktree: nothing is registered in the repository.
  git archive "$baseline" | tar -x -C "$baseline_tree"
  dotnet build "$baseline_tree/src/ReleaseGuardian.Server" -c Release -nologo -v quiet
  printf '\n== baseline %s (engine before) ==\n' "$baseline"
  loadrun "$baseline_tree/src/ReleaseGuardian.Server/bin/Release/net10.0/ReleaseGuardian.Server.dll" \
    .test-results/bench/baseline.json .test-results/bench/baseline-server.log
fi

printf '\n== this tree (Durable Task engine) ==\n'
loadrun src/ReleaseGuardian.Server/bin/Release/net10.0/ReleaseGuardian.Server.dll \
  .test-results/bench/loadrun.json .test-results/bench/server.log

if [ -n "$baseline" ]; then
  printf '\n%-44s %14s %14s\n' "measure (medians)" "baseline" "this tree"
  for key in rollback_p50_ms rollback_p95_ms idle_requests_per_s idle_engine_requests_per_s evaluations_per_s_20_concurrent \
             engine_transactions_per_evaluation application_transactions_per_evaluation transactions_per_evaluation; do
    old=$(node -e 'const m=require(process.argv[1]).medians;console.log(m[process.argv[2]] ?? "-")' "$root/.test-results/bench/baseline.json" "$key")
    new=$(node -e 'const m=require(process.argv[1]).medians;console.log(m[process.argv[2]] ?? "-")' "$root/.test-results/bench/loadrun.json" "$key")
    printf '%-44s %14s %14s\n' "$key" "$old" "$new"
  done
fi
