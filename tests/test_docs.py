"""The documentation keeps up with the code: every setting in the README, every route in the
architecture's route table, and nothing the tests, benchmarks or Makefile read lies outside the
repository (a fresh clone tests itself)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def section(path: Path, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of that level."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


CONFIGURATION = section(REPO / "README.md", "Configuration")
ROUTE_TABLE = section(REPO / "docs" / "architecture.md", "Routes")
SETTINGS_SOURCE = (REPO / "server" / "settings.py").read_text(encoding="utf-8")
VARIABLES = sorted(set(re.findall(r'"(XUNCHA_[A-Z0-9_]+)"', SETTINGS_SOURCE)))


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_environment_variable_is_in_the_readme(variable):
    assert f"`{variable}`" in CONFIGURATION, f"{variable} is read in server/settings.py but not documented"


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme(name):
    # Documented under its variable when it has one, otherwise under its own name.
    assert f"`XUNCHA_{name.upper()}`" in CONFIGURATION or f"`{name}`" in CONFIGURATION, name


def app_routes(tmp_path: Path) -> list[str]:
    app = create_app(Settings(data_dir=tmp_path))
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add(f"{method} {route.path}")
    return sorted(found)


def test_every_route_is_in_the_route_table(tmp_path):
    routes = app_routes(tmp_path)
    assert len(routes) > 40  # the app's own, not an empty list that passes anything
    missing = [route for route in routes if f"| `{route}` |" not in ROUTE_TABLE]
    assert missing == [], f"add these to the route table of docs/architecture.md: {missing}"


def test_the_route_table_names_modules_that_exist(tmp_path):
    routes = set(app_routes(tmp_path))
    for line in ROUTE_TABLE.splitlines():
        row = re.match(r"\| `([A-Z]+ [^`]+)` \| `([^`]+)` \|", line)
        if row is None:
            continue
        assert row.group(1) in routes, f"the table lists {row.group(1)}, which the app does not have"
        assert (REPO / row.group(2)).is_file(), f"{row.group(2)} does not exist"


OUTSIDE = re.compile(r"\.\./shared|\.parent\s*/\s*\"shared\"|/work/|/home/|parents\[(?:[2-9]|\d\d)\]")


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(REPO))
        for p in [*REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/**/*.py"), REPO / "Makefile"]
        if "__pycache__" not in p.parts
    ),
)
def test_nothing_reads_outside_the_repository(path):
    text = (REPO / path).read_text(encoding="utf-8")
    if path == "tests/test_docs.py":
        text = text.replace(OUTSIDE.pattern, "")
    assert OUTSIDE.search(text) is None, f"{path} refers outside the repository: {OUTSIDE.search(text)}"
