#!/usr/bin/env bash
# The loopback load run: builds the server and the benchmark project in Release, starts Azurite (eng/azurite.sh)
# and runs `ReleaseGuardian.Benchmarks loadrun`, which starts the server DLL on a free loopback port per repetition
# and measures webhook throughput, time to rollback (p50/p95), storage transactions per evaluation (the workflow
# engine's against the rest), evaluations per second with 20 at once, idle storage requests per second per worker,
# and Azurite's raw insert rate. Results: .test-results/bench/loadrun.json.
#
# With --baseline COMMIT (default d209881, the home-made engine before the Durable Task engine) the same load run
# runs first against that commit's server, built from a temporary export (git archive), and both are printed side by side
# (.test-results/bench/baseline.json). --no-baseline skips it. Other arguments go to every load run, e.g.
#   eng/bench.sh --repeat 1 --webhooks 400 --evaluations 20 --set Workflow__MaxQueuePollingInterval=00:00:00.200
# --variant NAME:Key=Value[,Key=Value...] (repeatable) runs this tree once more with those server settings, in the
# same run, so engine settings are compared under the same machine load, e.g.
#   eng/bench.sh --variant poll1s:Workflow__MaxQueuePollingInterval=00:00:01
# The table prints each measure's median over the repetitions with the spread (lowest..highest) beside it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=eng/azurite.sh
source "$root/eng/azurite.sh"

baseline="d209881"
args=()
variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    --no-baseline) baseline=""; shift ;;
    --variant) variants+=("$2"); shift 2 ;;
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

loadrun() { # server-dll output server-log [extra load-run arguments]
  local dll="$1" output="$2" log="$3"
  shift 3
  dotnet tests/ReleaseGuardian.Benchmarks/bin/Release/net10.0/ReleaseGuardian.Benchmarks.dll loadrun \
    --server-dll "$dll" \
    --storage "$AZURITE_CONNECTION_STRING" \
    --azurite-pid "$(pgrep -P "$AZURITE_PID" -f azurite || echo "$AZURITE_PID")" \
    --output "$output" \
    --server-log "$log" \
    ${args[@]+"${args[@]}"} "$@"
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

variant_names=()
for variant in ${variants[@]+"${variants[@]}"}; do
  name="${variant%%:*}"
  sets=()
  IFS=',' read -r -a pairs <<<"${variant#*:}"
  for pair in "${pairs[@]}"; do sets+=(--set "$pair"); done
  printf '\n== this tree, variant %s (%s) ==\n' "$name" "${variant#*:}"
  loadrun src/ReleaseGuardian.Server/bin/Release/net10.0/ReleaseGuardian.Server.dll \
    ".test-results/bench/variant-$name.json" ".test-results/bench/server-$name.log" "${sets[@]}"
  variant_names+=("$name")
done

columns=()
if [ -n "$baseline" ]; then columns+=("baseline:baseline.json"); fi
columns+=("this tree:loadrun.json")
for name in ${variant_names[@]+"${variant_names[@]}"}; do columns+=("$name:variant-$name.json"); done
if [ ${#columns[@]} -gt 1 ]; then
  # Median, and lowest..highest over the repetitions (the machine is shared: the spread says how far to trust a difference).
  node -e '
    const [dir, ...cols] = process.argv.slice(1);
    const keys = ["rollback_p50_ms","rollback_p95_ms","rollback_after_idle_ms","start_to_healthy_ms","first_instance_after_start_ms",
      "idle_requests_per_s","idle_engine_requests_per_s","evaluations_per_s_20_concurrent",
      "engine_transactions_per_evaluation","application_transactions_per_evaluation","transactions_per_evaluation","transactions_per_go_evaluation"];
    const runs = cols.map(c => { const i = c.indexOf(":"); return [c.slice(0, i), require(dir + "/" + c.slice(i + 1))]; });
    const fmt = v => v === undefined ? "-" : (Math.round(v * 10) / 10).toString();
    const cell = (doc, k) => {
      const vals = doc.repetitions.map(r => r[k]).filter(v => v !== undefined);
      if (vals.length === 0) return "-";
      const m = doc.medians[k];
      return vals.length === 1 ? fmt(m) : `${fmt(m)} (${fmt(Math.min(...vals))}..${fmt(Math.max(...vals))})`;
    };
    console.log("\nmedian (lowest..highest) over " + runs[0][1].repetitions.length + " repetition(s)");
    console.log(["measure".padEnd(40), ...runs.map(([n]) => n.padStart(24))].join(" "));
    for (const k of keys) console.log([k.padEnd(40), ...runs.map(([, d]) => cell(d, k).padStart(24))].join(" "));
  ' "$root/.test-results/bench" "${columns[@]}" | tee .test-results/bench/table.txt
fi
