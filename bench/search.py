"""Search benchmark: builds a France-wide directory, times the query mix, prints p50/p95 per query type
against an in-memory KD-tree floor, then HTTP throughput through gunicorn on 127.0.0.1.

    .venv/bin/python bench/search.py                      # 200,000 places, SQLite then PostgreSQL
    .venv/bin/python bench/search.py --db sqlite --places 20000 --queries 50
    .venv/bin/python bench/search.py --db sqlite --places 100000 --reindex   # the indexing step alone, again

The last line starts with "SUMMARY search:" (with --reindex, "SUMMARY search_reindex:").
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
FRANCE_BBOX = "-5.5,41.2,9.8,51.2"
CATEGORIES = ("dairy", "vegetables", "cheese", "meat", "honey", "fruit", "eggs")
WORDS = ("ferme", "fromagerie", "miel", "marche", "boucherie", "amap", "legumes", "epicerie")
P95_TARGET_MS = 25.0
HTTP_TARGET_RPS = 200.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def timed(fn: Callable[[], object], runs: int, warmup: int = 10) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    # Processor time of this process too: on SQLite it includes the database's own work, and on a machine
    # shared by several people it says what the query costs where the wall clock says how long it waited.
    cpu = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "cpu_p50": statistics.median(cpu),
        "cpu_p95": percentile(cpu, 0.95),
        "n": runs,
    }


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # Production settings: with DEBUG on, Django would also record every query it runs.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def backend_pid() -> int | None:
    """PostgreSQL: the process id of this connection's server process (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
    return pid


def server_processor(pid: int | None = None) -> float | None:
    """PostgreSQL: the processor seconds this connection's server process has run so far, read from Linux's
    /proc (the benchmark's server runs on this machine, `scripts/with-postgres.sh`): the database's own
    work, which neither this process's processor time nor its wall clock on a loaded machine tells. None on
    SQLite, whose work is in this process. `pid`, the server process's (`backend_pid`): no statement is
    run, so that it may be read between any two statements (around a commit)."""
    if pid is None:
        pid = backend_pid()
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in ticks


def build(places: int, producers: int) -> tuple[float, float]:
    """Wall and processor seconds of the build (this process's processor time only: PostgreSQL's own
    work is in its server's processes)."""
    from django.core.management import call_command

    from terroir.directory.communes import communes_load
    from terroir.directory.demo import synthetic_generate
    from terroir.directory.index import search_tables_maintain
    from terroir.directory.models import Commune, Place

    call_command("migrate", verbosity=0)
    if Place.objects.count() == places:
        print(f"reusing the existing {places} places")
        return 0.0, 0.0
    Place.objects.all().delete()
    start, start_cpu, start_server = time.perf_counter(), time.process_time(), server_processor()
    if not Commune.objects.exists():
        communes_load()

    # Each step's line carries the seconds since the start and the process's processor seconds (and, on
    # PostgreSQL, its server process's): on a loaded machine the wall clock says more about the others' work
    # than about this one.
    def say(message: str) -> None:
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        server = server_processor()
        served = f", server {server - start_server:7.1f} s" if server is not None and start_server is not None else ""
        load = os.getloadavg()[0]
        print(f"  build {wall:7.1f} s (cpu {cpu:7.1f} s{served}, load {load:4.1f}): {message}", flush=True)

    synthetic_generate(places=places, producers=producers, seed=1, progress=say)
    search_tables_maintain()
    say("search tables maintained")
    return time.perf_counter() - start, time.process_time() - start_cpu


