"""Reference data for the field: the campaigns with their checklists, and the sites (near a place)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from ..accounts.guards import logged_in
from ..deps import CampaignsDep
from ..errors import Invalid
from ..geo import valid_position
from ..i18n import gettext as _
from ..i18n import lang


class CampaignApiController(Controller):
    path = "/api/v1"
    guards = [logged_in]
    tags = ["reference"]

    @get("/campaigns")
    async def campaigns(self, campaigns: CampaignsDep) -> list[dict[str, Any]]:
        language = lang()
        ref = (await campaigns.reference()).campaigns
        return [
            {
                "code": c.code,
                "name": c.name(language),
                "category": c.category,
                "lead": {"username": c.lead.username, "display_name": c.lead.name(language)},
                "responsible_unit": {
                    "code": c.responsible_unit.code,
                    "name": c.responsible_unit.name(language),
                },
                "measures": c.measures(language),
                "starts_on": c.starts_on.isoformat() if c.starts_on else None,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
                "checklist_version": ref[c.code].version if c.code in ref else 0,
                "items": [
                    {"code": i.code, "text": i.text(language), "severity": i.severity}
                    for i in c.items
                    if i.active
                ],
            }
            for c in await campaigns.campaigns()
        ]

    @get("/sites")
    async def sites(
        self,
        campaigns: CampaignsDep,
        near: FromQuery[str | None] = None,
        radius_m: Annotated[float, QueryParameter(ge=1, le=50_000)] = 2000.0,
    ) -> list[dict[str, Any]]:
        language = lang()
        if near is None:
            return [site_json(s, None, language) for s in await campaigns.sites()]
        try:
            lat_text, lon_text = near.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise Invalid(
                _("near must be LAT,LON."), errors=[{"field": "near", "message": _("near must be LAT,LON.")}]
            ) from None
        if not valid_position(lat, lon):
            raise Invalid(
                _("near is not a position on Earth."),
                errors=[{"field": "near", "message": _("Latitude -90..90, longitude -180..180.")}],
            )
        return [site_json(s, d, language) for s, d in await campaigns.sites_near(lat, lon, radius_m)]


def site_json(site: Any, distance: float | None, language: str) -> dict[str, Any]:
    body = {
        "code": site.code,
        "name": site.name(language),
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "unit": site.unit.code if site.unit else None,
    }
    if distance is not None:
        body["distance_m"] = round(distance, 1)
    return body
