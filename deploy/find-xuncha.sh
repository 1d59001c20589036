# Sourced by backup.sh and restore.sh: the xuncha command to run, in $XUNCHA.
# Given in the environment (it may carry arguments), else this checkout's .venv, else xuncha on PATH.
if [[ -z "${XUNCHA:-}" ]]; then
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if [[ -x "$here/.venv/bin/xuncha" ]]; then XUNCHA="$here/.venv/bin/xuncha"; else XUNCHA=xuncha; fi
fi
umask 077
