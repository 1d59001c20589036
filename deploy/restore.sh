#!/usr/bin/env bash
# Restore an archive of backup.sh into an empty install, with the server stopped:
#   systemctl stop xuncha
#   deploy/restore.sh /var/backups/xuncha/xuncha-20261128T120000000000Z.tar
#   xuncha db upgrade && xuncha audit verify && systemctl start xuncha
# Refuses to overwrite an existing SQLite file, a PostgreSQL database with tables, a photo
# store (directory or bucket) with photos, or documents/duty answers under the data dir.
# The photos are written through the configured store (XUNCHA_PHOTO_STORE).
# Every file is checked against the manifest's SHA-256, and the restored row counts against
# the manifest's. Reads the same settings as backup.sh.
set -euo pipefail
archive=${1:?usage: restore.sh ARCHIVE}
# shellcheck source=deploy/find-xuncha.sh
source "$(dirname "$0")/find-xuncha.sh"
# shellcheck disable=SC2086 # XUNCHA may be a command with arguments
exec $XUNCHA restore "$archive"
