#!/usr/bin/env bash
# Back up Xuncha into one archive: the database (a consistent online snapshot: SQLite's backup
# API, or pg_dump -Fc), then the photos (from the configured store: files or an S3 bucket), the
# units' documents and duty answers, then the secret key, with a manifest of row counts and
# SHA-256 of every file. Safe while the server runs (from cron or a systemd timer).
#   deploy/backup.sh /var/backups/xuncha      -> /var/backups/xuncha/xuncha-<UTC time>.tar
# Reads XUNCHA_DATA_DIR, XUNCHA_DATABASE_URL and the photo store's settings (XUNCHA_PHOTO_STORE,
# XUNCHA_S3_*) like the server (EnvironmentFile /etc/xuncha/env);
# XUNCHA_PG_BIN names the PostgreSQL client directory when pg_dump on PATH is older than the server.
# XUNCHA names the xuncha command (default: the checkout's .venv, else xuncha on PATH).
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
# shellcheck source=deploy/find-xuncha.sh
source "$(dirname "$0")/find-xuncha.sh"
# shellcheck disable=SC2086 # XUNCHA may be a command with arguments
exec $XUNCHA backup "$dest"
