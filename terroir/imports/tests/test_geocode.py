"""Geocoding through an addok-compatible service served on 127.0.0.1 by the test, and offline."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from terroir.directory.communes import commune_locate
from terroir.imports.geocode import AddokClient, GeocoderError, Precision, records_geocode
from terroir.imports.mapping import Record

pytestmark = pytest.mark.django_db

# The fake service's knowledge: query -> (lat, lon, type, score, citycode)
KNOWN = {
    "12 route de Job 63600 Ambert": (45.5532, 3.7531, "housenumber", 0.93, "63003"),
    "place du Pirou 63300 Thiers": (45.8555, 3.5468, "street", 0.81, "63430"),
    "Le Bourg 63600 Ambert": (45.5497, 3.7417, "municipality", 0.6, "63003"),
    "nowhere 63600 Ambert": (45.0, 3.0, "housenumber", 0.2, "63003"),  # an unsure answer
}


class FakeAddok(BaseHTTPRequestHandler):
    requests: list[str] = []
    fail_next = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _fail(self) -> bool:
        if FakeAddok.fail_next:
            FakeAddok.fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return True
        return False

    def do_GET(self) -> None:
        FakeAddok.requests.append(self.path)
        if self._fail():
            return
        from urllib.parse import parse_qs, urlparse

        query = parse_qs(urlparse(self.path).query)["q"][0]
        features = []
        if query in KNOWN:
            lat, lon, kind, score, citycode = KNOWN[query]
            features.append({"geometry": {"coordinates": [lon, lat]},
                             "properties": {"type": kind, "score": score, "citycode": citycode}})  # fmt: skip
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        FakeAddok.requests.append(self.path)
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length).decode()
        if self._fail():
            return
        data = body.split('filename="rows.csv"\r\nContent-Type: text/csv\r\n\r\n', 1)[1].rsplit("\r\n--", 1)[0]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["key", "q", "postcode", "latitude", "longitude", "result_type", "result_score",
                         "result_citycode"])  # fmt: skip
        for row in csv.DictReader(io.StringIO(data)):
            lat, lon, kind, score, citycode = KNOWN.get(row["q"], ("", "", "", "", ""))
            writer.writerow([row["key"], row["q"], row["postcode"], lat, lon, kind, score, citycode])
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(out.getvalue().encode())


@pytest.fixture
def addok() -> Iterator[str]:
    FakeAddok.requests = []
    FakeAddok.fail_next = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAddok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def record(address: str, postcode: str, commune: str, **kwargs: Any) -> Record:
    return Record(line=2, source="test", name="Ferme", kind="farm", address=address, postcode=postcode,
                  commune=commune, **kwargs)  # fmt: skip


def client_for(url: str) -> AddokClient:
    return AddokClient(url, timeout_s=2, retries=2, sleep=lambda _s: None)


def test_addresses_are_placed_by_the_service_in_batches_and_remembered(addok, territory) -> None:
    records = [record("12 route de Job", "63600", "Ambert"), record("place du Pirou", "63300", "Thiers")]
    seen: list[tuple[int, int]] = []
    job, pirou = records_geocode(
        records, client=client_for(addok), progress=lambda done, total: seen.append((done, total))
    )
    assert (job.lat, job.lon, job.precision) == (45.5532, 3.7531, Precision.ADDRESS)
    assert (pirou.precision, pirou.commune_code) == (Precision.STREET, "63430")
    assert FakeAddok.requests == ["/search/csv/"] and seen == [(2, 2)]
    again = records_geocode([record("12 route de Job", "63600", "Ambert")], client=client_for(addok))
    assert again[0].lat == 45.5532 and FakeAddok.requests == ["/search/csv/"]  # from the cache


def test_unsure_or_commune_level_answers_fall_back_to_the_commune_centre_and_say_so(addok, territory) -> None:
    unsure, bourg = records_geocode(
        [record("nowhere", "63600", "Ambert"), record("Le Bourg", "63600", "Ambert")], client=client_for(addok)
    )
    for placed in (unsure, bourg):
        assert placed.precision == Precision.COMMUNE
        assert (placed.lat, placed.lon) == (territory.ambert.lat, territory.ambert.lon)
        assert not placed.rejected
        message = "placé au centre de la commune Ambert seulement\u202f: vérifiez sa position"
        assert [p.message for p in placed.problems] == [message]


def test_a_failing_service_is_retried_then_the_communes_table_places_the_records(addok, territory) -> None:
    FakeAddok.fail_next = 3  # more failures than retries
    (placed,) = records_geocode([record("12 route de Job", "63600", "Ambert")], client=client_for(addok))
    assert FakeAddok.requests == ["/search/csv/"] * 3
    assert placed.precision == Precision.COMMUNE
    FakeAddok.requests, FakeAddok.fail_next = [], 1  # one failure: the retry succeeds
    assert client_for(addok).search("12 route de Job 63600 Ambert") is not None
    assert len(FakeAddok.requests) == 2


def test_an_unreachable_service_is_an_error_the_import_recovers_from(territory) -> None:
    with pytest.raises(GeocoderError):
        client_for("http://127.0.0.1:9").search("12 route de Job 63600 Ambert")
    (placed,) = records_geocode([record("12 route de Job", "63600", "Ambert")], client=client_for("http://127.0.0.1:9"))
    assert placed.precision == Precision.COMMUNE


def test_offline_every_address_goes_to_its_commune_and_unknown_communes_are_rejected(territory) -> None:
    given, placed, lost, online = records_geocode(
        [
            record("", "", "", lat=45.5, lon=3.7),
            record("3 rue Blaise Pascal", "63033", "CLERMONT FERRAND CEDEX 1"),
            record("1 rue du Nulle Part", "99999", "Atlantis"),
            Record(line=5, source="test", name="Panier", kind="online"),
        ]
    )
    assert given.precision == Precision.GIVEN and not given.problems
    assert (placed.commune_code, placed.precision) == ("63113", Precision.COMMUNE)
    assert lost.rejected and lost.lat is None
    assert not online.rejected


def test_communes_are_found_whatever_the_spelling(territory) -> None:
    from terroir.directory.communes import communes_load

    def code(**kwargs: str) -> str:
        found = commune_locate(**kwargs)
        return found.code if found else ""

    assert code(postcode="63890", name="St Amant Roche Savine") == "63314"
    assert code(postcode="63000", name="St-Amant-Roche-Savine") == "63314"  # wrong postcode
    assert code(name="SAINT-AMANT-ROCHE-SAVINE") == "63314"
    assert code(postcode="63000", name="clermont-ferrand") == "63113"
    assert code(code="63003") == "63003"
    communes_load(departments={"69"})
    assert code(name="Lyon 3e") == "69383"
    assert code(postcode="69003", name="LYON") == "69383"
    assert commune_locate(name="Atlantis") is None
