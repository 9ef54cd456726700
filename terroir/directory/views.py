"""Public pages: search with map and list, place and producer pages, embeddable widget, photos."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from terroir.lib import hours
from terroir.lib.messages import quoted

from . import editing, extensions, local, presenters
from .communes import CommuneChoice
from .filters import QUERY_PARAMETERS, CommuneInvalid, filters_read
from .models import Actor, Category, Entity, Label, Photo, Place, PlaceKind
from .search import (
    InvalidParameter,
    PlaceQuery,
    PlaceResults,
    ProducerResults,
    places_bounds,
    places_search,
    producers_search,
)

WEEKDAY_CHOICES = (
    ("mo", gettext_lazy("Monday")), ("tu", gettext_lazy("Tuesday")), ("we", gettext_lazy("Wednesday")),
    ("th", gettext_lazy("Thursday")), ("fr", gettext_lazy("Friday")), ("sa", gettext_lazy("Saturday")),
    ("su", gettext_lazy("Sunday")),
)  # fmt: skip


def script_json(data: Any) -> str:
    """JSON safe to put inside a <script> element (no "</script>" breaking out)."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# What the search page lists (its `what` parameter, the pages' own: the API has /places and /producers).
LISTS = (("places", gettext_lazy("Places of sale")), ("producers", gettext_lazy("Producers")))


def search_params(request: HttpRequest) -> dict[str, str]:
    """The search's parameters from the query string; the kinds ticked in the form come as several
    `kind` values, the API's as one comma-separated: both are read as the latter."""
    return {k: ",".join(request.GET.getlist(k)) if k == "kind" else str(request.GET[k])
            for k in QUERY_PARAMETERS if k in request.GET}  # fmt: skip


def _map_config(query: PlaceQuery, api_params: dict[str, str], commune: CommuneChoice | None) -> dict[str, Any]:
    """What map.js draws: the circle of the search and its centre, or the box of its results to fit,
    the markers' legend and texts (the map asks the same search, so that its count is the list's)."""
    radius = query.effective_radius_km
    circle = None
    if query.near is not None and radius is not None:
        circle = {"lat": query.near.lat, "lon": query.near.lon, "radiusKm": radius,
                  "label": commune.label if commune else _("Your position")}  # fmt: skip
    searched = query != PlaceQuery()
    bounds = places_bounds(query) if circle is None and searched else None
    return {
        "tileUrl": settings.TERROIR_TILE_URL,
        "attribution": settings.TERROIR_TILE_ATTRIBUTION,
        "center": [query.near.lat, query.near.lon] if query.near else list(settings.TERROIR_CENTER),
        "zoom": settings.TERROIR_MAP_ZOOM,
        "circle": circle,
        "bounds": [[bounds.south, bounds.west], [bounds.north, bounds.east]] if bounds else None,
        "kinds": {kind.value: str(kind.label) for kind in PlaceKind},
        "mapUrl": reverse("api:map_features"),
        # The map always asks for the producers without a place of sale: the search finds the
        # others at their places.
        "filters": {**{k: v for k, v in api_params.items() if k != "bbox"}, "producers": "1"},
        # Layers of upper apps (the coming events), each switched on or off in the legend.
        "layers": extensions.map_layers(),
        "text": {
            "cluster": _("%(n)s places"),
            "clustered": _("%(n)s places in this area (grouped)"),
            "places": _("%(n)s places on the map"),
            "placesOne": ngettext("%(n)s place on the map", "%(n)s places on the map", 1),
            "clusteredOne": ngettext("%(n)s place in this area (grouped)", "%(n)s places in this area (grouped)", 1),
            "producersOne": ngettext(
                "%(n)s producer without a place of sale", "%(n)s producers without a place of sale", 1
            ),
            "producers": _("%(n)s producers without a place of sale"),
            "producersZoom": _("Zoom in to see the producers without a place of sale."),
            "producer": _("Producer — no place of sale listed, see how to buy"),
            "approximate": _("Position: centre of the commune"),
            "error": _("The map could not be loaded."),
            "details": _("See the place"),
            "centre": _("Centre of the search"),
            "radius": _("%(n)s km around"),
        },
    }


# Each parameter of a search as the search form labels its field: a refusal on the page names the field the
# reader filled in, not the address's parameter ("radius_km", a word of neither language), which the API names.
# Those the form has no field for (the results' page, the map's box) by what they are to the reader.
SEARCH_FIELDS = {
    "q": gettext_lazy("What?"), "commune": gettext_lazy("Near (commune or postcode)"),
    "near": gettext_lazy("Around me"), "radius_km": gettext_lazy("Within (km)"), "kind": gettext_lazy("Kind of place"),
    "category": gettext_lazy("Products"), "label": gettext_lazy("Label"), "open_on": gettext_lazy("Open on"),
    "open_now": gettext_lazy("Open now"),
    "professional": gettext_lazy("Include places for professionals (canteens, relay platforms)"),
    "page": gettext_lazy("Page"), "page_size": gettext_lazy("Results per page"), "bbox": gettext_lazy("Map area"),
}  # fmt: skip


