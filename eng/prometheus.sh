# Prometheus helpers, sourced by eng/test.sh. Installs Debian's Prometheus (2.42 on bookworm) on first use. The
# Prometheus test starts its own server through RELEASEGUARDIAN_TEST_PROMETHEUS (the executable's path), because
# what it scrapes, the demo's checkout service, gets its loopback port inside the test.
prometheus_install() {
  local bin
  bin="$(command -v prometheus || true)"
  if [ -z "$bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "[prometheus] Prometheus is not installed and installing it needs root: apt-get install prometheus" >&2
      return 1
    fi
    printf '[prometheus] installing Prometheus from Debian\n' >&2
    _rg_apt_update || return 1
    # --no-install-recommends: the node exporter and the rest of the monitoring stack are not needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2 || {
      echo "[prometheus] apt-get install prometheus failed" >&2; return 1; }
    bin="$(command -v prometheus || true)"
    [ -n "$bin" ] || { echo "[prometheus] installed, but no prometheus executable is on PATH" >&2; return 1; }
    # Debian's package starts a system Prometheus on :9090 where an init system runs; the tests never use it.
  fi
  "$bin" --version >&2 || { echo "[prometheus] $bin --version failed" >&2; return 1; }
  RELEASEGUARDIAN_TEST_PROMETHEUS="$bin"
  export RELEASEGUARDIAN_TEST_PROMETHEUS
}
