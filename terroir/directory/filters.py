"""What a search may ask, checked once: the query parameters of the pages, the widget, the exports and
the API.

`PlaceFilters` is the one definition. The API declares it as its query parameters (so it is the OpenAPI
document too), the pages validate request.GET through it (`filters_read`), and `to_query()` builds the
search's `PlaceQuery`. Every refusal names its parameter: a 400 of the API, the search form's message.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from terroir.lib import hours
from terroir.lib.geo import BBox, Point, valid_lat, valid_lon
from terroir.lib.messages import quoted

from .communes import CommuneAmbiguous, CommuneChoice, CommuneNotFound, commune_choose
from .models import PROFESSIONAL_KINDS, PlaceKind
from .search import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_RADIUS_KM,
    PRODUCERS_MIN_ZOOM,
    InvalidParameter,
    PlaceQuery,
)

MAX_PAGE = 100_000
WEEKDAY_CODES = {code: i for i, code in enumerate(hours.WEEKDAYS)}


# --- One value each -------------------------------------------------------------------------------


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(name, _("%(raw)s is not a number") % {"raw": quoted(raw, _)}) from None
    if not math.isfinite(value):
        raise InvalidParameter(name, _("%(raw)s is not a finite number") % {"raw": quoted(raw, _)})
    return value


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(name, _("%(raw)s is not a whole number") % {"raw": quoted(raw, _)}) from None
    if not low <= value <= high:
        raise InvalidParameter(
            name, _("%(value)s is outside %(low)s..%(high)s") % {"value": value, "low": low, "high": high}
        )
    return value


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on", "oui"}:
        return True
    if value in {"0", "false", "no", "off", "non"}:
        return False
    raise InvalidParameter(name, _("%(raw)s is not a yes/no value (use 1 or 0)") % {"raw": quoted(raw, _)})


def parse_point(name: str, raw: str) -> Point:
    parts = raw.split(",")
    if len(parts) != 2:
        raise InvalidParameter(
            name, _("%(raw)s is not LAT,LON (two numbers separated by a comma)") % {"raw": quoted(raw, _)}
        )
    lat, lon = _float(name, parts[0]), _float(name, parts[1])
    if not valid_lat(lat):
        raise InvalidParameter(name, _("latitude %(lat)s is outside -90..90") % {"lat": f"{lat:g}"})
    if not valid_lon(lon):
        raise InvalidParameter(name, _("longitude %(lon)s is outside -180..180") % {"lon": f"{lon:g}"})
    return Point(lat, lon)


def parse_bbox(name: str, raw: str) -> BBox:
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameter(name, _("%(raw)s is not WEST,SOUTH,EAST,NORTH (four numbers)") % {"raw": quoted(raw, _)})
    west, south, east, north = (_float(name, p) for p in parts)
    for lon in (west, east):
        if not valid_lon(lon):
            raise InvalidParameter(name, _("longitude %(lon)s is outside -180..180") % {"lon": f"{lon:g}"})
    for lat in (south, north):
        if not valid_lat(lat):
            raise InvalidParameter(name, _("latitude %(lat)s is outside -90..90") % {"lat": f"{lat:g}"})
    if south > north:
        raise InvalidParameter(name, _("south is above north"))
    if west > east:
        raise InvalidParameter(name, _("west is east of east (boxes across the antimeridian are not supported)"))
    return BBox(south=south, west=west, north=north, east=east)


def parse_day(name: str, raw: str, today: dt.date) -> dt.date:
    value = raw.strip().lower()
    if value in WEEKDAY_CODES:
        return today + dt.timedelta(days=(WEEKDAY_CODES[value] - today.weekday()) % 7)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            name, _("%(raw)s is neither a date (YYYY-MM-DD) nor a weekday (mo…su)") % {"raw": quoted(raw, _)}
        ) from None


def _kinds(name: str, raw: str) -> tuple[str, ...]:
    kinds: list[str] = []
    for kind in filter(None, (k.strip() for k in raw.split(","))):
        if kind not in PlaceKind.values:
            template = _("unknown place kind %(kind)s; known kinds: %(known)s")
            raise InvalidParameter(
                name,
                template % {"kind": quoted(kind, _), "known": ", ".join(PlaceKind.values)},
                # The page lists them as its boxes label them ("marché"), not by the API's values ("market").
                template % {"kind": quoted(kind, _), "known": ", ".join(str(k.label) for k in PlaceKind)},
            )
        kinds.append(kind)
    return tuple(dict.fromkeys(kinds))


def _radius(name: str, raw: str) -> float:
    radius = _float(name, raw)
    if not 0 < radius <= MAX_RADIUS_KM:
        raise InvalidParameter(
            name,
            _("%(radius)s is outside the allowed range (0, %(max)s]")
            % {"radius": f"{radius:g}", "max": f"{MAX_RADIUS_KM:g}"},
        )
    return radius


def _text(name: str, raw: str) -> str:
    if name == "q" and len(raw) > MAX_QUERY_LENGTH:
        raise InvalidParameter(name, _("longer than %(n)s characters") % {"n": MAX_QUERY_LENGTH})
    return raw


CHECKS: dict[str, Callable[[str, str], Any]] = {
    "q": _text, "near": parse_point, "radius_km": _radius, "commune": _text, "kind": _kinds, "category": _text,
    "label": _text, "open_now": _bool, "open_on": lambda name, raw: parse_day(name, raw, timezone.localdate()),
    "local": _bool, "bbox": parse_bbox, "page": lambda name, raw: _int(name, raw, 1, MAX_PAGE),
    "page_size": lambda name, raw: _int(name, raw, 1, MAX_PAGE_SIZE), "producers": _bool, "professional": _bool,
}  # fmt: skip
# Kept as the text given: to_query() reads their value (a point, a box, kinds, a day: the weekday "mo"
# is the next Monday from the `today` it is given).
KEPT_AS_TEXT = frozenset({"near", "kind", "open_on", "bbox"})


# Texts (in the OpenAPI document, strings without a minimum length): empty, they ask nothing.
BLANK_IS_ABSENT = frozenset({"q", "near", "commune", "kind", "category", "label", "open_on", "bbox"})


# --- The search ------------------------------------------------------------------------------------


class PlaceFilters(Schema):
    q: str | None = Field(
        None, description="Words to find, accent- and case-insensitive (prefixes match).", max_length=MAX_QUERY_LENGTH
    )
    near: str | None = Field(None, description="LAT,LON in WGS84, e.g. 45.55,3.74.", examples=["45.55,3.74"])
    radius_km: float | None = Field(
        None, gt=0, le=int(MAX_RADIUS_KM), description="Radius around `near` (default 30 km)."
    )
    commune: str | None = Field(None, description="Commune name, INSEE code or postcode, used as `near`.")
    kind: str | None = Field(None, description="Place kinds, comma-separated (see /kinds).")
    category: str | None = Field(None, description="Category slug; includes its sub-categories (see /categories).")
    label: str | None = Field(None, description="Label slug (see /labels).")
    open_now: bool | None = Field(None, description="Only places open now.")
    open_on: str | None = Field(None, description="Only places open on a date (YYYY-MM-DD) or weekday (mo…su).")
    local: bool | None = Field(None, description="Only places within the territory's local radius.")
    bbox: str | None = Field(None, description="WEST,SOUTH,EAST,NORTH.")
    page: int | None = Field(None, ge=1, le=MAX_PAGE)
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
    professional: bool | None = Field(
        None,
        description=(
            "Also the places the public cannot buy at (kinds whose `public` is false: canteens, relay "
            "platforms), left out of a search by default; needed to ask for those kinds."
        ),
    )

    @field_validator("*", mode="before")
    @classmethod
    def _checked(cls, value: Any, info: ValidationInfo) -> Any:
        """Each parameter through its check (CHECKS), before pydantic's: the constraints of the fields
        are what the OpenAPI document says, the checks apply them, and the formats a type cannot say,
        with messages that name the value. A blank text is no text; a blank number or yes/no is refused,
        as the document says (the pages drop their form's empty fields first: filters_read)."""
        if not isinstance(value, str):
            return value
        value, name = value.strip(), str(info.field_name)
        check = CHECKS.get(name)
        if check is None or (not value and name in BLANK_IS_ABSENT):
            return value or None
        try:
            checked = check(name, value)
        except InvalidParameter as exc:
            # The message alone, at the parameter's place (`loc`): a ValueError would be reported as
            # "Value error, <parameter>: <message>".
            raise PydanticCustomError(
                "invalid_parameter", "{message}", {"message": exc.message, "page_message": exc.page_message}
            ) from None
        return value if name in KEPT_AS_TEXT else checked

    def commune_chosen(self) -> CommuneChoice | None:
        """The commune asked (none when a point is); raises CommuneInvalid when it is unknown or
        ambiguous, with the suggestions or the candidates."""
        if self.near or not self.commune:
            return None
        try:
            return commune_choose(self.commune)
        except (CommuneNotFound, CommuneAmbiguous) as exc:
            raise CommuneInvalid(exc) from None

    def to_query(self, *, today: dt.date | None = None) -> PlaceQuery:
        """The search asked; raises InvalidParameter for a commune that is not known or ambiguous
        (CommuneInvalid) and for a kind of professionals asked without `professional`."""
        near = parse_point("near", self.near) if self.near else None
        commune = self.commune or ""
        found = self.commune_chosen()
        if found is not None:
            near = Point(found.lat, found.lon)
        kinds = _kinds("kind", self.kind or "")
        professional = bool(self.professional)
        hidden = [k for k in kinds if k in PROFESSIONAL_KINDS]
        if hidden and not professional:
            raise InvalidParameter(
                "kind",
                _("%(kinds)s: places for professionals, the public cannot buy there (add professional=1)")
                % {"kinds": ", ".join(hidden)},
                # The page has no address parameter to add: its box for professionals shows to them only.
                _("%(kinds)s: places for professionals, the public cannot buy there")
                % {"kinds": ", ".join(str(PlaceKind(k).label) for k in hidden)},
            )
        local = bool(self.local)
        if local and near is None:
            near = Point(*settings.TERROIR_CENTER)
        return PlaceQuery(
            q=self.q or "",
            near=near,
            radius_km=self.radius_km,
            commune=commune,
            kinds=kinds,
            category=self.category or "",
            label=self.label or "",
            open_now=bool(self.open_now),
            open_on=parse_day("open_on", self.open_on, today or timezone.localdate()) if self.open_on else None,
            local=local,
            bbox=parse_bbox("bbox", self.bbox) if self.bbox else None,
            page=self.page or 1,
            page_size=self.page_size or 20,
            professional=professional,
        )


class CommuneInvalid(InvalidParameter):
    """The commune of a search is unknown (`suggestions`) or ambiguous (`candidates`)."""

    def __init__(self, cause: CommuneNotFound | CommuneAmbiguous):
        super().__init__("commune", cause.message)
        self.suggestions = cause.suggestions if isinstance(cause, CommuneNotFound) else []
        self.candidates = cause.candidates if isinstance(cause, CommuneAmbiguous) else []


class MapFilters(PlaceFilters):
    bbox: str = Field(..., description="WEST,SOUTH,EAST,NORTH of the map view.")
    zoom: int = Field(..., ge=0, le=22, description="Leaflet zoom level of the view.")
    producers: bool | None = Field(
        None,
        description=(
            "Also the producers matching the search that supply no open place, in `producers`, at their own "
            f"position or their commune's centre (`approximate`), from zoom {PRODUCERS_MIN_ZOOM} on and when "
            "no place kind nor opening day is asked."
        ),
    )

    def view_box(self) -> BBox:
        return parse_bbox("bbox", self.bbox)


QUERY_PARAMETERS = tuple(PlaceFilters.model_fields)


def filters_read(params: Mapping[str, str]) -> PlaceFilters:
    """The search parameters of a page's query string; raises InvalidParameter naming the first bad one.
    A search form sends its empty fields (`?q=&radius_km=`): they are not asked."""
    asked = {name: params[name] for name in QUERY_PARAMETERS if (params.get(name) or "").strip()}
    try:
        return PlaceFilters.model_validate(asked)
    except ValidationError as exc:
        first = exc.errors()[0]
        page_message = (first.get("ctx") or {}).get("page_message", "")
        raise InvalidParameter(str(first["loc"][-1]), first["msg"], str(page_message)) from None


def parse_place_query(params: Mapping[str, str], *, today: dt.date | None = None) -> PlaceQuery:
    """Read a search from query parameters; raises InvalidParameter naming the first bad one."""
    return filters_read(params).to_query(today=today)
