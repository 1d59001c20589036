"""The `xuncha` command: serve | demo | db upgrade | db recount | photos process | user … | import | backup | restore | transfer | audit …"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from .settings import Settings


def photo_workers_for(server_workers: int) -> int:
    """The photo workers of each of `server_workers` processes, when XUNCHA_PHOTO_WORKERS is unset."""
    return max(1, (os.cpu_count() or 1) // max(1, server_workers))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # One list of trusted proxies for uvicorn and for the app's login throttle: without
    # one, X-Forwarded-For is ignored, since any client could write it.
    trusted = args.forwarded_allow_ips
    if trusted is None:
        trusted = ",".join(Settings.from_env().trusted_proxies)
    # Unless set, the server processes share the cores for making photos' copies: one process on
    # two cores makes two photos' copies at a time, two processes one each.
    os.environ.setdefault("XUNCHA_PHOTO_WORKERS", str(photo_workers_for(args.workers)))
    uvicorn.run(
        "server.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # Behind the reverse proxy, which logs every request already; --access-log for local debugging.
        access_log=args.access_log,
        log_level="info",
    )
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from .db import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url, args.revision)
    print(f"database at revision {args.revision}")
    return 0


def _db_recount(_args: argparse.Namespace) -> int:
    from .db import Database
    from .findings.counts import recount

    async def run() -> int:
        async with Database(Settings.from_env()) as db:
            return await recount(db)

    rows = asyncio.run(run())
    print(f"finding counts rebuilt: {rows} rows")
    return 0


def _photos_process(args: argparse.Namespace) -> int:
    from .app import build_services
    from .db import Database

    async def run() -> tuple[int, int, int]:
        settings = Settings.from_env()
        async with Database(settings) as db:
            photos = build_services(settings, db)["photos"]
            done = await photos.deriver.drain(held_too=args.claimed_too)
            return done, await photos.queue.pending(), len(await photos.undecodable())

    done, pending, undecodable = asyncio.run(run())
    # Jobs still pending are held by a running server's worker, or wait for a store to come back.
    print(f"photos processed: {done}; still queued: {pending}; undecodable in all: {undecodable}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo.loader import load_demo

    settings = Settings.from_env()
    summary = asyncio.run(load_demo(settings))
    print(summary)
    if args.history:
        from .demo.history import record_history

        print(asyncio.run(record_history(settings)))
    return 0


def _read_password(prompt_twice: bool) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if prompt_twice and getpass.getpass("Repeat password: ") != first:
            raise SystemExit("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _user_create(args: argparse.Namespace) -> int:
    from .accounts.admin import create_user

    settings = Settings.from_env()
    password = _read_password(prompt_twice=True)
    try:
        message = asyncio.run(
            create_user(settings, args.username, args.role, args.unit, password, args.name or args.username)
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(message)
    return 0


def _user_revoke(args: argparse.Namespace) -> int:
    from .accounts.admin import disable_user, revoke_user

    action = disable_user if args.user_command == "disable" else revoke_user
    try:
        print(asyncio.run(action(Settings.from_env(), args.username)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _audit_verify(_args: argparse.Namespace) -> int:
    from .audit.verify import verify_cli

    return asyncio.run(verify_cli(Settings.from_env()))


def _import(args: argparse.Namespace) -> int:
    from .admin.cli import import_cli

    return asyncio.run(import_cli(Settings.from_env(), args.kind, args.file, args.dry_run))


def _audit_adopt(_args: argparse.Namespace) -> int:
    from .audit.adopt import adopt_cli

    return asyncio.run(adopt_cli(Settings.from_env()))


def _backup(args: argparse.Namespace) -> int:
    from .backup.archive import backup_cli

    return backup_cli(Settings.from_env(), args.dest)


def _restore(args: argparse.Namespace) -> int:
    from .backup.restore import restore_cli

    return restore_cli(Settings.from_env(), args.archive)


def _transfer(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .backup.transfer import transfer_cli

    data_from = Path(args.data_from) if args.data_from else None
    return asyncio.run(
        transfer_cli(
            Settings.from_env(), args.from_url, args.to_url, data_from, args.district, args.stop_after
        )
    )


def _command(
    commands: Any, name: str, func: Callable[[argparse.Namespace], int], help: str, **flags: str
) -> argparse.ArgumentParser:
    """A subcommand `name` that runs `func`; each keyword is an on/off option and its help
    (`claimed_too` for `--claimed-too`). Its other arguments are added to what it returns."""
    command = commands.add_parser(name, help=help)
    for flag, flag_help in flags.items():
        command.add_argument("--" + flag.replace("_", "-"), action="store_true", help=flag_help)
    command.set_defaults(func=func)
    return command


def _group(commands: Any, name: str, help: str) -> Any:
    """A command whose subcommands are added to what it returns: `xuncha NAME SUBCOMMAND`."""
    return commands.add_parser(name, help=help).add_subparsers(dest=f"{name}_command", required=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xuncha", description="Xuncha field inspection server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = _command(sub, "serve", _serve, "serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="reverse proxies whose X-Forwarded-For is believed (default: XUNCHA_TRUSTED_PROXIES, none)",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    history = "also record some months of checks, findings and rectifications"
    _command(sub, "demo", _demo, "load the demo data (idempotent)", history=history)

    db = _group(sub, "db", "database maintenance")
    _command(db, "upgrade", _db_upgrade, "apply migrations").add_argument(
        "revision", nargs="?", default="head"
    )
    recount = "count the findings again for the desk's figures (after a bulk load or a new time zone)"
    _command(db, "recount", _db_recount, recount)

    photos = _group(sub, "photos", "the photos' display copies and thumbnails")
    process = "make the copies of every queued photo now (servers also do it in the background)"
    claimed = (
        "also take photos claimed by workers that are gone (after a restore, or with every server stopped)"
    )
    _command(photos, "process", _photos_process, process, claimed_too=claimed)

    user = _group(sub, "user", "accounts")
    create = _command(user, "create", _user_create, "add an account (password from the terminal or stdin)")
    create.add_argument("username")
    create.add_argument(
        "--role", required=True, choices=["officer", "lead", "supervisor", "handler", "office"]
    )
    create.add_argument("--unit", required=True, help="unit code")
    create.add_argument("--name", help="display name")
    for name, help in (
        ("revoke", "log an account out everywhere: every session and token ends"),
        ("disable", "stop an account logging in, and log it out everywhere"),
    ):
        _command(user, name, _user_revoke, help).add_argument("username")

    imp = _command(sub, "import", _import, "import units, users, sites or checklists from XLSX or CSV")
    imp.add_argument("kind", choices=["units", "users", "sites", "checklists"])
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check the file and report, changing nothing")
    backup = "write one archive of the database, the photos and the secret key (server may run)"
    _command(sub, "backup", _backup, backup).add_argument("dest", help="directory the archive is written to")
    restore = "restore an archive of 'xuncha backup' into an empty install"
    _command(sub, "restore", _restore, restore).add_argument("archive")

    transfer = _command(
        sub,
        "transfer",
        _transfer,
        "move a district's database and files into the central one (idempotent, resumable)",
    )
    transfer.add_argument("--from", dest="from_url", required=True, help="the district's database URL")
    transfer.add_argument("--to", dest="to_url", required=True, help="the central database URL")
    transfer.add_argument(
        "--data-from",
        help="the district's data directory: its photos, documents and duty answers are copied into "
        "this install's photo store (XUNCHA_PHOTO_STORE) and data directory",
    )
    transfer.add_argument(
        "--district", default="", help="a name for the district (default: from its audit trail)"
    )
    transfer.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)

    audit = _group(sub, "audit", "the audit trail")
    _command(audit, "verify", _audit_verify, "check the hash chain and the audited records")
    adopt = "once after an upgrade: give records made before they were audited an entry"
    _command(audit, "adopt", _audit_adopt, adopt)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
