# Unleash helpers, sourced by eng/test.sh. Installs unleash-server 8 (pinned in eng/unleash/package-lock.json)
# with npm ci on first use, and runs it on a free loopback port against a throwaway PostgreSQL 15 cluster
# (eng/postgres.sh). The tests find it through RELEASEGUARDIAN_TEST_UNLEASH_URL and the two admin tokens below.
_rg_unleash_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/unleash"
# shellcheck source=eng/postgres.sh
source "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

# True when a GET of the URL answers 2xx (node, not curl: a fresh machine has node for npm anyway).
_rg_http_ok() {
  node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1" 2>/dev/null
}

unleash_install() {
  postgres_install || return 1
  if [ ! -f "$_rg_unleash_dir/node_modules/unleash-server/package.json" ]; then
    printf '[unleash] installing unleash-server from npm into eng/unleash\n' >&2
    (cd "$_rg_unleash_dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
      echo "[unleash] npm ci in eng/unleash failed" >&2; return 1; }
  fi
}

# Starts PostgreSQL and Unleash; exports RELEASEGUARDIAN_TEST_UNLEASH_URL, _ADMIN_TOKEN (named 'release-guardian',
# what Release Guardian rolls back with) and _OPERATOR_TOKEN (named 'release-manager', the person releasing).
unleash_start() {
  local logdir="${1:-/tmp}"
  postgres_start "$logdir/postgres.log" || return 1
  UNLEASH_PORT=$(_free_port)
  local suffix; suffix="$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  RELEASEGUARDIAN_TEST_UNLEASH_ADMIN_TOKEN="*:*.release-guardian-$suffix"
  RELEASEGUARDIAN_TEST_UNLEASH_OPERATOR_TOKEN="*:*.release-manager-$suffix"
  (cd "$_rg_unleash_dir" && UNLEASH_DATABASE_URL="$POSTGRES_URL" UNLEASH_PORT="$UNLEASH_PORT" \
    UNLEASH_ADMIN_TOKEN="$RELEASEGUARDIAN_TEST_UNLEASH_ADMIN_TOKEN" UNLEASH_OPERATOR_TOKEN="$RELEASEGUARDIAN_TEST_UNLEASH_OPERATOR_TOKEN" \
    exec node server.mjs) >"$logdir/unleash.log" 2>&1 &
  UNLEASH_PID=$!
  RELEASEGUARDIAN_TEST_UNLEASH_URL="http://127.0.0.1:$UNLEASH_PORT"
  export UNLEASH_PORT UNLEASH_PID RELEASEGUARDIAN_TEST_UNLEASH_URL RELEASEGUARDIAN_TEST_UNLEASH_ADMIN_TOKEN RELEASEGUARDIAN_TEST_UNLEASH_OPERATOR_TOKEN
}

# Waits (up to 3 minutes: the first start runs Unleash's database migrations) until Unleash answers /health.
unleash_wait() {
  local logdir="${1:-/tmp}" i
  for i in $(seq 1 900); do
    if _rg_http_ok "$RELEASEGUARDIAN_TEST_UNLEASH_URL/health"; then return 0; fi
    if ! kill -0 "$UNLEASH_PID" 2>/dev/null; then
      echo "[unleash] exited during startup; its log ($logdir/unleash.log):" >&2; tail -n 30 "$logdir/unleash.log" >&2; return 1
    fi
    sleep 0.2
  done
  echo "[unleash] did not answer /health within 3 minutes; see $logdir/unleash.log" >&2
  return 1
}

unleash_stop() {
  if [ -n "${UNLEASH_PID:-}" ] && kill -0 "$UNLEASH_PID" 2>/dev/null; then
    kill "$UNLEASH_PID" 2>/dev/null || true
    wait "$UNLEASH_PID" 2>/dev/null || true
  fi
  postgres_stop
}
