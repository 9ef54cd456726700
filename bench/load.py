"""Load benchmark: the platform under gunicorn (gunicorn.conf.py, DEBUG off) on 127.0.0.1, with concurrent
clients mixing anonymous searches, page views and signed-in producers editing their place.

Each client is one person: it sends a request, reads the answer, thinks (exponential pause, mean
--think seconds), and goes on. 70 % of the people are visitors (API searches, map, search page, place
and producer pages), 30 % are producers signed in who open their place's edit page and save new opening
hours (a real form POST with the CSRF token and the version it opened). The floor is the same server
answering the cheapest API call (/api/v1/kinds) for one client, measured in the same run.

    .venv/bin/python bench/load.py                       # SQLite, 100 clients, 60 s
    .venv/bin/python bench/load.py --db postgres         # under a throwaway PostgreSQL server
    .venv/bin/python bench/load.py --clients 50 --seconds 20 --places 5000

Prints a progress line every 5 s, then per-kind p50/p95; the last line starts with "SUMMARY load:".
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402
    CATEGORIES,
    OUT,
    WORDS,
    build,
    database_child,
    percentile,
    server_start,
    setup_django,
)

P95_TARGET_MS = 200.0
PRODUCERS_SIGNED_IN = 0.3


@dataclass
class Tally:
    """Latencies (ms) and errors per kind of request, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            if error:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{kind}: {error}")

    def count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.latencies.values())


@dataclass
class Editor:
    session: str
    place_id: int


def editors_prepare(count: int) -> list[Editor]:
    """Producers with an account, each a member of the organisation running one place, signed in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from terroir.accounts.models import Membership
    from terroir.directory.models import Place

    user_model = get_user_model()
    user_model.objects.filter(username__startswith="bench-").delete()
    places = list(
        Place.objects.filter(operator__isnull=False, kind="farm", closed_at=None)
        .exclude(lat=None)
        .order_by("id")
        .values_list("id", "operator_id")[:count]
    )
    editors = []
    for index, (place_id, operator_id) in enumerate(places):
        user = user_model.objects.create_user(f"bench-{index}", f"bench-{index}@example.org", secrets.token_hex(8))
        Membership.objects.get_or_create(user=user, actor_id=operator_id, defaults={"how": "coordinator"})
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None
        editors.append(Editor(session=session.session_key, place_id=place_id))
    return editors


def sample_ids() -> tuple[list[int], list[int], list[tuple[float, float]]]:
    from terroir.directory.models import Actor, Place

    rng = random.Random(5)
    place_rows = list(Place.objects.exclude(lat=None).filter(closed_at=None).values_list("id", "lat", "lon"))
    places = rng.sample(place_rows, min(2000, len(place_rows)))
    producers = list(Actor.objects.filter(is_producer=True).values_list("id", flat=True)[:2000])
    return [p[0] for p in places], producers, [(float(p[1] or 0), float(p[2] or 0)) for p in places]


class Client:
    """One person's keep-alive connection, cookies included."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection (gunicorn's keepalive is 2 s): a
                # browser opens a new one and sends the request again; so does this client, once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                raise
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _eq, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text


def visitor_requests(
    rng: random.Random, places: list[int], producers: list[int], points: list[tuple[float, float]]
) -> tuple[str, str]:
    lat, lon = rng.choice(points)
    roll = rng.random()
    if roll < 0.30:
        return "api search", f"/api/v1/places?near={lat:.4f},{lon:.4f}&radius_km=30&category={rng.choice(CATEGORIES)}"
    if roll < 0.45:
        return "map", f"/api/v1/map?bbox={lon - 0.8:.4f},{lat - 0.55:.4f},{lon + 0.8:.4f},{lat + 0.55:.4f}&zoom=9"
    if roll < 0.65:
        return "search page", f"/?q={rng.choice(WORDS)}&near={lat:.4f},{lon:.4f}"
    if roll < 0.85:
        return "place page", f"/places/{rng.choice(places)}/"
    return "producer page", f"/producers/{rng.choice(producers)}/"


def edit_once(client: Client, editor: Editor, rng: random.Random, tally: Tally) -> None:
    """Open the edit page of one's place, then save new opening hours with every other field as shown."""
    from urllib.parse import urlencode

    path = f"/edit/place/{editor.place_id}/"
    start = time.perf_counter()
    try:
        status, page = client.request("GET", path)
    except (OSError, http.client.HTTPException) as exc:
        tally.add("edit page", (time.perf_counter() - start) * 1000, repr(exc))
        return
    tally.add("edit page", (time.perf_counter() - start) * 1000, None if status == 200 else f"HTTP {status}")
    if status != 200:
        return
    values = _form_values(page)
    hour = rng.randint(7, 10)
    values["opening_hours"] = f"Mo-Sa {hour:02d}:00-19:00"
    values["contact_public"] = "on" if values.get("contact_public") else ""
    time.sleep(rng.uniform(0.5, 2.0))  # somebody typing
    start = time.perf_counter()
    try:
        status, _body = client.request("POST", path, urlencode({k: v for k, v in values.items() if v != ""}))
    except (OSError, http.client.HTTPException) as exc:
        tally.add("edit save", (time.perf_counter() - start) * 1000, repr(exc))
        return
    tally.add("edit save", (time.perf_counter() - start) * 1000, None if status == 302 else f"HTTP {status}")


