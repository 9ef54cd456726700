"""Contributions through the API: a key's owner changes the entries they manage (If-Match against
concurrent edits), anybody suggests a correction (moderated)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from terroir.accounts.models import ApiToken
from terroir.accounts.permissions import can_edit
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Revision
from terroir.directory import presenters
from terroir.directory.models import Actor, Entity, Place

from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, error
from ..schemas import (
    ErrorOut,
    PlaceDetailOut,
    PlacePatch,
    ProducerDetailOut,
    ProducerPatch,
    SuggestionIn,
    SuggestionOut,
)
from ..security import API_THROTTLE, RateThrottle, TokenBearer
from .directory import etag

router = Router(tags=["contributions"])


def _writer(request: HttpRequest, entry: Place | Actor) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer(write=True) found it
    if not can_edit(token.user, entry):
        raise PermissionDenied("This API key may not change this entry.")
    return token


def _if_match(request: HttpRequest) -> str | HttpResponse:
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header:
        return error(428, "precondition_required", "Send If-Match with the ETag of your last GET of this entry.")
    return header.removeprefix("W/").strip('"')


def _patch(request: HttpRequest, response: HttpResponse, entry: Place | Actor, changes: dict[str, Any]) -> Any:
    token = _writer(request, entry)
    version = _if_match(request)
    if isinstance(version, HttpResponse):
        return version
    if "products" in changes and changes["products"] is not None:
        changes["products"] = [dict(item) for item in changes["products"]]
    revisions.entry_edit(entry=entry, changes=changes, by=token.user, version=version, origin=Revision.Origin.API)
    entry.refresh_from_db()
    response["ETag"] = etag(entry)
    return None


@router.patch(
    "/places/{place_id}",
    response={200: PlaceDetailOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Change a place you manage (API key of scope write, If-Match required)",
)
def place_patch(
    request: HttpRequest, response: HttpResponse, body: PlacePatch, place_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = get_object_or_404(Place.objects.select_related("commune", "operator"), pk=place_id)
    refused = _patch(request, response, found, body.model_dump(exclude_unset=True))
    return refused if refused is not None else presenters.place_detail(found)


@router.patch(
    "/producers/{producer_id}",
    response={200: ProducerDetailOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Change a producer you manage, products included (API key of scope write, If-Match required)",
)
def producer_patch(
    request: HttpRequest, response: HttpResponse, body: ProducerPatch, producer_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = get_object_or_404(Actor.objects.select_related("commune"), pk=producer_id, is_producer=True)
    refused = _patch(request, response, found, body.model_dump(exclude_unset=True))
    return refused if refused is not None else presenters.producer_detail(found)


@router.post(
    "/suggestions",
    response={201: SuggestionOut, 413: ErrorOut, **ERRORS},
    summary="Suggest a correction to a place or producer, or report a closed place (moderated)",
    throttle=[API_THROTTLE, RateThrottle("suggestion", what="suggestions")],
)
def suggestion_create(request: HttpRequest, body: SuggestionIn) -> Any:
    entry: Place | Actor = (
        get_object_or_404(Place, pk=body.id) if body.entity == Entity.PLACE else get_object_or_404(Actor, pk=body.id)
    )
    by = request.auth.user if isinstance(request.auth, ApiToken) else None  # type: ignore[attr-defined]
    proposal = suggestions.SuggestionInput(
        changes=body.changes, kind=body.kind, comment=body.comment, email=body.email, against=body.against,
        version=body.version.removeprefix("W/").strip('"'),
    )  # fmt: skip
    suggestion = suggestions.suggestion_submit(entry=entry, proposal=proposal, by=by)
    return Status(201, {"id": suggestion.pk, "status": suggestion.status})
