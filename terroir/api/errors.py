"""The API's one error shape: `{"error": {"code": ..., "parameter": ..., "message": ...}}` with a 4xx status.

Shared by the routers (the statuses they document) and by the exception handlers of the NinjaAPI.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

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
