"""Shared helpers for tests that are not fixtures."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# The real phone photos and Open311 schemas live beside the repository in shared/fixtures;
# XUNCHA_FIXTURES points elsewhere when a checkout sits somewhere else.
FIXTURES_DIR = Path(os.environ.get("XUNCHA_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures")).resolve()
PHOTOS_DIR = FIXTURES_DIR / "photos"


def fixture_photo(name: str) -> bytes:
    path = PHOTOS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"fixture photo {name} not found under {PHOTOS_DIR}; set XUNCHA_FIXTURES to the shared fixtures folder"
        )
    return path.read_bytes()
