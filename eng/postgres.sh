# PostgreSQL helpers, sourced by eng/test.sh (Unleash keeps its data in it). Installs Debian's PostgreSQL 15
# on first use and runs a throwaway cluster (mktemp data dir, trust auth, loopback only, a free port).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user the package creates.
_rg_pg_bin="/usr/lib/postgresql/15/bin"

# Installs PostgreSQL 15 from Debian unless it is there. Fails (never skips) with the reason.
postgres_install() {
  [ -x "$_rg_pg_bin/pg_ctl" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "[postgres] PostgreSQL 15 is not installed at $_rg_pg_bin and installing it needs root: apt-get install postgresql" >&2
    return 1
  fi
  printf '[postgres] installing PostgreSQL 15 from Debian\n' >&2
  _rg_apt_update || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 || {
    echo "[postgres] apt-get install postgresql failed" >&2; return 1; }
  [ -x "$_rg_pg_bin/pg_ctl" ] || { echo "[postgres] installed, but $_rg_pg_bin/pg_ctl is missing (not version 15?)" >&2; return 1; }
}

# apt-get update once per test command, however many installs need it.
_rg_apt_update() {
  [ -n "${_RG_APT_UPDATED:-}" ] && return 0
  apt-get update -qq >&2 || { echo "[apt] apt-get update failed" >&2; return 1; }
  _RG_APT_UPDATED=1
}

_rg_as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway cluster; exports POSTGRES_PORT, POSTGRES_DATA, POSTGRES_URL (database 'postgres', user 'postgres').
postgres_start() {
  local logfile="${1:-/dev/null}"
  POSTGRES_DATA="$(mktemp -d /tmp/rg-postgres.XXXXXX)"
  POSTGRES_PORT=$(_free_port)
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$POSTGRES_DATA"; fi
  _rg_as_pg_owner "$_rg_pg_bin/initdb" -D "$POSTGRES_DATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$logfile" 2>&1 || {
    echo "[postgres] initdb failed; see $logfile" >&2; return 1; }
  # fsync off: the data is thrown away; the socket lives in the data dir, so nothing needs /var/run/postgresql.
  _rg_as_pg_owner "$_rg_pg_bin/pg_ctl" -D "$POSTGRES_DATA" -l "$POSTGRES_DATA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k $POSTGRES_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >>"$logfile" 2>&1 || {
    echo "[postgres] failed to start; see $logfile and $POSTGRES_DATA/server.log" >&2; cat "$POSTGRES_DATA/server.log" >&2 2>/dev/null; return 1; }
  POSTGRES_URL="postgres://postgres@127.0.0.1:$POSTGRES_PORT/postgres"
  export POSTGRES_PORT POSTGRES_DATA POSTGRES_URL
}

postgres_stop() {
  if [ -n "${POSTGRES_DATA:-}" ] && [ -d "$POSTGRES_DATA" ]; then
    _rg_as_pg_owner "$_rg_pg_bin/pg_ctl" -D "$POSTGRES_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_DATA"
  fi
}