def reindex() -> dict[str, float | None]:
    """The bulk indexing of a built directory again (words, facets, shown producers, then map cells), in
    processor seconds of this process, against a floor measured in the same run: the same number of rows
    written by one prepared INSERT into a table without any index (the least a database can do with
    them). On PostgreSQL the server's work is in neither processor figure: its server process's is given
    apart (`server_processor`), per step and in all."""
    from django.db import connection, transaction

    from terroir.directory.index import map_cells_rebuild, places_reindex, search_tables_maintain
    from terroir.directory.models import PlaceFacet, ProducerPlace, SearchTerm

    start, start_cpu, start_server = time.perf_counter(), time.process_time(), server_processor()

    def say(message: str) -> None:
        wall, cpu, server = time.perf_counter() - start, time.process_time() - start_cpu, server_processor()
        served = f", server {server - start_server:7.1f} s" if server is not None and start_server is not None else ""
        load = os.getloadavg()[0]
        print(f"  reindex {wall:7.1f} s (cpu {cpu:7.1f} s{served}, load {load:4.1f}): {message}", flush=True)

    with transaction.atomic():
        places = places_reindex(bulk=True, progress=say)
        say("words, facets and shown producers indexed")
        map_cells_rebuild()
        say("map cells rebuilt")
    search_tables_maintain()
    say("search tables maintained")
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    server = server_processor()
    server_s = server - start_server if server is not None and start_server is not None else None
    rows = SearchTerm.objects.count() + PlaceFacet.objects.count() + ProducerPlace.objects.count()
    sample = [(f"w{i % 5000}", i // 36 + 1, "farm", 500 + i % 300, 45.0 + i % 1000 / 1000, 3.0) for i in range(rows)]
    floor_start, floor_cpu_start = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        columns = "term TEXT, place INTEGER, kind TEXT, band INTEGER, lat REAL, lon REAL"
        cursor.execute(f"CREATE TEMPORARY TABLE bench_floor ({columns})")
        if connection.vendor == "postgresql":  # as `rows_insert` writes there
            with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for row in sample:
                    copy.write_row(row)
        else:
            cursor.executemany("INSERT INTO bench_floor VALUES (%s, %s, %s, %s, %s, %s)", sample)
        cursor.execute("DROP TABLE bench_floor")
    floor_wall, floor_cpu = time.perf_counter() - floor_start, time.process_time() - floor_cpu_start
    return {
        "places": places,
        "rows": rows,
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server_s,
        "floor_wall_s": floor_wall,
        "floor_cpu_s": floor_cpu,
    }


def kd_floor(points: list[tuple[float, float]], queries: list[tuple[float, float]]) -> dict[str, float]:
    """Nearest 20 within 30 km from an in-memory KD-tree on 3-D unit vectors: the floor."""
    import numpy as np
    from scipy.spatial import cKDTree

    def unit(coords: list[tuple[float, float]]) -> Any:
        lat = np.radians(np.array([c[0] for c in coords]))
        lon = np.radians(np.array([c[1] for c in coords]))
        return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))

    tree = cKDTree(unit(points))
    chord = 2 * math.sin(30 / 6371.0088 / 2)
    vectors = unit(queries)
    it = iter(range(10**9))
    return timed(lambda: tree.query(vectors[next(it) % len(queries)], k=20, distance_upper_bound=chord), len(queries))


def query_mix(runs: int) -> tuple[dict[str, dict[str, float]], list[tuple[float, float]], list[tuple[float, float]]]:
    from terroir.directory.filters import parse_bbox, parse_place_query
    from terroir.directory.models import Commune, Place
    from terroir.directory.search import map_producers, map_view, places_search, producers_search

    rng = random.Random(7)
    points = [(lat, lon) for lat, lon in Place.objects.exclude(lat=None).values_list("lat", "lon") if lat and lon]
    sample = rng.sample(points, min(len(points), runs))
    communes = list(Commune.objects.filter(population__gt=2000).values_list("name", flat=True))
    counter = iter(range(10**9))

    def pick() -> tuple[float, float]:
        return sample[next(counter) % len(sample)]

    def nearest() -> None:
        lat, lon = pick()
        query = {"near": f"{lat},{lon}", "radius_km": "30", "category": rng.choice(CATEGORIES), "page_size": "20"}
        places_search(parse_place_query(query))

    def box(half_lat: float, half_lon: float, zoom: int) -> Callable[[], None]:
        def run() -> None:
            lat, lon = pick()
            bbox = parse_bbox("bbox", f"{lon - half_lon},{lat - half_lat},{lon + half_lon},{lat + half_lat}")
            map_view(parse_place_query({}), bbox=bbox, zoom=zoom)

        return run

    def country() -> None:
        map_view(parse_place_query({}), bbox=parse_bbox("bbox", FRANCE_BBOX), zoom=6)

    def text() -> None:
        word = rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(communes)
        places_search(parse_place_query({"q": word}))

    def text_near() -> None:
        lat, lon = pick()
        places_search(parse_place_query({"q": rng.choice(WORDS), "near": f"{lat},{lon}", "radius_km": "30"}))

    def producers_text() -> None:
        word = rng.choice(("ferme", "gaec", "earl", "miel", "chevre")) if rng.random() < 0.7 else rng.choice(communes)
        producers_search(parse_place_query({"q": word}))

    def producers_near() -> None:
        lat, lon = pick()
        query = {"near": f"{lat},{lon}", "radius_km": "30", "category": rng.choice(CATEGORIES)}
        producers_search(parse_place_query(query))

    def map_with_producers() -> None:
        # What the search page's map asks: the places and the producers without a place of sale.
        lat, lon = pick()
        bbox = parse_bbox("bbox", f"{lon - 0.8},{lat - 0.55},{lon + 0.8},{lat + 0.55}")
        query = parse_place_query({})
        map_view(query, bbox=bbox, zoom=9)
        map_producers(query, bbox=bbox, zoom=9)

    figures = {
        "nearest20_30km_category": timed(nearest, runs),
        "map_country_z6": timed(country, runs),
        "map_department_z9": timed(box(0.55, 0.8, 9), runs),
        "map_town_z14": timed(box(0.025, 0.04, 14), runs),
        "text": timed(text, runs),
        "text_near_30km": timed(text_near, runs),
        "producers_text": timed(producers_text, runs),
        "producers_30km_category": timed(producers_near, runs),
        "map_department_z9_producers": timed(map_with_producers, runs),
    }
    return figures, points, sample


