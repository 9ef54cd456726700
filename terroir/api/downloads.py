"""Files the API answers with instead of JSON: the one way a CSV or a PDF goes out (its media type, its name
when saved, and what the OpenAPI document says of it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

# For a route's `openapi_extra`: its 200 answer is CSV, not the JSON of its `response` type.
CSV_OPENAPI: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}
PDF_OPENAPI: dict[str, Any] = {"responses": {200: {"content": {"application/pdf": {}}}}}


def csv_attachment(body: str, filename: str) -> HttpResponse:
    """`body` (CSV text) as a file the browser saves under `filename`."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_attachment(body: bytes, filename: str) -> HttpResponse:
    """`body` (a PDF document) as a file the browser saves under `filename`."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
