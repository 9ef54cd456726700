"""The API's one error shape: `{"error": {"code": ..., "parameter": ..., "message": ...}}` with a 4xx status.

Shared by the routers (the statuses they document) and by the exception handlers of the NinjaAPI;
`validation_said` says a schema's refusal (pydantic's error) in the caller's language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import JsonResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from terroir.lib.messages import quoted

from .schemas import ErrorOut

MAX_ID = 2**63 - 1
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut, 403: ErrorOut, 412: ErrorOut, 413: ErrorOut, 428: ErrorOut}


def error(status: int, code: str, message: str, parameter: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse({"error": body}, status=status)


class Refused(Exception):
    """A refusal raised from inside an operation (a helper several operations call), answered with its
    response by the NinjaAPI's handler: the operations need no try/except of their own."""

    def __init__(self, response: JsonResponse) -> None:
        super().__init__(response.content.decode())
        self.response = response


def unauthorized(message: str) -> JsonResponse:
    response = error(401, "unauthorized", message)
    response["WWW-Authenticate"] = 'Bearer realm="terroir"'
    return response


def rate_limited(what: str, retry_after: int) -> JsonResponse:
    response = error(429, "rate_limited", f"Too many {what}: retry in {retry_after} s.")
    response["Retry-After"] = str(retry_after)
    return response


# --- A schema's refusal in the caller's language -------------------------------------------------------
# pydantic writes its errors in English ("Input should be less than or equal to 50000"); every bound and
# type of every endpoint's schema is said here instead, in the language of the request (Accept-Language,
# French by default), with the value given and the limit written as that language writes numbers. The
# messages of the search's own parsing (terroir.directory.filters) are reused where they say the same.
GIVEN_MAX = 100  # a value given longer than this (as text) is not repeated in the message
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes it
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a bound of a float field (le=90) is 90, not 90,0
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            return str(number_format(value, force_grouping=True))
        except (ArithmeticError, TypeError, ValueError):
            pass  # NaN, or a figure no format writes: as it came
    return str(value)


def _given(error: dict[str, Any]) -> str:
    given = error.get("given")
    if isinstance(given, str) and _PLAIN_NUMBER.fullmatch(given):
        given = Decimal(given)  # a query's "9000" written as the JSON body's 9000 is
    return _number(given) if given is not None else _("the value")


def _raw(error: dict[str, Any]) -> str:
    """The value given as the search's own messages quote it: a text in the reader's quotes (« abc »,
    “abc”), a number as is."""
    given = error.get("given")
    return quoted(given, _) if isinstance(given, str) else _given(error)


