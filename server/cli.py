"""The `xuncha` command: serve | demo | db upgrade | db recount | user create | audit verify."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from .settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "server.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
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
        db = Database(Settings.from_env())
        try:
            return await recount(db)
        finally:
            await db.dispose()

    rows = asyncio.run(run())
    print(f"finding counts rebuilt: {rows} rows")
    return 0


def _demo(_args: argparse.Namespace) -> int:
    from .demo.loader import load_demo

    settings = Settings.from_env()
    summary = asyncio.run(load_demo(settings))
    print(summary)
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


def _audit_verify(_args: argparse.Namespace) -> int:
    from .audit.verify import verify_cli

    return asyncio.run(verify_cli(Settings.from_env()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xuncha", description="Xuncha field inspection server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="load the demo data (idempotent)")
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

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain and the audited records")
    verify.set_defaults(func=_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
