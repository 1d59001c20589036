"""Schemathesis against a real server, as the officer and as the lead: no 5xx, no answer that
contradicts the OpenAPI schema. Run by `make test-api` (part of `make ci`); exits non-zero on any
failure.

    .venv/bin/python tests/api_fuzz.py [--max-examples 40] [--seed 1] [--role officer|lead]

Bounded by --max-examples per operation and phase so that it adds about a minute or two to CI.
The server gets a data dir of its own, migrated and loaded with the demo data, and is stopped
at the end; every run starts from the same state and the same seed, so a failure reproduces.
Only the JSON API (/api/v1/) is fuzzed; the pages answer HTML to browsers and are covered by
their own tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.live import LiveServer  # noqa: E402

SCHEMA = "/api/v1/schema/openapi.json"
ROLES = ("officer", "lead")
CHECKS = "not_a_server_error,response_schema_conformance"


def token(base: str, username: str) -> str:
    response = httpx.post(
        base + "/api/v1/auth/token", json={"username": username, "password": "xuncha-demo"}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["token"])


def fuzz(base: str, username: str, max_examples: int, seed: int, workdir: Path) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        base + SCHEMA,
        "--url",
        base,
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        # One worker: with two, Hypothesis parsing its lambdas' source on two threads at once
        # sometimes fails inside CPython 3.11's ast module, a tool error that is not the server's.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        # The token route is answered without a token and throttles guessing: it is the
        # login's business (tests/test_accounts.py), not this run's.
        "--include-path-regex",
        "^/api/v1/",
        "--exclude-path",
        "/api/v1/auth/token",
        "-H",
        f"Authorization: Bearer {token(base, username)}",
    ]
    print(f"--- schemathesis as {username}", flush=True)
    # Run in the throwaway folder: schemathesis and Hypothesis keep their example databases there.
    return subprocess.run(command, cwd=workdir, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--role", choices=ROLES, action="append")
    args = parser.parse_args()
    failed = []
    with tempfile.TemporaryDirectory() as folder, LiveServer(Path(folder)) as server:
        for username in args.role or ROLES:
            if fuzz(server.url, username, args.max_examples, args.seed, Path(folder)) != 0:
                failed.append(username)
    if failed:
        print(f"schemathesis found failures as: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
