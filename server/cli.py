"""The `xuncha` command: serve | demo | db upgrade | db recount | photos process | user … | import | backup | restore | transfer | audit …"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from .settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # One list of trusted proxies for uvicorn and for the app's login throttle: without
    # one, X-Forwarded-For is ignored, since any client could write it.
    trusted = args.forwarded_allow_ips
    if trusted is None:
        trusted = ",".join(Settings.from_env().trusted_proxies)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xuncha", description="Xuncha field inspection server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="reverse proxies whose X-Forwarded-For is believed (default: XUNCHA_TRUSTED_PROXIES, none)",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="load the demo data (idempotent)")
    demo.add_argument(
        "--history",
        action="store_true",
        help="also record some months of checks, findings and rectifications",
    )
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_db_upgrade)
    recount_cmd = db_sub.add_parser(
        "recount",
        help="count the findings again for the desk's figures (after a bulk load or a new time zone)",
    )
    recount_cmd.set_defaults(func=_db_recount)

    photos = sub.add_parser("photos", help="the photos' display copies and thumbnails")
    photos_sub = photos.add_subparsers(dest="photos_command", required=True)
    process = photos_sub.add_parser(
        "process", help="make the copies of every queued photo now (servers also do it in the background)"
    )
    process.add_argument(
        "--claimed-too",
        action="store_true",
        help="also take photos claimed by workers that are gone (after a restore, or with every server stopped)",
    )
    process.set_defaults(func=_photos_process)

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="add an account (password from the terminal or stdin)")
    create.add_argument("username")
    create.add_argument(
        "--role", required=True, choices=["officer", "lead", "supervisor", "handler", "office"]
    )
    create.add_argument("--unit", required=True, help="unit code")
    create.add_argument("--name", help="display name")
    create.set_defaults(func=_user_create)
    revoke = user_sub.add_parser("revoke", help="log an account out everywhere: every session and token ends")
    revoke.add_argument("username")
    revoke.set_defaults(func=_user_revoke)
    disable = user_sub.add_parser("disable", help="stop an account logging in, and log it out everywhere")
    disable.add_argument("username")
    disable.set_defaults(func=_user_revoke)

    imp = sub.add_parser("import", help="import units, users, sites or checklists from XLSX or CSV")
    imp.add_argument("kind", choices=["units", "users", "sites", "checklists"])
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check the file and report, changing nothing")
    imp.set_defaults(func=_import)

    backup = sub.add_parser(
        "backup", help="write one archive of the database, the photos and the secret key (server may run)"
    )
    backup.add_argument("dest", help="directory the archive is written to")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser("restore", help="restore an archive of 'xuncha backup' into an empty install")
    restore.add_argument("archive")
    restore.set_defaults(func=_restore)

    transfer = sub.add_parser(
        "transfer",
        help="move a district's database and files into the central one (idempotent, resumable)",
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
    transfer.set_defaults(func=_transfer)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain and the audited records")
    verify.set_defaults(func=_audit_verify)
    adopt = audit_sub.add_parser(
        "adopt", help="once after an upgrade: give records made before they were audited an entry"
    )
    adopt.set_defaults(func=_audit_adopt)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
