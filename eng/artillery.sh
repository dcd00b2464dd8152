# Artillery helpers, sourced by eng/test.sh. Installs Artillery 2 (pinned in eng/artillery/package-lock.json) with
# npm ci on first use. Artillery's Playwright engine would download browsers at install time, which fails offline
# and is not needed for HTTP load tests: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1. The tests run it through
# RELEASEGUARDIAN_TEST_ARTILLERY (the executable's path).
_rg_artillery_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/artillery"

artillery_install() {
  if [ ! -x "$_rg_artillery_dir/node_modules/.bin/artillery" ]; then
    printf '[artillery] installing Artillery from npm into eng/artillery\n' >&2
    (cd "$_rg_artillery_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) || {
      echo "[artillery] npm ci in eng/artillery failed" >&2; return 1; }
  fi
  RELEASEGUARDIAN_TEST_ARTILLERY="$_rg_artillery_dir/node_modules/.bin/artillery"
  export RELEASEGUARDIAN_TEST_ARTILLERY
}
