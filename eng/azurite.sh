# Azurite helpers, sourced by eng/test.sh (and the demo scripts). Installs Azurite from npm into
# eng/tools/node_modules on first use, starts it on free loopback ports with in-memory persistence.
_rg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_rg_tools="$_rg_root/eng/tools"

azurite_install() {
  if [ ! -x "$_rg_tools/node_modules/.bin/azurite" ]; then
    printf '[azurite] installing Azurite from npm into eng/tools\n' >&2
    (cd "$_rg_tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

azurite_start() {
  local logfile="${1:-/dev/null}"
  AZURITE_BLOB_PORT=$(_free_port); AZURITE_QUEUE_PORT=$(_free_port); AZURITE_TABLE_PORT=$(_free_port)
  while [ "$AZURITE_QUEUE_PORT" = "$AZURITE_BLOB_PORT" ]; do AZURITE_QUEUE_PORT=$(_free_port); done
  while [ "$AZURITE_TABLE_PORT" = "$AZURITE_BLOB_PORT" ] || [ "$AZURITE_TABLE_PORT" = "$AZURITE_QUEUE_PORT" ]; do AZURITE_TABLE_PORT=$(_free_port); done
  "$_rg_tools/node_modules/.bin/azurite" --silent --inMemoryPersistence --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" \
    --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT" \
    --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" >"$logfile" 2>&1 &
  AZURITE_PID=$!
  local i
  for i in $(seq 1 100); do
    if node -e 'const net=require("net");let n=0;for(const p of process.argv.slice(1)){const c=net.connect(+p,"127.0.0.1",()=>{c.end();if(++n===3)process.exit(0)});c.on("error",()=>process.exit(1));}' \
      "$AZURITE_BLOB_PORT" "$AZURITE_QUEUE_PORT" "$AZURITE_TABLE_PORT" 2>/dev/null; then break; fi
    if ! kill -0 "$AZURITE_PID" 2>/dev/null; then echo "[azurite] failed to start; see $logfile" >&2; return 1; fi
    sleep 0.1
  done
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZURITE_QUEUE_PORT/devstoreaccount1;TableEndpoint=http://127.0.0.1:$AZURITE_TABLE_PORT/devstoreaccount1;"
  export AZURITE_BLOB_PORT AZURITE_QUEUE_PORT AZURITE_TABLE_PORT AZURITE_PID AZURITE_CONNECTION_STRING
}

azurite_stop() {
  if [ -n "${AZURITE_PID:-}" ] && kill -0 "$AZURITE_PID" 2>/dev/null; then
    kill "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
  fi
}
