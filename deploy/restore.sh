#!/usr/bin/env bash
# Restore a backup made by backup.sh into an empty data dir / database, with the server stopped.
#   deploy/restore.sh /path/to/backups/xuncha-20261128T120000Z
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR}
data=${XUNCHA_DATA_DIR:-./data}
url=${XUNCHA_DATABASE_URL:-}
( cd "$src" && sha256sum --check --quiet SHA256SUMS )
mkdir -p "$data"

if [[ -f "$src/xuncha.db" ]]; then
  db="${url#sqlite+aiosqlite:///}"
  [[ -z "$url" ]] && db="$data/xuncha.db"
  [[ -e "$db" ]] && { echo "refusing to overwrite $db; move it away first" >&2; exit 1; }
  cp "$src/xuncha.db" "$db"
else
  pg="${url/postgresql+asyncpg/postgresql}"
  pg_restore --no-owner --exit-on-error --dbname="$pg" "$src/xuncha.pgdump"
fi
tar -C "$data" -xf "$src/photos.tar"
if [[ -f "$src/duties.tar" ]]; then tar -C "$data" -xf "$src/duties.tar"; fi
[[ -f "$src/secret_key" && ! -f "$data/secret_key" ]] && cp "$src/secret_key" "$data/secret_key"
echo "restored; run 'xuncha db upgrade' and 'xuncha audit verify' before serving"
