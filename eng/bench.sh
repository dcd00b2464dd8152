#!/usr/bin/env bash
# The loopback load run: builds the server and the benchmark project in Release, starts Azurite (eng/azurite.sh)
# and runs `ReleaseGuardian.Benchmarks loadrun`, which starts the server DLL on a free loopback port per repetition
# and measures webhook throughput, time to rollback, storage transactions per evaluation and Azurite's raw insert
# rate. Results: .test-results/bench/loadrun.json. Extra arguments go to the load run, e.g.
#   eng/bench.sh --repeat 1 --evaluations 20 --set Workflow__PollInterval=00:00:00.050
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=eng/azurite.sh
source "$root/eng/azurite.sh"

dotnet build src/ReleaseGuardian.Server -c Release -nologo -v quiet
dotnet build tests/ReleaseGuardian.Benchmarks -c Release -nologo -v quiet

mkdir -p .test-results/bench
azurite_install
azurite_start .test-results/bench/azurite.log
trap azurite_stop EXIT

dotnet tests/ReleaseGuardian.Benchmarks/bin/Release/net10.0/ReleaseGuardian.Benchmarks.dll loadrun \
  --server-dll src/ReleaseGuardian.Server/bin/Release/net10.0/ReleaseGuardian.Server.dll \
  --storage "$AZURITE_CONNECTION_STRING" \
  --azurite-pid "$(pgrep -P "$AZURITE_PID" -f azurite || echo "$AZURITE_PID")" \
  --output .test-results/bench/loadrun.json \
  --server-log .test-results/bench/server.log \
  "$@"
