"""/api/dfc/: the directory's producers and their catalogues in DFC JSON-LD (docs/dfc.md).

The resource paths are those of Open Food Network's DFC provider, so that OFN, Cagette or LiteFarm read
them as they read each other: an enterprise (`/enterprises/<id>`, the producer of that id in
/api/v1/producers), its catalog items, supplied products and offers. A producer's offer of a category
is one supplied product, listed by one catalog item and sold through one offer (no price: the directory
has none). Only what /api/v1/producers shows an anonymous reader is published: contact details when the
producer agreed to it, never the address, postcode, volumes or who edits the entry.

A NinjaAPI of its own (its paths are not under /api/v1, and JSON-LD is no OpenAPI schema), with the v1
API's keys, limits, rate headers and error shape. The JSON-LD context is the platform's static file
static/dfc/context.jsonld, served at /api/dfc/context.jsonld: nothing is fetched from the internet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path as PathParam
from ninja import Router

from terroir.directory.models import Actor, Offer
from terroir.lib import dfc
from terroir.lib.dfc_types import exported_type, type_code

from .api import TerroirApi, api
from .errors import MAX_ID
from .security import API_THROTTLE, JsonParser, KeyIfAny, rate_headers

JSON_LD = "application/ld+json"
FRANCE = "http://publications.europa.eu/resource/authority/country/FRA"
CONTEXT_FILE = "dfc/context.jsonld"

router = Router(tags=["dfc"])


@lru_cache(maxsize=1)
def _context_text() -> str:
    found = finders.find(CONTEXT_FILE)
    path = Path(found if isinstance(found, str) else settings.STATIC_ROOT / CONTEXT_FILE)
    return path.read_text(encoding="utf-8")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/api/dfc").rstrip("/")


def _json_ld(body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type=JSON_LD)


def enterprise_of(producer: Actor, offers: list[Offer], *, base: str) -> dfc.Enterprise:
    """A producer as a DFC enterprise: what its public page and /api/v1/producers/<id> show."""
    url = f"{base}/enterprises/{producer.pk}"
    public = producer.contact_public
    return dfc.Enterprise(
        id=url,
        name=producer.name,
        description=producer.description,
        email=producer.email if public else "",
        phone=producer.phone if public else "",
        website=producer.website if public else "",
        order_url=producer.order_url,
        city=producer.commune.name if producer.commune else "",
        country=FRANCE if producer.commune else "",
        lat=producer.lat,
        lon=producer.lon,
        products=[
            dfc.Product(
                id=f"{url}/supplied_products/{offer.pk}",
                name=offer.category.name_fr,
                description=offer.note,
                product_type=type_code(exported_type(offer.category.slug)),
                own_category=offer.category.slug,
            )
            for offer in offers
        ],
    )


def _producer(request: HttpRequest, producer_id: int) -> dfc.Enterprise:
    producer = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    offers = list(Offer.objects.filter(producer=producer).select_related("category").order_by("category__path"))
    return enterprise_of(producer, offers, base=_base(request))


def _product(enterprise: dfc.Enterprise, offer_id: int) -> dfc.Product:
    for product in enterprise.products:
        if product.id.endswith(f"/supplied_products/{offer_id}"):
            return product
    raise Http404("No such product of this enterprise.")


def _context(request: HttpRequest) -> str:
    return request.build_absolute_uri("/api/dfc/context.jsonld")


@router.get("/context.jsonld", summary="The JSON-LD context of the DFC documents")
def context(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_context_text(), content_type=JSON_LD)


@router.get("/enterprises", summary="The directory's producers, as a container of DFC enterprises")
def enterprises(request: HttpRequest) -> HttpResponse:
    base = _base(request)
    ids = Actor.objects.filter(is_producer=True).order_by("pk").values_list("pk", flat=True)
    container = {
        "@id": f"{base}/enterprises",
        "@type": "ldp:Container",
        "ldp:contains": [f"{base}/enterprises/{pk}" for pk in ids.iterator()],
    }
    return _json_ld(dfc.document([container], _context(request)))


@router.get("/enterprises/{producer_id}", summary="One producer with its catalogue")
def enterprise(request: HttpRequest, producer_id: int = PathParam(..., ge=1, le=MAX_ID)) -> HttpResponse:
    found = _producer(request, producer_id)
    return _json_ld(dfc.document(dfc.enterprise_nodes(found), _context(request)))


@router.get("/enterprises/{producer_id}/catalog_items", summary="A producer's catalog items")
def catalog_items(request: HttpRequest, producer_id: int = PathParam(..., ge=1, le=MAX_ID)) -> HttpResponse:
    found = _producer(request, producer_id)
    nodes = [node for product in found.products for node in dfc.product_nodes(product, found)]
    return _json_ld(dfc.document(nodes, _context(request)))


@router.get("/enterprises/{producer_id}/catalog_items/{offer_id}", summary="One catalog item")
def catalog_item(
    request: HttpRequest,
    producer_id: int = PathParam(..., ge=1, le=MAX_ID),
    offer_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> HttpResponse:
    found = _producer(request, producer_id)
    _supplied, item, offer = dfc.product_nodes(_product(found, offer_id), found)
    return _json_ld(dfc.document([item, offer], _context(request)))


@router.get("/enterprises/{producer_id}/supplied_products/{offer_id}", summary="One supplied product")
def supplied_product(
    request: HttpRequest,
    producer_id: int = PathParam(..., ge=1, le=MAX_ID),
    offer_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> HttpResponse:
    found = _producer(request, producer_id)
    supplied = dfc.product_nodes(_product(found, offer_id), found)[0]
    return _json_ld(dfc.document([supplied], _context(request)))


@router.get("/enterprises/{producer_id}/offers/{offer_id}", summary="One offer")
def offer(
    request: HttpRequest,
    producer_id: int = PathParam(..., ge=1, le=MAX_ID),
    offer_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> HttpResponse:
    found = _producer(request, producer_id)
    sold = dfc.product_nodes(_product(found, offer_id), found)[2]
    return _json_ld(dfc.document([sold], _context(request)))


dfc_api = TerroirApi(
    title="Terroir DFC",
    version="1",
    description="The directory's producers and catalogues in DFC JSON-LD.",
    urls_namespace="dfc",
    docs_url=None,
    openapi_url=None,
    auth=KeyIfAny(),
    throttle=API_THROTTLE,
    parser=JsonParser(),
)
dfc_api.add_decorator(rate_headers, mode="view")
dfc_api.add_router("", router)
# The v1 API's error shape for every refusal (unknown producer, bad key, too many requests): its handlers,
# registered on `api` by decorators, are the ones to reuse (django-ninja keeps them in this attribute).
for _exception, _handler in api._exception_handlers.items():
    dfc_api.add_exception_handler(_exception, _handler)
