"""Files the API answers with instead of JSON: the one way a CSV goes out (its media type, its name when
saved, and what the OpenAPI document says of it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

# For a route's `openapi_extra`: its 200 answer is CSV, not the JSON of its `response` type.
CSV_OPENAPI: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}


def csv_attachment(body: str, filename: str) -> HttpResponse:
    """`body` (CSV text) as a file the browser saves under `filename`."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
