"""What a page handler reads, provided once: the request with the reference data and settings
most pages read (a handler's `view: PageViewDep`); a package's pages add their own services in
a subclass, provided with `provided_view`."""

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from .deps import CampaignsDep, SettingsDep
from .models import User
from .web import page


@dataclass(frozen=True)
class PageView:
    request: Request[User, Any, Any]
    campaigns: CampaignsDep
    settings: SettingsDep

    def template(self, name: str, **context: Any) -> Template:
        """The page `name` shows, with the context every page has."""
        return page(self.request, name, **context)


def provided_view(view: type[PageView]) -> dict[str, Provide]:
    """A controller's `dependencies` entry for its handlers' `view`."""
    return {"view": Provide(view, sync_to_thread=False)}


PageViewDep = NamedDependency[PageView]
