"""Exports of a search: GeoJSON (RFC 7946), CSV for French spreadsheets, iCalendar feed of markets."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import icalendar

from terroir.lib import hours, spreadsheet

from .presenters import place_summary, tz
from .search import PlaceHit

CSV_COLUMNS = (
    "id", "name", "kind", "kind_label", "address", "postcode", "commune", "commune_code", "lat", "lon",
    "distance_km", "opening_hours", "hours", "url",
)  # fmt: skip


def geojson(hits: list[PlaceHit], *, base_url: str) -> dict[str, Any]:
    features = []
    for hit in hits:
        props = place_summary(hit.place, hit.distance_km)
        props["url"] = base_url + props["url"]
        lat, lon = props.pop("lat"), props.pop("lon")
        geometry = (
            {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
            if lat is not None and lon is not None
            else None
        )
        features.append({"type": "Feature", "id": hit.place.pk, "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _number_cell(value: float | None, digits: int) -> str:
    # French spreadsheets read "45,55" as a number and "45.55" as text or a date.
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def csv_text(hits: list[PlaceHit], *, base_url: str) -> str:
    """Semicolon-separated, decimal commas, CRLF, UTF-8 with BOM: what Excel and LibreOffice in French expect."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        row = place_summary(hit.place, hit.distance_km)
        row["url"] = base_url + row["url"]
        writer.writerow(
            [
                row["id"],
                *(row[c] for c in ("name", "kind", "kind_label", "address", "postcode", "commune", "commune_code")),
                _number_cell(row["lat"], 6),
                _number_cell(row["lon"], 6),
                _number_cell(row["distance_km"], 2),
                row["opening_hours"],
                row["hours_text"],
                row["url"],
            ]
        )
    return out.getvalue()


def markets_ical(hits: list[PlaceHit], *, base_url: str, start: dt.datetime, days: int = 56) -> bytes:
    """One event per market day in the next `days` days, from each market's opening hours."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Terroir//Markets//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Marchés")
    calendar.add("x-wr-timezone", str(tz()))
    stamp = start.astimezone(dt.UTC).replace(microsecond=0)
    for hit in hits:
        place = hit.place
        try:
            intervals = hours.occurrences(place.opening_hours, start, days, tz())
        except hours.InvalidOpeningHours:
            continue
        for interval in intervals:
            event = icalendar.Event()
            event.add("uid", f"place-{place.pk}-{interval.start:%Y%m%dT%H%M}@terroir")
            event.add("dtstamp", stamp)
            event.add("dtstart", interval.start)
            event.add("dtend", interval.end)
            event.add("summary", place.name)
            where = ", ".join(filter(None, [place.address, place.commune.name if place.commune else ""]))
            if where:
                event.add("location", where)
            if place.lat is not None and place.lon is not None:
                event.add("geo", (place.lat, place.lon))
            event.add("url", base_url + place.get_absolute_url())
            calendar.add_component(event)
    return calendar.to_ical()
