"""The app of a test, built by create_app but registered with Litestar once per test process.

Most of create_app's time goes into Litestar registering the routes (parsing every handler's
signature and resolving its dependencies), the same work for every test, since the routes do not
depend on the settings. So create_app runs for every test as usual, building that test's services,
state, hooks and headers from its own settings; only the Litestar() call is recorded instead of made,
and those per-test parts are put into an app already registered with the same routes. Everything
else that differs between two calls comes from the settings, so an app is only reused for settings
that are equal but for the data folder and database (where each test has its own copy).

An app is lent to one test at a time and taken back when its client has shut it down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from litestar import Litestar, Router
from litestar.utils import ensure_async_callable

import server.app
from server.settings import Settings

# What create_app builds per call from the settings and puts into a registered app again.
PER_TEST = ("state", "on_startup", "on_shutdown", "before_send")

# Apps no test is using, with what they were registered for (settings hold dicts: compared, not hashed).
_free: list[tuple[Any, Litestar]] = []


def _recorded(settings: Settings) -> dict[str, Any]:
    """create_app's arguments to Litestar, its services and hooks built, with no app registered."""
    recorded: dict[str, Any] = {}

    def record(*args: Any, **kwargs: Any) -> None:
        assert not args, "create_app passes Litestar its arguments by name"
        recorded.update(kwargs)

    with mock.patch.object(server.app, "Litestar", record):
        server.app.create_app(settings)
    return recorded


def _key(kwargs: dict[str, Any]) -> Any:
    """Everything create_app's routes and configuration depend on: the settings (but the data folder
    and database), the injectable names, and the handlers."""
    settings: Settings = kwargs["state"]["settings"]
    same_paths = dataclasses.replace(settings, data_dir=Path("."), database_url="")
    # The static files' router is made anew by every call; the same kind, with the same folders.
    handlers = tuple(type(h) if isinstance(h, Router) else h for h in kwargs["route_handlers"])
    return (same_paths, tuple(sorted(kwargs["dependencies"])), handlers)


@contextmanager
def app_for(settings: Settings) -> Iterator[Litestar]:
    """The app create_app(settings) would make, for the duration of one test client."""
    kwargs = _recorded(settings)
    key = _key(kwargs)
    reusable = next((i for i, (registered, _) in enumerate(_free) if registered == key), None)
    if reusable is not None:
        app = _free.pop(reusable)[1]
        # The same State object, its contents replaced: what create_app's providers closed over.
        fresh = kwargs["state"].dict()
        app.state.clear()
        app.state.update(fresh)
        app.on_startup = list(kwargs["on_startup"])
        app.on_shutdown = list(kwargs["on_shutdown"])
        app.before_send = [ensure_async_callable(hook) for hook in kwargs["before_send"]]
    else:
        app = Litestar(**kwargs)
    try:
        yield app
    finally:
        _free.append((key, app))
