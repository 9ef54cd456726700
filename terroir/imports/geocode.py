"""Addresses to positions: the one module that talks to the geocoding service.

An addok-compatible service (the national address base's API, https://api-adresse.data.gouv.fr, or a
territory's own addok) answers single searches and CSV batches; answers are cached in the database.
Offline, or when the service fails or is unsure, a record is placed at its commune's centre from the
communes table. Every position says how precise it is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_noop

from terroir.directory.communes import (
    commune_locate,
    commune_resolve,
    commune_size_km,
    department_of,
    without_cedex,
)
from terroir.lib.geo import Precision, haversine_km
from terroir.lib.messages import Message

from .mapping import Record, in_france

BATCH_ROWS = 2000
# addok's result types, from the most precise.
PRECISION_OF_TYPE = {"housenumber": "address", "street": "street", "locality": "street", "municipality": "commune"}


class GeocoderError(RuntimeError):
    """The service could not answer (after the retries): the caller falls back to communes."""


@dataclass(frozen=True)
class Geocode:
    lat: float
    lon: float
    precision: str
    score: float = 1.0
    citycode: str = ""


def address_query(record: Record) -> str:
    """What is asked of the geocoder: the street address and the commune."""
    commune = without_cedex(record.commune)
    return " ".join(part for part in (record.address, record.postcode, commune) if part).strip()


class AddokClient:
    """An addok-compatible HTTP API, with timeouts and retries (backing off on errors and 429/5xx)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.sleep = sleep

    def _request(self, request: urllib.request.Request) -> bytes:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    data: bytes = response.read()
                    return data
            except urllib.error.HTTPError as error:
                last = error
                if error.code != 429 and error.code < 500:
                    break  # a request the service will never accept
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                last = error
        raise GeocoderError(f"{self.base_url}: {last}")

    def search(self, query: str, *, postcode: str = "") -> Geocode | None:
        params = {"q": query[:200], "limit": "1"}
        if postcode:
            params["postcode"] = postcode
        url = f"{self.base_url}/search/?{urllib.parse.urlencode(params)}"
        try:
            answer = json.loads(self._request(urllib.request.Request(url)))
            feature = answer["features"][0] if answer.get("features") else None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise GeocoderError(f"{self.base_url}: unreadable answer ({error})") from None
        if feature is None:
            return None
        props = feature.get("properties", {})
        lon, lat = feature["geometry"]["coordinates"]
        return Geocode(
            lat=float(lat),
            lon=float(lon),
            precision=PRECISION_OF_TYPE.get(props.get("type", ""), Precision.COMMUNE),
            score=float(props.get("score", 0)),
            citycode=str(props.get("citycode", "")),
        )

    def search_batch(self, rows: Sequence[tuple[str, str, str]]) -> dict[str, Geocode | None]:
        """Rows of (key, query, postcode) through the CSV endpoint, in one request."""
        body = io.StringIO()
        # Not spreadsheet.writer: the service reads the cells as data, and a leading apostrophe would change
        # the address it looks for; nobody opens this CSV in a spreadsheet.
        writer = csv.writer(body)
        writer.writerow(("key", "q", "postcode"))
        writer.writerows(rows)
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="columns"\r\n\r\nq\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="postcode"\r\n\r\npostcode\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="rows.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{body.getvalue()}\r\n",
            f"--{boundary}--\r\n",
        ]
        request = urllib.request.Request(
            f"{self.base_url}/search/csv/",
            data="".join(parts).encode("utf-8"),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        text = self._request(request).decode("utf-8-sig")
        found: dict[str, Geocode | None] = {}
        try:
            for row in csv.DictReader(io.StringIO(text)):
                if not row.get("latitude") or not row.get("longitude"):
                    found[row["key"]] = None
                    continue
                found[row["key"]] = Geocode(
                    lat=float(row["latitude"]),
                    lon=float(row["longitude"]),
                    precision=PRECISION_OF_TYPE.get(row.get("result_type") or "", Precision.COMMUNE),
                    score=float(row.get("result_score") or 0),
                    citycode=row.get("result_citycode") or "",
                )
        except (KeyError, ValueError) as error:
            raise GeocoderError(f"{self.base_url}: unreadable CSV answer ({error})") from None
        return found


def geocoder() -> AddokClient | None:
    """The configured service, or None when the platform works offline."""
    if not settings.TERROIR_GEOCODER_URL:
        return None
    return AddokClient(
        settings.TERROIR_GEOCODER_URL,
        timeout_s=settings.TERROIR_GEOCODER_TIMEOUT_S,
        retries=settings.TERROIR_GEOCODER_RETRIES,
    )


# --- Offline: the commune's centre ----------------------------------------------------------------


# --- Cache ----------------------------------------------------------------------------------------


def _key(query: str) -> str:
    return hashlib.sha1(query.encode("utf-8")).hexdigest()


def cache_get(queries: Collection[str]) -> dict[str, Geocode | None]:
    """The remembered answers to these queries (None: remembered as not found)."""
    from .models import GeocodeAnswer

    by_key = {_key(q): q for q in queries}
    found: dict[str, Geocode | None] = {}
    keys = list(by_key)
    for start in range(0, len(keys), 500):
        for answer in GeocodeAnswer.objects.filter(key__in=keys[start : start + 500]):
            query = by_key[answer.key]
            if answer.lat is None or answer.lon is None:
                found[query] = None
            else:
                found[query] = Geocode(answer.lat, answer.lon, answer.precision, answer.score, answer.citycode)
    return found


def cache_put(answers: dict[str, Geocode | None]) -> None:
    from .models import GeocodeAnswer

    GeocodeAnswer.objects.bulk_create(
        [
            GeocodeAnswer(
                key=_key(query),
                query=query,
                lat=answer.lat if answer else None,
                lon=answer.lon if answer else None,
                precision=answer.precision if answer else "",
                score=answer.score if answer else 0.0,
                citycode=answer.citycode if answer else "",
            )
            for query, answer in answers.items()
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


# --- Records --------------------------------------------------------------------------------------


def records_geocode(
    records: Iterable[Record],
    *,
    client: AddokClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Record]:
    """Give a position to the records that lack one. Records placed only at their commune's centre, or
    not placed at all, say so in their problems."""
    records = list(records)
    for record in records:
        if record.lat is not None and not record.precision:
            record.precision = Precision.GIVEN
    todo = [r for r in records if r.lat is None and not r.rejected and (r.address or r.commune or r.postcode)]
    queries = {id(r): address_query(r) for r in todo}
    answers = cache_get({q for q in queries.values() if q})
    missing = sorted({q for q in queries.values() if q and q not in answers})
    min_score = settings.TERROIR_GEOCODER_MIN_SCORE
    if client is not None and missing:
        postcodes = {address_query(r): r.postcode for r in todo}
        done = 0
        for start in range(0, len(missing), BATCH_ROWS):
            chunk = missing[start : start + BATCH_ROWS]
            try:
                found = client.search_batch([(q, q, postcodes.get(q, "")) for q in chunk])
            except GeocoderError:
                break  # the communes table places the rest
            cache_put(found)
            answers.update(found)
            done += len(chunk)
            if progress:
                progress(done, len(missing))
    for record in todo:
        answer = answers.get(queries[id(record)])
        if answer is not None and answer.score >= min_score and answer.precision != Precision.COMMUNE:
            record.lat, record.lon, record.precision = answer.lat, answer.lon, answer.precision
            record.commune_code = record.commune_code or answer.citycode
            continue
        match = commune_resolve(code=record.commune_code, postcode=record.postcode, name=record.commune)
        commune = match.commune
        if match.ambiguous:
            departments = ", ".join(sorted({department_of(code) for code in match.candidates}))
            values = {"count": len(match.candidates), "name": record.commune, "departments": departments,
                      "postcode": record.postcode}  # fmt: skip
            if record.postcode:
                message = gettext_noop(
                    "%(count)s communes are named %(name)r (départements %(departments)s) and the "
                    "postcode %(postcode)s does not say which: check the name and the postcode"
                )
            else:
                message = gettext_noop("%(count)s communes are named %(name)r (départements %(departments)s): "
                                       "give its postcode to say which")  # fmt: skip
            record.problem("commune", Message(message, values), fatal=True)
            continue
        if commune is None or commune.lat is None or commune.lon is None:
            message = gettext_noop("could not be placed: no known commune in the address")
            record.problem("address", Message(message), fatal=True)
            continue
        record.lat, record.lon, record.precision = commune.lat, commune.lon, Precision.COMMUNE
        record.commune_code = commune.code
        message = gettext_noop("placed at the centre of %(commune)s only: check its position")
        record.problem("address", Message(message, {"commune": commune.name}), fatal=False)
    for record in records:
        if record.lat is None and not record.rejected and record.kind and record.kind != "online":
            message = gettext_noop("no position and no address to find it from")
            record.problem("address", Message(message), fatal=True)
        elif not record.commune_code and not record.rejected and (record.postcode or record.commune):
            # Positioned by the source: the commune still links the entry and weighs in merging.
            located = commune_locate(postcode=record.postcode, name=record.commune)
            record.commune_code = located.code if located else ""
    return records


# --- Checking the positions a source gives ----------------------------------------------------------

# A given position further from its commune's centre than this many times the commune's size (its
# width, from its neighbours), and at least FAR_MIN_KM, is not in that commune.
FAR_FACTOR = 2.5
FAR_MIN_KM = 5.0
# This many rows of one file with different names on exactly one point: a geocoder's default or a
# département's centroid, not where they are.
CROWDED_MIN = 5


def point_key(lat: float, lon: float) -> tuple[float, float]:
    """A position to the metre, to count the rows sharing it."""
    return (round(lat, 5), round(lon, 5))


def _shown(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def positions_check(
    records: Iterable[Record], *, columns: Message | str = "lat, lon", crowded: Collection[tuple[float, float]] = ()
) -> None:
    """Check the positions the source gives against the row's commune, and say for each doubtful one
    what became of it: kept, fixed (latitude and longitude swapped, when the swap lands in the row's
    commune) or replaced by the commune's centre (then of commune precision, so that merging never
    prefers it to a precise position). A position outside France with no commune to check it against is
    not kept (the address may still place the row). `columns` names the source columns in the messages;
    `crowded` holds the points (point_key) that too many rows of the file share."""
    for record in records:
        if record.lat is None or record.lon is None or record.precision:
            continue
        lat, lon = record.lat, record.lon
        match = commune_resolve(code=record.commune_code, postcode=record.postcode, name=record.commune)
        commune = match.commune if match.commune is not None and match.commune.lat is not None else None
        shown = _shown(lat, lon)
        if commune is None:
            if not in_france(lat, lon):
                record.lat = record.lon = None
                if in_france(lon, lat):
                    message = gettext_noop("columns %(columns)s: position %(position)s looks swapped (latitude and "
                                           "longitude); not kept")  # fmt: skip
                else:
                    message = gettext_noop("columns %(columns)s: position %(position)s is outside France; not kept")
                record.problem("lat", Message(message, {"columns": columns, "position": shown}))
            elif point_key(lat, lon) in crowded:
                record.precision = Precision.COMMUNE
                record.problem("lat", Message(gettext_noop(
                    "columns %(columns)s: position %(position)s is shared by %(count)s rows or more of the file "
                    "(a default point); kept as imprecise, no commune to place the row at"
                ), {"columns": columns, "position": shown, "count": CROWDED_MIN}))  # fmt: skip
            continue
        assert commune.lat is not None and commune.lon is not None
        record.commune_code = record.commune_code or commune.code
        size = commune_size_km(commune.code) or FAR_MIN_KM
        limit = max(FAR_MIN_KM, FAR_FACTOR * size)
        distance = haversine_km(lat, lon, commune.lat, commune.lon)
        values = {"columns": columns, "position": shown, "commune": commune.name, "size": f"{size:.0f}",
                  "distance": f"{distance:.0f}", "count": CROWDED_MIN}  # fmt: skip
        if not in_france(lat, lon) or distance > limit:
            if in_france(lon, lat) and haversine_km(lon, lat, commune.lat, commune.lon) <= limit:
                record.lat, record.lon = lon, lat
                record.problem("lat", Message(gettext_noop(
                    "columns %(columns)s: position %(position)s has latitude and longitude swapped; fixed (swapped "
                    "back, it is in %(commune)s)"
                ), values))  # fmt: skip
                continue
            if not in_france(lat, lon):
                reason = gettext_noop("columns %(columns)s: position %(position)s is outside France while the "
                                      "row's commune, %(commune)s, is French")  # fmt: skip
            else:
                reason = gettext_noop("columns %(columns)s: position %(position)s is %(distance)s km from the centre "
                                      "of %(commune)s, beyond the commune's size (about %(size)s km)")  # fmt: skip
        elif point_key(lat, lon) in crowded:
            reason = gettext_noop("columns %(columns)s: position %(position)s is shared by %(count)s rows or more of "
                                  "the file (a geocoder's default point or a département's centre)")  # fmt: skip
        else:
            continue
        record.lat, record.lon, record.precision = commune.lat, commune.lon, Precision.COMMUNE
        replaced = gettext_noop("%(reason)s; replaced by the centre of %(commune)s")
        record.problem("lat", Message(replaced, {"reason": Message(reason, values), "commune": commune.name}))


# --- One address, for a person at a form ------------------------------------------------------------

# A person waits for the answer: one short try, the cache first (registered with the directory by the
# app's ready(): terroir.directory.geocoding).
INTERACTIVE_TIMEOUT_S = 3.0


def address_point(address: str, postcode: str, commune: str) -> tuple[float, float] | None:
    """A street address's position when the service is sure of it (a number or a street, not a commune's
    centre), from the cache or one quick request; None offline or when the service fails."""
    query = " ".join(part for part in (address, postcode, without_cedex(commune)) if part)
    answers = cache_get([query])
    if query not in answers:
        client = geocoder()
        if client is None:
            return None
        client.timeout_s, client.retries = min(client.timeout_s, INTERACTIVE_TIMEOUT_S), 0
        try:
            answers[query] = client.search(query, postcode=postcode)
        except GeocoderError:
            return None
        cache_put({query: answers[query]})
    answer = answers[query]
    if answer is None or answer.score < settings.TERROIR_GEOCODER_MIN_SCORE or answer.precision == Precision.COMMUNE:
        return None
    return answer.lat, answer.lon