# The parameters whose fields fold under the "Filters" button on a phone (templates/directory/_search_form.html).
FILTERS = frozenset({"radius_km", "kind", "category", "label", "open_on", "open_now", "local", "professional"})


def search_field(parameter: str) -> str:
    """The field of the search form that `parameter` fills, as the form labels it, quoted the reader's way
    (« Dans un rayon de (km) »); a parameter the page does not know, as the address names it."""
    if parameter == "local":
        label: Any = _("Local only (%(local_radius_km)s km)") % {
            "local_radius_km": floatformat(settings.TERROIR_LOCAL_RADIUS_KM)
        }
    else:
        label = SEARCH_FIELDS.get(parameter, parameter)
    return quoted(label, _)


def _search_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    error: InvalidParameter | None = None
    results: PlaceResults | ProducerResults | None = None
    params = search_params(request)
    what = "producers" if request.GET.get("what") == "producers" else "places"
    commune: CommuneChoice | None = None
    try:
        filters = filters_read(params)
        commune = filters.commune_chosen()
        query = filters.to_query()
        results = producers_search(query) if what == "producers" else places_search(query)
    except InvalidParameter as exc:
        error = exc
        query = PlaceQuery()
    api_params = {k: v for k, v in params.items() if v and k != "page"}
    producer_offers = (
        presenters.offers_by_producer([h.producer.pk for h in results.hits])
        if isinstance(results, ProducerResults)
        else {}
    )
    context = {
        "what": what,
        "lists": LISTS,
        "results": results,
        "producer_hits": (
            [(h, producer_offers.get(h.producer.pk, [])) for h in results.hits]
            if isinstance(results, ProducerResults)
            else []
        ),
        "query": query,
        "error": error,
        # The field at fault as the form labels it, quoted the reader's way (the address's name without one).
        "error_field": search_field(error.parameter) if error else "",
        # The filters stay unfolded on a phone when the refusal names one of them: the reader sees the field.
        "error_in_filters": error is not None and error.parameter in FILTERS,
        "params": params,
        "kinds": PlaceKind.choices,
        "categories": Category.objects.order_by("path"),
        "labels": Label.objects.order_by("name_fr"),
        "api_query": urlencode(api_params),
        "list_links": [
            (value, label, "?" + urlencode({**api_params, "what": value}), value == what) for value, label in LISTS
        ],
        "weekday_choices": WEEKDAY_CHOICES,
        "map_config": json.dumps({**_map_config(query, api_params, commune), "asks": error is None}),
        "commune_choice": commune,
        "commune_options": (
            [(c, "?" + urlencode({**api_params, "commune": c.label})) for c in error.candidates or error.suggestions]
            if isinstance(error, CommuneInvalid)
            else []
        ),
        "kinds_asked": set(query.kinds) if error is None else set(filter(None, params.get("kind", "").split(","))),
        "public_kinds": [(kind.value, kind.label) for kind in PlaceKind if kind.public],
        "professional_kinds": [(kind.value, kind.label) for kind in PlaceKind if not kind.public],
    }
    return context, 400 if error else 200


def _page_links(request: HttpRequest, results: PlaceResults | ProducerResults | None) -> dict[str, str | None]:
    if results is None:
        return {"previous": None, "next": None}
    base: dict[str, str | int] = {k: v for k, v in search_params(request).items() if k != "page"}
    if "what" in request.GET:
        base["what"] = str(request.GET["what"])
    page = results.query.page
    return {
        "previous": "?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
        "next": "?" + urlencode({**base, "page": page + 1}) if page < results.pages else None,
    }


def home(request: HttpRequest) -> HttpResponse:
    context, status = _search_context(request)
    context["page_links"] = _page_links(request, context["results"])
    return render(request, "directory/home.html", context, status=status)


def widget(request: HttpRequest) -> HttpResponse:
    """A compact map and list with preset filters, for a collectivity's website (in an iframe)."""
    context, status = _search_context(request)
    context["page_links"] = _page_links(request, context["results"])
    response = render(request, "directory/widget.html", context, status=status)
    response.embeddable = True  # type: ignore[attr-defined]
    return response