def _limit(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda error: _number(error.get("ctx", {}).get(key, ""))


def _bound(text: Callable[[], str], key: str) -> Callable[[dict[str, Any]], str]:
    return lambda error: text() % {"value": _given(error), "limit": _limit(key)(error)}


def _count(text: Callable[[], str], key: str) -> Callable[[dict[str, Any]], str]:
    return lambda error: text() % {"limit": _limit(key)(error)}


def _typed(text: Callable[[], str], name: str = "raw") -> Callable[[dict[str, Any]], str]:
    return lambda error: text() % {name: _raw(error)}


def _expected(error: dict[str, Any]) -> str:
    expected = str(error.get("ctx", {}).get("expected", "")).replace("' or '", "', '")
    return _("%(value)s is not one of %(expected)s") % {"value": _raw(error), "expected": expected}


_NOT_WHOLE = _typed(lambda: _("%(raw)s is not a whole number"))
_NOT_NUMBER = _typed(lambda: _("%(raw)s is not a number"))
_NOT_BOOL = _typed(lambda: _("%(raw)s is not true or false"))
_NOT_DATE = _typed(lambda: _("%(value)s is not a date (YYYY-MM-DD)"), "value")
_NOT_TIME = _typed(lambda: _("%(value)s is not a time (HH:MM)"), "value")
_NOT_DATETIME = _typed(lambda: _("%(value)s is not a date and time (YYYY-MM-DDTHH:MM)"), "value")


def _object(error: dict[str, Any]) -> str:
    return _("expected an object")


SAID: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda error: _("this parameter is required"),
    "extra_forbidden": lambda error: _("unknown parameter: remove it"),
    "less_than_equal": _bound(lambda: _("%(value)s is above the maximum, %(limit)s"), "le"),
    "less_than": _bound(lambda: _("%(value)s is not below %(limit)s"), "lt"),
    "greater_than_equal": _bound(lambda: _("%(value)s is below the minimum, %(limit)s"), "ge"),
    "greater_than": _bound(lambda: _("%(value)s is not above %(limit)s"), "gt"),
    "multiple_of": _bound(lambda: _("%(value)s is not a multiple of %(limit)s"), "multiple_of"),
    "string_too_long": _count(lambda: _("at most %(limit)s characters"), "max_length"),
    "string_too_short": _count(lambda: _("at least %(limit)s characters"), "min_length"),
    "too_long": _count(lambda: _("at most %(limit)s items"), "max_length"),
    "too_short": _count(lambda: _("at least %(limit)s items"), "min_length"),
    "decimal_max_digits": _bound(lambda: _("%(value)s has more than %(limit)s digits"), "max_digits"),
    "decimal_max_places": _bound(lambda: _("%(value)s has more than %(limit)s decimals"), "decimal_places"),
    "decimal_whole_digits": _bound(
        lambda: _("%(value)s has more than %(limit)s digits before the decimal point"), "whole_digits"
    ),
    "int_parsing": _NOT_WHOLE,
    "int_type": _NOT_WHOLE,
    "int_from_float": _NOT_WHOLE,
    "float_parsing": _NOT_NUMBER,
    "float_type": _NOT_NUMBER,
    "decimal_parsing": _NOT_NUMBER,
    "decimal_type": _NOT_NUMBER,
    "finite_number": _typed(lambda: _("%(raw)s is not a finite number")),
    "bool_parsing": _NOT_BOOL,
    "bool_type": _NOT_BOOL,
    "date_parsing": _NOT_DATE,
    "date_type": _NOT_DATE,
    "date_from_datetime_parsing": _NOT_DATE,
    "date_from_datetime_inexact": _NOT_DATE,
    "time_parsing": _NOT_TIME,
    "time_type": _NOT_TIME,
    "datetime_parsing": _NOT_DATETIME,
    "datetime_type": _NOT_DATETIME,
    "datetime_from_date_parsing": _NOT_DATETIME,
    "literal_error": _expected,
    "enum": _expected,
    "string_pattern_mismatch": lambda error: (
        _("%(value)s is not in the expected form (%(pattern)s)")
        % {"value": _raw(error), "pattern": error.get("ctx", {}).get("pattern", "")}
    ),
    "string_type": lambda error: _("expected text"),
    "list_type": lambda error: _("expected a list"),
    "dict_type": _object,
    "model_type": _object,
    "model_attributes_type": _object,
    "json_invalid": lambda error: _("the request body is not valid JSON"),
    # A validator of ours raised ValueError(its message, already in the request's language).
    "value_error": lambda error: str(error.get("ctx", {}).get("error", "")) or str(error.get("msg", "")),
}


def given_kept(value: Any) -> Any:
    """The value a caller gave, kept for the message when short and plain: a finite number of at most 18
    digits as a number, another number or a text of at most GIVEN_MAX characters as text (never a list, an
    object or a long text: the message says where, not everything that was sent)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if finite and -(10**18) < value < 10**18:
            return value
        value = str(value)
    if isinstance(value, str) and len(value) <= GIVEN_MAX:
        return value
    return None


def validation_said(error: dict[str, Any]) -> tuple[str, str | None]:
    """pydantic's error (as django-ninja hands it, with the value given kept as `given`) as the API's
    message and parameter: where (the field, with its place in a list: `stops[1].lat`) and what. A refusal
    of the body as a whole (a POST without one, or with JSON that is no object) is said of `body`, a missing
    one naming the fields its schema requires (`required`, kept by the API's error contexts)."""
    where = ""
    loc = tuple(error.get("loc", ()))
    for part in loc:
        if part in ("query", "path", "body") and not where:
            continue  # django-ninja's sources ("body", "body", "free_kg")
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    kind = str(error.get("type", ""))
    if not where and loc[:1] == ("body",):
        return _body_said(kind, error), "body"
    said = SAID.get(kind)
    return (said(error) if said else str(error.get("msg", "")) or _("invalid value")), where or None


def _body_said(kind: str, error: dict[str, Any]) -> str:
    if kind != "missing":
        said = SAID.get(kind)
        return said(error) if said else str(error.get("msg", "")) or _("invalid value")
    required = [str(name) for name in error.get("required") or ()]
    if not required:
        return _("the request body is missing: send a JSON object")
    return _("the request body is missing: send a JSON object with %(fields)s") % {"fields": ", ".join(required)}