def server_start(database_url: str, log: str) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with the project's gunicorn.conf.py, as in production, on a free port; waits until it answers.
    Every client comes from 127.0.0.1, so the per-address API limit is lifted."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        # Plain HTTP on 127.0.0.1, no proxy: production's HTTPS redirect and HSTS would stop every request.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "terroir.settings",
        "BIND": f"127.0.0.1:{port}",
        # Every client comes from 127.0.0.1: the per-address limits would stop the benchmark itself.
        "RATE_LIMIT_API": "100000000/60",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    # A run against a server of one's own (`--json-out` with DATABASE_URL) may be the first to write here.
    OUT.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "terroir.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(OUT / log).open("w"),
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start: see bench/out/{log}")


def http_load(database_url: str, seconds: float, clients: int, sample: list[tuple[float, float]]) -> dict[str, float]:
    server, port = server_start(database_url, "gunicorn.log")
    try:
        rng = random.Random(11)
        paths = []
        for lat, lon in sample:
            paths.append(f"/api/v1/places?near={lat},{lon}&radius_km=30&category={rng.choice(CATEGORIES)}")
            paths.append(f"/api/v1/map?bbox={lon - 0.8:.4f},{lat - 0.55:.4f},{lon + 0.8:.4f},{lat + 0.55:.4f}&zoom=9")
            paths.append(f"/api/v1/places?q={rng.choice(WORDS)}")
        load = _wrk_load if shutil.which("wrk") else _python_load
        load(port, paths, 3, clients)  # warm-up, not measured: workers' first connections and caches
        # Three rounds, the median one kept: a shared machine has bad seconds.
        rounds = sorted((load(port, paths, seconds, clients) for _ in range(3)), key=lambda f: f["rps"])
        figures = {
            **rounds[1],
            "rounds_rps": [round(r["rps"]) for r in rounds],
            "errors": sum(r["errors"] for r in rounds),  # an error in any round counts
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine can keep workers busy past their graceful stop
            server.kill()
            server.wait()
    return {**figures, "clients": clients, "workers": os.cpu_count() or 1}


WRK_SCRIPT = """
local paths = {%s}
local counter = 0
setup = function(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
init = function(args) i = offset * 7919 end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk_load(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, Any]:
    """Load from wrk (a C load generator, `apt-get install wrk`): the client barely takes CPU from the server."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", script.name]
        output = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    line = next(line for line in output.stdout.splitlines() if line.startswith("WRK "))
    requests, duration_us, p50_us, p95_us, errors = (int(v) for v in line.split()[1:])
    return {
        "driver": "wrk",
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "p50": p50_us / 1000,
        "p95": p95_us / 1000,
        "errors": errors,
    }