def _week(expression: str) -> list[tuple[Any, list[Any]]] | None:
    if not expression:
        return None
    try:
        return hours.week_schedule(expression, timezone.localdate(), presenters.tz())
    except hours.InvalidOpeningHours:
        return None


def place(request: HttpRequest, place_id: int) -> HttpResponse:
    found = get_object_or_404(Place.objects.select_related("commune", "operator__commune"), pk=place_id)
    supply = presenters.place_supply(found)
    detail = presenters.place_detail(found, supply=supply)
    return render(
        request,
        "directory/place.html",
        {
            "place": found,
            "detail": detail,
            "products": supply.products,
            "producers": supply.suppliers,
            "week": _week(found.opening_hours),
            "local": local.place_local(found, [producer for producer, _offers in supply.suppliers]),
            "json_ld": script_json(place_json_ld(found, request)),
            **_entry_context(request, found),
        },
    )


def producer(request: HttpRequest, producer_id: int) -> HttpResponse:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    offers = presenters.offers_by_producer([found.pk]).get(found.pk, [])
    supplied = presenters.producer_places(found)
    # "Where to buy" lists where the public can buy; the canteens and platforms it supplies are for
    # professionals (the page shows them to those signed in as one).
    places = [p for p in supplied if PlaceKind(p.kind).public]
    return render(
        request,
        "directory/producer.html",
        {
            "producer": found,
            "order_host": urlsplit(found.order_url).hostname or "",
            "offers": [(o, presenters.months_text(o.months)) for o in offers],
            "labels": presenters.labels_of(offers),
            "places": [(p, _week(p.opening_hours)) for p in places],
            "professional_places": [p for p in supplied if not PlaceKind(p.kind).public],
            "json_ld": script_json(producer_json_ld(found, offers, places, request)),
            **_entry_context(request, found),
        },
    )


def _entry_context(request: HttpRequest, entry: Place | Actor) -> dict[str, Any]:
    """What the public page of an entry says about keeping it true: its photos and whether it is overdue
    for a check (the footer asks terroir.accounts' template tag whether the visitor may edit it)."""
    owner = {"place": entry} if isinstance(entry, Place) else {"actor": entry}
    return {
        "entity": Entity.PLACE if isinstance(entry, Place) else Entity.ACTOR,
        "photos": list(Photo.objects.filter(removed_at=None, **owner)),
        "verification_due": editing.verification_due(entry),
    }


def _postal_address(record: Place | Actor) -> dict[str, str]:
    return {
        "@type": "PostalAddress",
        "streetAddress": record.address,
        "postalCode": record.postcode,
        "addressLocality": record.commune.name if record.commune else "",
        "addressCountry": "FR",
    }


def place_json_ld(found: Place, request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Store" if found.kind not in {"market", "amap"} else "Place",
        "name": found.name,
        "url": request.build_absolute_uri(found.get_absolute_url()),
        "address": _postal_address(found),
    }
    if found.lat is not None and found.lon is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": found.lat, "longitude": found.lon}
    if found.opening_hours:
        data["openingHours"] = found.opening_hours
    if found.contact_public and found.phone:
        data["telephone"] = found.phone
    return data


def producer_json_ld(found: Actor, offers: list[Any], places: list[Place], request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "additionalType": "https://schema.org/Farm",
        "name": found.name,
        "url": request.build_absolute_uri(found.get_absolute_url()),
        "address": _postal_address(found),
        "makesOffer": [
            {
                "@type": "Offer",
                "itemOffered": {"@type": "Product", "name": o.category.name_fr, "category": o.category.slug},
            }
            for o in offers
        ],
    }
    if found.description:
        data["description"] = found.description
    if found.lat is not None and found.lon is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": found.lat, "longitude": found.lon}
    if found.contact_public:
        data.update(
            {k: v for k, v in {"telephone": found.phone, "email": found.email, "sameAs": found.website}.items() if v}
        )
    if places:
        data["location"] = [
            {"@type": "Place", "name": p.name, "url": request.build_absolute_uri(p.get_absolute_url())} for p in places
        ]
    return data


def media(request: HttpRequest, path: str) -> FileResponse:
    """Uploaded photos (only those still shown). A reverse proxy may serve MEDIA_ROOT itself instead."""
    photo = Photo.objects.filter(Q(image=path), removed_at=None).first()
    if photo is None:
        raise Http404("no such photo")
    root = Path(settings.MEDIA_ROOT).resolve()
    file = (root / photo.image.name).resolve()
    if root not in file.parents or not file.is_file():
        raise Http404("no such photo")
    response = FileResponse(file.open("rb"), content_type=mimetypes.guess_type(file.name)[0] or "image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
