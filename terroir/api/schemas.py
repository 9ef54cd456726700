"""Typed request and response schemas of /api/v1 (they are the OpenAPI document).

The search parameters are the directory's own (terroir.directory.filters), shared with the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Schema

from terroir.directory.fields import LIMITS


class ErrorBody(Schema):
    code: str
    message: str
    parameter: str | None = None


class ErrorOut(Schema):
    error: ErrorBody


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    lat: float | None
    lon: float | None
    distance_km: float | None
    address: str
    postcode: str
    commune: str
    commune_code: str
    opening_hours: str
    open_now: bool | None
    hours_text: str = Field(
        "",
        description="The opening hours in the asked language's words (Accept-Language), or the expression "
        "itself when words could mislead.",
    )
    hours_status: str = Field("", description='Open now or not, and when that changes ("open now · closes at 7 pm").')
    url: str


class PlacePage(Schema):
    count: int = Field(description="Matching places, counted up to 10,000")
    count_exact: bool = Field(description="False when counting stopped at 10,000: there are more")
    page: int
    pages: int
    results: list[PlaceOut]


class Contact(Schema):
    email: str
    phone: str = Field(description="E.164, e.g. +33473123456 (pages show 04 73 12 34 56).")
    website: str


class ActorRef(Schema):
    id: int
    name: str


class ProducerRef(ActorRef):
    url: str
    categories: list[str]


class ProductOut(Schema):
    slug: str
    name: str = Field(description="In the language asked (Accept-Language), French by default.")


class PlaceLocalOut(Schema):
    producers: int = Field(description="Suppliers with a known farm position (those counted).")
    unplaced: int = Field(description="Suppliers without a position: not counted.")
    local: int = Field(description="Of `producers`, those whose farm is within `radius_km` of the place.")
    radius_km: float = Field(description="The local radius: the site's (TERROIR_LOCAL_RADIUS_KM, 150 km).")
    share: float | None = Field(description="`local` / `producers`, 0–1; null when no supplier has a position.")
    median_km: float | None = Field(description="Median farm-to-shelf distance, great-circle km.")


class PlaceDetailOut(PlaceOut):
    description: str
    contact: Contact | None
    operator: ActorRef | None
    producers: list[ProducerRef]
    categories: list[str] = Field(description="Slugs of `products`.")
    products: list[ProductOut] = Field(
        description="What is sold here: the categories of the offers of its producers and of the producer running it."
    )
    suppliers: list[ProducerRef] = Field(
        description="Who supplies it: its producers and, when a producer runs it (a farm), that producer."
    )
    labels: list[str]
    source: str
    verified_at: str | None
    local: PlaceLocalOut | None = Field(
        description="Local or not: the distances from its suppliers' farms (null: no position or no supplier)."
    )


class ProducerOut(Schema):
    id: int
    name: str
    legal_form: str
    lat: float | None
    lon: float | None
    distance_km: float | None
    commune: str
    commune_code: str
    categories: list[str]
    labels: list[str]
    url: str


class ProducerPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ProducerOut]


class OfferOut(Schema):
    category: str
    category_name: str
    months: list[int]
    labels: list[str]
    note: str


class ProducerDetailOut(ProducerOut):
    description: str
    siret: str
    roles: list[str]
    contact: Contact | None
    order_url: str = Field("", description="Where to order online (their shop, an OFN or Cagette hub); public.")
    offers: list[OfferOut]
    places: list[PlaceOut]
    source: str
    verified_at: str | None


class CategoryOut(Schema):
    slug: str
    name: str
    name_fr: str
    name_en: str
    depth: int
    season_months: list[int]
    children: list[CategoryOut]


class LabelOut(Schema):
    slug: str
    name: str
    name_fr: str
    name_en: str
    egalim: str


class KindOut(Schema):
    slug: str
    name: str
    public: bool = Field(
        True, description="Whether the public can buy there; places of other kinds need `professional=1`."
    )


class CommuneOut(Schema):
    code: str = Field(description="INSEE code.")
    name: str
    department: str
    postcodes: list[str]
    lat: float
    lon: float
    label: str = Field(description="Name and département, as `commune=` reads it back: “Saint-Just (63)”.")
    in_territory: bool = Field(description="Within the territory's local radius of its centre.")


class ClusterOut(Schema):
    lat: float
    lon: float
    count: int
    south: float
    west: float
    north: float
    east: float


class MapPlaceOut(Schema):
    id: int
    name: str
    kind: str
    lat: float
    lon: float
    commune: str = ""
    hours_today: str = Field("", description='Today\'s opening slots in words ("today 9 am–12 pm"), or empty.')
    hours_status: str = Field("", description="Open now or not, and when that changes.")


class MapProducerOut(Schema):
    id: int
    name: str
    lat: float
    lon: float
    commune: str
    approximate: bool = Field(description="True: the commune's centre, the producer gave no position of its own.")


class MapOut(Schema):
    total: int
    clusters: list[ClusterOut]
    places: list[MapPlaceOut]
    producers_shown: bool = Field(
        False, description="Whether `producers` was computed (asked with `producers=1`, zoom and filters allowing)."
    )
    producers: list[MapProducerOut] = Field(
        default_factory=list, description="Producers supplying no open place (`producers=1`), at most 300."
    )


# --- Writes (with a token of scope "write", on entries the token's owner manages) --------------------
# Values are checked once, by the directory's field registry (terroir.directory.fields) in the write path,
# the same rule as the edit form and imports: a value sent back as it was read is not checked again, so an
# entry imported before today's rules can still be changed. The limits below are the registry's.

_STRICT = {"extra": "forbid"}


class PatchBase(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    name: str | None = Field(None, max_length=LIMITS["name"])
    description: str | None = Field(None, max_length=LIMITS["description"])
    address: str | None = Field(None, max_length=LIMITS["address"])
    postcode: str | None = Field(
        None, max_length=LIMITS["postcode"], description="Five digits of a French département, overseas included."
    )
    commune: str | None = Field(None, max_length=5, description="INSEE code of the commune.")
    lat: float | None = Field(None, description="WGS84 latitude.")
    lon: float | None = Field(None, description="WGS84 longitude.")
    email: str | None = Field(None, max_length=LIMITS["email"], description="Stored with its domain lower-cased.")
    phone: str | None = Field(
        None,
        max_length=LIMITS["phone"],
        description="Any way of writing a valid number (04 73 12 34 56, +33 4 73…, 0590 81 23 45); stored E.164.",
    )
    website: str | None = Field(
        None, max_length=LIMITS["website"], description="http or https; https:// is added when no scheme is given."
    )
    contact_public: bool | None = Field(None, description="Whether the contact details may be published.")


class PlacePatch(PatchBase):
    kind: str | None = Field(None, description="See /kinds.")
    opening_hours: str | None = Field(
        None, max_length=LIMITS["opening_hours"], description="OpenStreetMap opening_hours syntax."
    )
    closed_at: str | None = Field(None, description="YYYY-MM-DD when the place closed; null when open.")


class ProductIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    category: str = Field(..., max_length=60, description="Category slug (see /categories).")
    months: int = Field(4095, ge=1, le=4095, description="Months available, bit 0 = January; 4095 = all year.")
    labels: list[str] = Field(default_factory=list, max_length=20, description="Label slugs (see /labels).")
    note: str = Field("", max_length=255)
    monthly_volume: float | None = Field(None, gt=0, lt=1e8, description="What can be sold in a month.")
    unit: str = Field("", max_length=10, description="Unit of the volume: kg, l, piece, dozen, crate.")


class ProducerPatch(PatchBase):
    legal_form: str | None = Field(None, max_length=20)
    siret: str | None = Field(
        None, max_length=LIMITS["siret"], description="14 digits with a valid checksum; spaces and dots allowed."
    )
    order_url: str | None = Field(
        None, max_length=LIMITS["order_url"], description="Where to order online; http or https, like website."
    )
    delivery_radius_km: int | None = Field(None, ge=0, le=1000)
    delivery_weekdays: int | None = Field(None, ge=0, le=127, description="Days it delivers, bit 0 = Monday.")
    requirements: list[str] | None = Field(
        None, max_length=5, description="Buyers' requirements met: gtin, sanitary_approval, cold_chain, invoicing…"
    )
    products: list[ProductIn] | None = Field(None, max_length=200, description="Replaces the whole list.")


class SuggestionIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    entity: str = Field(..., description='"place" or "actor".', pattern="^(place|actor)$")
    id: int = Field(..., ge=1, le=2**63 - 1)
    kind: str = Field("correction", pattern="^(correction|closed)$")
    changes: dict[str, str | float | bool | None] = Field(
        default_factory=dict, description="Suggested values by field name (see PlacePatch).", max_length=20
    )
    comment: str = Field("", max_length=2000)
    email: str = Field("", max_length=254, description="To hear about the decision (optional).")
    against: dict[str, str | float | bool | None] | None = Field(
        None,
        description="The values you read and correct, by field name (from your last GET): the owner sees when the "
        "entry changed since. Without them, the entry's values when the suggestion arrives.",
        max_length=20,
    )
    version: str = Field("", max_length=40, description="The ETag of your last GET of the entry (optional).")


class SuggestionOut(Schema):
    id: int
    status: str


class PlanIn(Schema):
    model_config = _STRICT  # type: ignore[assignment]

    problem: dict[str, Any] = Field(..., description="Depots, vehicles and orders: the format of docs/logistics.md.")
    time_limit_s: float = Field(10.0, ge=1, le=120, description="Seconds of search.")
    week: date | None = Field(None, description="The Monday of the planned week (a label; days are in the problem).")
    organisation: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="The carrier planning (its producer id), when the key's person acts for several; "
        "a coordinator without one plans for the whole territory.",
    )


class PlanOut(Schema):
    id: int
    status: str = Field(..., description="queued, running, done or failed.")
    stage: str
    fraction: float = Field(..., description="How far the run is, 0 to 1.")
    error: str
    url: str = Field(..., description="This run in the API.")
    plan: dict[str, Any] | None = Field(None, description="Rounds, stops, unserved orders (docs/logistics.md).")
    report: dict[str, Any] | None = Field(
        None, description="Costs per round, producer and customer; status quo; proportional and Shapley sharing."
    )
