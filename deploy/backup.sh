#!/usr/bin/env bash
# Back up Xuncha: the database (a consistent online copy), the photo store and the units'
# documents answering the year's duties.
#   deploy/backup.sh /path/to/backups
# Reads XUNCHA_DATA_DIR and XUNCHA_DATABASE_URL like the server does.
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
data=${XUNCHA_DATA_DIR:-./data}
url=${XUNCHA_DATABASE_URL:-}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$dest/xuncha-$stamp"
mkdir -p "$out"

if [[ -z "$url" || "$url" == sqlite* ]]; then
  db="${url#sqlite+aiosqlite:///}"
  [[ -z "$url" ]] && db="$data/xuncha.db"
  # SQLite's online backup: consistent even while the server writes.
  python3 - "$db" "$out/xuncha.db" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with dst:
    src.backup(dst)
PY
else
  pg="${url/postgresql+asyncpg/postgresql}"
  pg_dump --format=custom --file="$out/xuncha.pgdump" "$pg"
fi

# Photos are content-addressed and never change once written: copying them after the
# database means every photo the database names is in the copy.
tar -C "$data" -cf "$out/photos.tar" photos
# The duties' documents are content-addressed and never rewritten either.
if [[ -d "$data/duties" ]]; then tar -C "$data" -cf "$out/duties.tar" duties; fi
[[ -f "$data/secret_key" ]] && cp "$data/secret_key" "$out/secret_key"
( cd "$out" && sha256sum * > SHA256SUMS )
echo "backup written to $out"