def _form_values(page: str) -> dict[str, str]:
    """The values of the edit form as the browser would send them."""
    import html

    form = page[page.index('<form method="post" class="edit"') :]
    form = form[: form.index("</form>")]
    values: dict[str, str] = {}
    for match in re.finditer(r"<input([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        if "name" not in attrs:
            continue
        if attrs.get("type") == "checkbox":
            values[attrs["name"]] = "on" if " checked" in match.group(1) else ""
        else:
            values[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for match in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(2))
        values[match.group(1)] = chosen.group(1) if chosen else ""
    for match in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[match.group(1)] = html.unescape(match.group(2)).strip("\n")
    return values


def run_clients(
    port: int, *, clients: int, seconds: float, think: float, editors: list[Editor],
    places: list[int], producers: list[int], points: list[tuple[float, float]],
) -> tuple[Tally, float]:  # fmt: skip
    tally = Tally()
    stop_at = time.time() + seconds
    signed_in = int(clients * PRODUCERS_SIGNED_IN)

    def person(index: int) -> None:
        rng = random.Random(index)
        editor = editors[index % len(editors)] if index < signed_in and editors else None
        client = Client(port, {"sessionid": editor.session} if editor else None)
        time.sleep(rng.uniform(0, think))  # people do not all arrive in the same millisecond
        while time.time() < stop_at:
            if editor is not None and rng.random() < 0.5:
                edit_once(client, editor, rng, tally)
            else:
                kind, path = visitor_requests(rng, places, producers, points)
                start = time.perf_counter()
                try:
                    status, _text = client.request("GET", path)
                    error = None if status == 200 else f"HTTP {status} {path}"
                except (OSError, http.client.HTTPException) as exc:
                    error = repr(exc)
                tally.add(kind, (time.perf_counter() - start) * 1000, error)
            time.sleep(rng.expovariate(1 / think) if think > 0 else 0)

    threads = [threading.Thread(target=person, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    last = 0.0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        elapsed = time.perf_counter() - started
        if elapsed - last >= 5:
            last = elapsed
            done = tally.count()
            print(
                f"  {elapsed:4.0f} s  {done} requests  {done / elapsed:.0f} req/s  errors {sum(tally.errors.values())}",
                flush=True,
            )
    return tally, time.perf_counter() - started


def floor(port: int, runs: int = 200) -> float:
    client = Client(port)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        client.request("GET", "/api/v1/kinds")
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    sqlite = f"sqlite:///{OUT / f'load-{args.places}.sqlite3'}"
    database_url = sqlite if db == "sqlite" else os.environ["DATABASE_URL"]
    setup_django(database_url)
    print(f"[{db}] building {args.places} places…", flush=True)
    build(args.places, args.places // 2)
    editors = editors_prepare(int(args.clients * PRODUCERS_SIGNED_IN) or 1)
    places, producers, points = sample_ids()
    server, port = server_start(database_url, "load-gunicorn.log")
    try:
        for _ in range(3):  # warm-up: every worker's first requests load templates and connections
            run_clients(port, clients=8, seconds=3, think=0.05, editors=editors, places=places,
                        producers=producers, points=points)  # fmt: skip
        floor_ms = floor(port)
        print(f"[{db}] {args.clients} clients for {args.seconds:.0f} s, think time {args.think} s…", flush=True)
        tally, elapsed = run_clients(port, clients=args.clients, seconds=args.seconds, think=args.think,
                                     editors=editors, places=places, producers=producers, points=points)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    every = [ms for values in tally.latencies.values() for ms in values]
    kinds = {
        kind: {
            "n": len(v),
            "p50": statistics.median(v),
            "p95": percentile(v, 0.95),
            "errors": tally.errors.get(kind, 0),
        }
        for kind, v in sorted(tally.latencies.items())
    }
    return {
        "db": db,
        "clients": args.clients,
        "think_s": args.think,
        "seconds": elapsed,
        "requests": len(every),
        # Requests are sent during `seconds`; the rest of `elapsed` is the last pauses running out.
        "rps": len(every) / min(elapsed, args.seconds),
        "p50": statistics.median(every),
        "p95": percentile(every, 0.95),
        "errors": sum(tally.errors.values()),
        "error_samples": tally.error_samples,
        "floor_ms": floor_ms,
        "kinds": kinds,
        "places": args.places,
    }


def report(result: dict[str, Any]) -> str:
    for kind, k in result["kinds"].items():
        figures = f"n={k['n']:6d}  p50 {k['p50']:7.1f} ms  p95 {k['p95']:7.1f} ms  errors {k['errors']}"
        print(f"  [{result['db']}] {kind:14s} {figures}")
    for sample in result["error_samples"]:
        print(f"  [{result['db']}] error: {sample}")
    verdict = "met" if result["errors"] == 0 and result["p95"] <= P95_TARGET_MS else "NOT met"
    return (
        f"{result['db']}: {result['clients']} clients ({result['think_s']} s think) {result['rps']:.0f} req/s "
        f"p50={result['p50']:.1f}ms p95={result['p95']:.1f}ms errors={result['errors']} "
        f"floor={result['floor_ms']:.1f}ms p95/floor={result['p95'] / result['floor_ms']:.1f} target={verdict}"
    )


def child(db: str, args: argparse.Namespace) -> dict[str, Any]:
    options = ["--places", str(args.places), "--clients", str(args.clients), "--seconds", str(args.seconds)]
    return database_child(__file__, "load", db, [*options, "--think", str(args.think)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a person's requests (s)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(run_one(args.db, args)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    databases = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    lines = [report(child(db, args)) for db in databases]
    print("\nSUMMARY load: " + " | ".join(lines))


if __name__ == "__main__":
    main()