def _python_load(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, Any]:
    """Load from Python threads, when wrk is missing (they share the machine's cores with the server)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = offset
        mine: list[float] = []
        bad = 0
        while time.time() < stop_at:
            path = paths[i % len(paths)]
            i += clients
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "driver": "python",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95) if latencies else float("nan"),
        "errors": errors[0],
    }


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any]:
    if db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{OUT / f'search-{args.places}-{args.producers}.sqlite3'}"
    else:
        database_url = os.environ["DATABASE_URL"]
    setup_django(database_url)
    build_seconds, build_cpu = build(args.places, args.producers)
    if args.reindex:
        return {"db": db, "reindex": reindex()}
    print(f"[{db}] timing {args.queries} queries per type…", flush=True)
    load_before = os.getloadavg()[0]
    figures, points, sample = query_mix(args.queries)
    load = (load_before, os.getloadavg()[0])
    floor = kd_floor(points, sample)
    print(f"[{db}] HTTP: {args.clients} clients for {args.http_seconds} s…", flush=True)
    from django.db import connections

    connections.close_all()
    http = http_load(database_url, args.http_seconds, args.clients, sample)
    return {
        "db": db,
        "places": args.places,
        "build_s": build_seconds,
        "build_cpu_s": build_cpu,
        "load": load,
        "queries": figures,
        "floor": floor,
        "http": http,
    }


def report(result: dict[str, Any]) -> str:
    if "reindex" in result:
        r = result["reindex"]
        server = f"server_cpu={r['server_cpu_s']:.1f}s " if r.get("server_cpu_s") is not None else ""
        return (
            f"{result['db']}: places={r['places']} rows={r['rows']} cpu={r['cpu_s']:.1f}s {server}"
            f"wall={r['wall_s']:.1f}s "
            f"floor_cpu={r['floor_cpu_s']:.1f}s ratio={r['cpu_s'] / r['floor_cpu_s']:.1f} "
            f"per_million_rows_cpu={r['cpu_s'] / r['rows'] * 1e6:.1f}s"
        )
    floor = result["floor"]["p50"]
    load = result.get("load", (math.nan, math.nan))
    print(
        f"\n== {result['db']} · {result['places']} places (build {result['build_s']:.0f} s, "
        f"{result.get('build_cpu_s', math.nan):.0f} s of processor; load average {load[0]:.1f}–{load[1]:.1f} "
        "while timing the queries) =="
    )
    print(f"{'query':28} {'p50 ms':>8} {'p95 ms':>8} {'p50/floor':>10} {'cpu p50':>8} {'cpu p95':>8}")
    for name, f in result["queries"].items():
        cpu = f"{f['cpu_p50']:8.2f} {f['cpu_p95']:8.2f}" if "cpu_p50" in f else ""
        print(f"{name:28} {f['p50']:8.2f} {f['p95']:8.2f} {f['p50'] / floor:10.0f} {cpu}")
    print(f"{'kd-tree floor (nearest 20)':28} {floor:8.3f} {result['floor']['p95']:8.3f}")
    h = result["http"]
    print(
        f"HTTP ({h['clients']} clients from {h['driver']}, gunicorn {h['workers']} workers): {h['rps']:.0f} req/s, "
        f"p50 {h['p50']:.0f} ms, p95 {h['p95']:.0f} ms, {h['errors']} errors, {h['requests']} requests "
        f"(median of 3 rounds: {h['rounds_rps']} req/s)"
    )
    worst = max(f["p95"] for f in result["queries"].values())
    ok = worst <= P95_TARGET_MS and h["rps"] >= HTTP_TARGET_RPS and h["errors"] == 0
    per_type = " ".join(f"{name}={f['p95']:.1f}" for name, f in result["queries"].items())
    return (
        f"{result['db']}: build={result['build_s']:.0f}s p95_ms[{per_type}] worst_p95={worst:.1f}ms "
        f"floor_p50={floor:.3f}ms load={load[1]:.1f} "
        f"http={h['rps']:.0f}req/s p95={h['p95']:.0f}ms errors={h['errors']} targets={'met' if ok else 'MISSED'}"
    )


def database_child(script: str, name: str, db: str, options: list[str]) -> dict[str, Any]:
    """Run `script --db DB --json-out …` in its own process (a fresh Django set-up), PostgreSQL under a
    throwaway server, and return what it wrote. Shared by the benchmarks that measure both databases."""
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{name}-{db}.json"
    command = [sys.executable, script, "--db", db, "--json-out", str(out), *options]
    if db == "postgres":
        command = ["bash", str(ROOT / "scripts" / "with-postgres.sh"), *command]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def child(db: str, args: argparse.Namespace) -> dict[str, Any]:
    options = ["--places", str(args.places), "--producers", str(args.producers), "--queries", str(args.queries)]
    options += ["--http-seconds", str(args.http_seconds), "--clients", str(args.clients)]
    options += ["--reindex"] if args.reindex else []
    return database_child(__file__, "search", db, options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=200_000)
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--reindex", action="store_true", help="on a database already built: time the bulk indexing alone, again"
    )
    parser.add_argument("--json-out", help=argparse.SUPPRESS)  # set when a child process runs one database
    args = parser.parse_args()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(run_one(args.db, args)))
        return
    databases = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = [child(db, args) for db in databases]
    lines = [report(r) for r in results]
    (OUT / ("search-reindex.json" if args.reindex else "search.json")).write_text(json.dumps(results, indent=2))
    print(f"\nSUMMARY {'search_reindex' if args.reindex else 'search'}: " + " | ".join(lines))


if __name__ == "__main__":
    main()
