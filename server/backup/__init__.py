"""Backups that restore: `xuncha backup`, `xuncha restore` (deploy/backup.sh and restore.sh) and `xuncha transfer`."""
