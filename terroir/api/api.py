"""/api/v1: one NinjaAPI mounting one router per app (terroir.api.routers), one error shape.

Every error is `{"error": {"code": ..., "parameter": ..., "message": ...}}` with a 4xx status
(terroir.api.errors); the handlers below turn each refusal into it, whichever router raised it.
The routers live in the api package, the top layer: the directory's router may then use accounts'
permissions without the directory importing accounts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.urls import path as django_path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError, ValidationErrorContext
from ninja.operation import Operation, PathView
from ninja.utils import normalize_path, replace_path_param_notation

from terroir.contributions import revisions
from terroir.directory.search import InvalidParameter
from terroir.lib.jsonscan import JsonTooDeep

from .errors import Refused, error, given_kept, rate_limited, unauthorized, validation_said
from .routers import (
    carpool,
    contributions,
    directory,
    logistics,
    logistics_preferences,
    logistics_relays,
    observatory,
    observatory_activity,
    observatory_canteens,
    observatory_geo,
    observatory_indicators,
    shops,
)
from .security import API_THROTTLE, InvalidKey, JsonParser, KeyIfAny, docs_guard, rate_headers


class TerroirApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Operation ids are published (clients generated from the document name their methods after
        them): they keep the names they had when the API was one module, terroir/api/api.py."""
        return f"terroir_api_api_{operation.view_func.__name__}"

    def validation_error_from_error_contexts(self, error_contexts: list[ValidationErrorContext]) -> ValidationError:
        """django-ninja's errors, with the value each one refused kept as `given` (django-ninja drops
        pydantic's `input`) for the message to say it (`errors.validation_said`); a refusal of a whole body
        (missing, or not an object) keeps the fields its schema requires, for the message to name them."""
        refused = super().validation_error_from_error_contexts(error_contexts)
        raw = [(c.model, e) for c in error_contexts for e in c.pydantic_validation_error.errors(include_url=False)]
        for found, (model, said) in zip(refused.errors, raw, strict=False):
            found["given"] = given_kept(said.get("input"))
            if len(said.get("loc", ())) == 1:
                found["required"] = _required_of(model, said["loc"][0])
        return refused

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """One Django view per path, holding the operations of every router on it.

        django-ninja 1.7 gives each router its own view of a path, and Django sends every method to the
        first one (vitalik/django-ninja#1546): PATCH /places/{id} (contributions) would get the 405 of
        GET /places/{id} (directory). The routes of two routers or more get one view for all."""
        found: dict[str, list[PathView]] = defaultdict(list)
        for bound in self._get_bound_routers():
            for path, view in bound.path_operations.items():
                route = normalize_path("/".join(part for part in (bound.prefix, path) if part)).lstrip("/")
                found[replace_path_param_notation(route)].append(view)
        shared = {route: _merged(views).get_view() for route, views in found.items() if len(views) > 1}
        return [
            django_path(str(url.pattern), shared[str(url.pattern)], name=url.name or "")
            if isinstance(url, URLPattern) and str(url.pattern) in shared
            else url
            for url in super()._get_urls()
        ]


def _required_of(model: Any, name: Any) -> list[str]:
    """The fields that `model`'s parameter `name` (an operation's body schema) requires, in its order."""
    parameter = getattr(model, "model_fields", {}).get(name)
    fields = getattr(getattr(parameter, "annotation", None), "model_fields", None)
    if not isinstance(fields, dict):
        return []
    return [field.alias or field_name for field_name, field in fields.items() if field.is_required()]


def _merged(views: list[PathView]) -> PathView:
    merged = PathView()
    for view in views:
        merged.operations.extend(view.operations)
        merged.is_async = merged.is_async or view.is_async
    return merged


api = TerroirApi(
    title="Terroir API",
    version="1",
    description="The directory of local producers and of the places where their food is sold.",
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_guard,
    auth=KeyIfAny(),
    throttle=API_THROTTLE,
    parser=JsonParser(),
)
api.add_decorator(rate_headers, mode="view")
api.add_router("", directory.router)
api.add_router("", contributions.router)
api.add_router("", logistics.router)
api.add_router("", logistics_relays.router)
api.add_router("", logistics_preferences.router)
api.add_router("", observatory.router)
api.add_router("", observatory_geo.router)
api.add_router("", observatory_activity.router)
api.add_router("", observatory_canteens.router)
api.add_router("", observatory_indicators.router)
api.add_router("", shops.router)
api.add_router("", carpool.router)


@api.exception_handler(InvalidParameter)
def on_invalid_parameter(request: HttpRequest, exc: InvalidParameter) -> HttpResponse:
    return error(400, "invalid_parameter", exc.message, exc.parameter)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """The first refusal of a schema (every bound and type of every endpoint), in the caller's language."""
    message, parameter = validation_said(exc.errors[0] if exc.errors else {})
    return error(400, "invalid_parameter", message, parameter)


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return error(413, "body_too_large", f"The request body is larger than the {limit} KiB accepted.")


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return rate_limited(getattr(request, "rate_refused", "requests"), math.ceil(exc.wait or 1))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, RequestDataTooBig):
        return on_body_too_large(request, exc.__cause__)
    if isinstance(exc.__cause__, JsonTooDeep):
        too_deep = exc.__cause__
        return error(
            400, "body_too_deep",
            f"The JSON body is nested deeper than {too_deep.depth} levels (at byte {too_deep.offset}; "
            "TERROIR_JSON_MAX_DEPTH).",
        )  # fmt: skip
    if exc.status_code == 400 and "parse" in str(exc):
        return error(400, "invalid_body", "The request body is not valid JSON.")
    return error(exc.status_code, "error", str(exc))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if isinstance(exc, InvalidKey):
        return unauthorized("The API key is unknown, revoked or malformed.")
    return unauthorized("This operation needs an API key: Authorization: Bearer <key>.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(403, "forbidden", str(exc) or "not allowed")


@api.exception_handler(DjangoValidationError)
def on_invalid_value(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return error(400, "invalid_value", " ".join(messages), None if name == "__all__" else name)
    return error(400, "invalid_value", " ".join(exc.messages))


@api.exception_handler(revisions.EditConflict)
def on_conflict(request: HttpRequest, exc: revisions.EditConflict) -> HttpResponse:
    changed = ", ".join(exc.changed) or "the entry"
    return error(412, "precondition_failed", f"The entry changed since your version ({changed}): GET it again.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(404, "not_found", str(exc) or "not found")


@api.exception_handler(Refused)
def on_refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return exc.response
