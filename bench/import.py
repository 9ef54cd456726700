"""Import throughput benchmark: a generated 100,000-row French directory file imported end to end
(reading, commune placement, record keeping, linkage and merge rules, directory writes, search tables)
through the worker's own code, then the same file imported again, on SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                          # 100,000 rows, SQLite then PostgreSQL
    .venv/bin/python bench/import.py --db sqlite --rows 20000 # a quicker run
    .venv/bin/python bench/import.py --profile 10             # cProfile of the first import, top 10 lines

The file (`bench/out/import-<rows>.csv`, ";"-separated UTF-8, seed 1) is invented from the real communes
table: producers ("GAEC", "EARL", family names, trade names) with their farm, markets, shops, AMAPs and
vending machines, real communes with their postcodes (some postcodes missing, some names misspelt or
upper case, some "St"), addresses, positions for three rows in four (the rest placed at their commune),
SIRETs valid by checksum on half the producers, phones, e-mails, products, labels and French prose
schedules ("Le samedi de 8h à 13h"). About 5 % of the rows repeat an earlier row (same reference) and
1 % are bad (no name, unknown kind, unknown commune, a position outside France, an invalid SIRET). Before
the timed import, another source already gave the directory 10 % as many entries (imported the same
way, not timed), which about 10 % of the file's rows describe again under their own reference, with
names written another way: merging has real work.

The import runs as the worker runs it: `terroir.imports.jobs.import_file`'s body, `source_import` with
the geocoder off (no network: every address is placed from the communes table), in this process. Its
phases are timed by wrapping the functions that do them. Floors measured in the same run: reading and
parsing the CSV alone (`csv.reader` over the file) and a raw bulk insert of as many places as the import
created (`Place.objects.bulk_create`, rolled back). Targets (issue 14): ≤ 120 s per import on each
database, ≤ 30 s for the re-import of the unchanged file. PostgreSQL runs under scripts/with-postgres.sh
in a child process. The last line starts with "SUMMARY import:".
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import functools
import io
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET_S = 120.0
REIMPORT_TARGET_S = 30.0
SOURCE = "bench-annuaire"
PRIOR_SOURCE = "bench-chambre"

MAPPING = """
[source]
name = "%(name)s"
label = "Annuaire généré (bench/import.py)"
record = "place"
ref = "Code"
format = "csv"
delimiter = ";"
split = ",;/"

[fields]
record = "Type"
kind = "Type"
name = "Nom"
siret = "SIRET"
address = "Adresse"
postcode = "Code postal"
commune = "Commune"
lat = "Latitude"
lon = "Longitude"
phone = "Téléphone"
email = "Courriel"
website = "Site"
categories = "Produits"
labels = "Labels"
opening_hours = "Horaires"
description = "Présentation"

[transforms]
opening_hours = "schedule"

[records]
"Producteur" = "producer+place"
"Producteur sans vente" = "producer"
"Marché" = "place"
"Magasin de producteurs" = "place"
"Épicerie" = "place"
"AMAP" = "place"
"Distributeur" = "place"
"Ferme" = "place"
"Boulangerie" = "place"

[kinds]
"Producteur" = "farm"
"Producteur sans vente" = "farm"
"Ferme" = "farm"
"Marché" = "market"
"Magasin de producteurs" = "producers_shop"
"Épicerie" = "shop"
"Boulangerie" = "shop"
"AMAP" = "amap"
"Distributeur" = "vending"

[categories]
"Légumes" = "vegetables"
"Fruits" = "fruit"
"Pommes" = "apples"
"Fromages de chèvre" = "goat-cheese"
"Fromages" = "cheese"
"Lait" = "milk"
"Yaourts" = "yoghurts"
"Viande bovine" = "beef"
"Porc" = "pork"
"Agneau" = "lamb"
"Volailles" = "poultry"
"Œufs" = "eggs"
"Miel" = "honey"
"Pain" = "bread"
"Farine" = "flour"
"Vin" = "wine"
"Cidre" = "cider"
"Confitures" = "jams"
"Huiles" = "oils"
"Plantes aromatiques" = "herbs"

[labels]
"AB" = "ab"
"Bio" = "ab"
"Label Rouge" = "label-rouge"
"HVE" = "hve"
"Bienvenue à la ferme" = "bienvenue-a-la-ferme"
"""

COLUMNS = (
    "Code",
    "Type",
    "Nom",
    "SIRET",
    "Adresse",
    "Code postal",
    "Commune",
    "Latitude",
    "Longitude",
    "Téléphone",
    "Courriel",
    "Site",
    "Produits",
    "Labels",
    "Horaires",
    "Présentation",
)
FIRST_NAMES = (
    "Jean",
    "Marie",
    "Pierre",
    "Sophie",
    "Luc",
    "Anne",
    "Paul",
    "Claire",
    "Michel",
    "Julie",
    "Éric",
    "Nathalie",
    "Bernard",
    "Céline",
    "Hervé",
    "Élodie",
    "Yves",
    "Amélie",
    "Gilles",
    "Agnès",
)
FAMILY_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Chevalier",
    "Boyer",
    "Gauthier",
    "Perrin",
    "Roussel",
    "Mathieu",
    "Clément",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrot",
    "Morin",
    "Fontaine",
    "Chauvin",
    "Giraud",
    "Brun",
)
TRADE = (
    "Ferme",
    "Domaine",
    "Les Jardins",
    "La Bergerie",
    "Le Rucher",
    "La Chèvrerie",
    "Le Verger",
    "Les Vergers",
    "La Ferme",
    "Le Potager",
    "Les Prés",
    "Le Moulin",
    "La Fromagerie",
    "Le Mas",
    "La Borie",
    "Le Clos",
)
PLACE_WORDS = (
    "du Moulin",
    "des Sources",
    "de la Vallée",
    "du Bois Joli",
    "des Trois Chênes",
    "de la Combe",
    "du Plateau",
    "des Coteaux",
    "de la Rivière",
    "du Val",
    "des Granges",
    "de Bellevue",
    "du Puy",
    "des Hauts",
    "de la Garenne",
    "du Pré Vert",
    "des Noyers",
    "de la Source",
    "du Château",
    "des Cerisiers",
)
FORMS = ("GAEC", "EARL", "SCEA", "", "", "", "")
STREETS = (
    "rue de l'Église",
    "route de la Gare",
    "chemin des Vignes",
    "place du Marché",
    "rue Principale",
    "le Bourg",
    "lieu-dit les Granges",
    "avenue de la République",
    "impasse du Lavoir",
    "rue du Four",
)
PRODUCTS = (
    "Légumes",
    "Fruits",
    "Pommes",
    "Fromages de chèvre",
    "Fromages",
    "Lait",
    "Yaourts",
    "Viande bovine",
    "Porc",
    "Agneau",
    "Volailles",
    "Œufs",
    "Miel",
    "Pain",
    "Farine",
    "Vin",
    "Cidre",
    "Confitures",
    "Huiles",
    "Plantes aromatiques",
)
LABELS = ("AB", "Bio", "Label Rouge", "HVE", "Bienvenue à la ferme")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
SHOP_NAMES = ("Biocoop", "L'Épicerie", "Au Panier Paysan", "La Halle Fermière", "Le Comptoir", "Saveurs Locales")
# (type, share of rows); producers give two records (the producer and its farm).
TYPES = (
    ("Producteur", 0.45),
    ("Producteur sans vente", 0.05),
    ("Marché", 0.2),
    ("Magasin de producteurs", 0.05),
    ("Épicerie", 0.08),
    ("AMAP", 0.07),
    ("Distributeur", 0.07),
    ("Boulangerie", 0.03),
)


def say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"  # with DEBUG on, Django keeps every query it runs
    os.environ["TERROIR_GEOCODER_URL"] = ""  # no network: addresses are placed from the communes table
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    os.environ.setdefault("TERROIR_IMPORT_DIR", str(OUT / "imports"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The file -------------------------------------------------------------------------------------


def siret_valid(rng: random.Random) -> str:
    """A 14-digit number passing the Luhn check, as a real SIRET does."""
    digits = [rng.randrange(10) for _ in range(13)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def schedule(rng: random.Random, kind: str) -> str:
    day = rng.choice(DAYS)
    start, end = rng.choice(((8, 13), (7, 12), (16, 19), (17, 20), (9, 12)))
    if kind == "AMAP":
        return f"Distribution le {day} de {start + 9}h à {end + 7}h à la salle des fêtes"
    roll = rng.random()
    if roll < 0.4:
        return f"Le {day} de {start}h à {end}h"
    if roll < 0.6:
        other = rng.choice(DAYS)
        return f"{day} {start:02d}:00 - {end:02d}:00; {other} {start:02d}:00 - {end:02d}:00"
    if roll < 0.75:
        return f"Ce marché a lieu de Juin à Septembre le {day} de {start}h à {end}h"
    if roll < 0.85:
        return "Sur rendez-vous, téléphoner avant de venir"
    return ""


def commune_written(rng: random.Random, name: str) -> str:
    """A commune's name as files write it: mostly right, sometimes upper case, "St", or a typo."""
    roll = rng.random()
    if roll < 0.08:
        return name.upper()
    if roll < 0.12 and name.startswith("Saint-"):
        return "St-" + name[6:]
    if roll < 0.14 and len(name) > 6:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # two letters swapped
    return name


def market_of(commune: str) -> str:
    """French "de" before a commune in a market's name, as real lists write it: "de Thiers", "d'Orléans",
    "d'Hyères", "de Hautefort" (an aspirated h), "du Puy-en-Velay" (Le Puy-en-Velay)."""
    from terroir.lib.text import french_of  # the project is on the path once main() has set it up

    return french_of(commune, apostrophe="'")


def entity(rng: random.Random, number: int, communes: list[tuple[str, str, str, float, float]]) -> dict[str, str]:
    """One row of the directory, before the mess of repeats and variants."""
    roll, kind = rng.random(), TYPES[-1][0]
    for name, share in TYPES:
        roll -= share
        if roll < 0:
            kind = name
            break
    _code, commune, postcodes, lat, lon = rng.choice(communes)
    family = rng.choice(FAMILY_NAMES)
    if kind.startswith("Producteur") or kind == "Ferme":
        if rng.random() < 0.5:
            name = f"{rng.choice(TRADE)} {rng.choice(PLACE_WORDS)}"
        else:
            name = f"{rng.choice(FIRST_NAMES)} {family}"
        form = rng.choice(FORMS)
        name = f"{form} {name}".strip()
    elif kind == "Marché":
        of = market_of(commune)
        name = rng.choice(
            (
                f"Marché {of}",
                f"Marché hebdomadaire {of}",
                f"Marché {rng.choice(PLACE_WORDS)}",
                f"Marché des producteurs {of}",
            )
        )
    elif kind == "AMAP":
        name = f"AMAP {rng.choice(PLACE_WORDS)} {number % 97}"
    elif kind == "Distributeur":
        name = rng.choice(("", f"Distributeur {family}", f"Casier fermier {rng.choice(PLACE_WORDS)}"))
    else:
        name = f"{rng.choice(SHOP_NAMES)} {rng.choice(PLACE_WORDS)}"
    postcode = postcodes.split(";")[0].split(",")[0].strip() if postcodes else ""
    if rng.random() < 0.1:
        postcode = ""  # the commune's name alone places the row (or says it is ambiguous)
    positioned = rng.random() < 0.75
    return {
        "Code": f"R{number:07d}",
        "Type": kind,
        "Nom": name,
        "SIRET": siret_valid(rng) if kind.startswith("Producteur") and rng.random() < 0.5 else "",
        "Adresse": f"{rng.randrange(1, 80)} {rng.choice(STREETS)}" if rng.random() < 0.8 else rng.choice(STREETS),
        "Code postal": postcode,
        "Commune": commune_written(rng, commune),
        "Latitude": f"{lat + rng.uniform(-0.02, 0.02):.6f}" if positioned else "",
        "Longitude": f"{lon + rng.uniform(-0.03, 0.03):.6f}" if positioned else "",
        "Téléphone": f"0{rng.choice('12345679')} {rng.randrange(100):02d} {rng.randrange(100):02d} "
        f"{rng.randrange(100):02d} {rng.randrange(100):02d}"
        if rng.random() < 0.6
        else "",
        "Courriel": f"{family.lower().replace('è', 'e').replace('é', 'e')}{number}@exemple.fr"
        if rng.random() < 0.4
        else "",
        "Site": f"https://www.{family.lower()}-{number}.fr" if rng.random() < 0.15 else "",
        "Produits": ", ".join(rng.sample(PRODUCTS, rng.randrange(0, 4))),
        "Labels": ", ".join(rng.sample(LABELS, rng.randrange(0, 2))),
        "Horaires": schedule(rng, kind),
        "Présentation": rng.choice(
            (
                "",
                "",
                "Vente directe de nos produits de saison.",
                "Exploitation familiale depuis 1950, <b>accueil</b> à la ferme.",
            )
        ),
    }


def variant(rng: random.Random, row: dict[str, str], number: int) -> dict[str, str]:
    """The same producer or place as another directory writes it, under this file's own reference."""
    other = dict(row, Code=f"R{number:07d}")
    name = row["Nom"]
    roll = rng.random()
    if roll < 0.3:
        name = name.upper()
    elif roll < 0.5:
        for form in ("GAEC ", "EARL ", "SCEA "):
            name = name.replace(form, "")
    elif roll < 0.6 and len(name) > 8:
        i = rng.randrange(2, len(name) - 2)
        name = name[:i] + name[i + 1 :]
    other["Nom"] = name
    if other["Latitude"] and rng.random() < 0.5:
        other["Latitude"] = f"{float(other['Latitude']) + rng.uniform(-0.0005, 0.0005):.6f}"
    if rng.random() < 0.3:
        other["Téléphone"] = ""
    if rng.random() < 0.3:
        other["Produits"] = ", ".join(rng.sample(PRODUCTS, rng.randrange(1, 3)))
    return other


def bad(rng: random.Random, row: dict[str, str]) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.25:
        return dict(row, Nom="")
    if roll < 0.45:
        return dict(row, Type="Cave à vin")
    if roll < 0.65:
        return dict(row, Commune="Villeneuve-sur-Nulle-Part", Latitude="", Longitude="", **{"Code postal": ""})
    if roll < 0.85:
        return dict(row, Latitude="52.52", Longitude="13.40")  # Berlin
    return dict(row, SIRET="12345678901234")


def files_write(rows: int, seed: int) -> tuple[Path, Path]:
    """The file imported (rows rows) and the earlier source's file (a tenth as many)."""
    from terroir.directory.models import Commune

    OUT.mkdir(parents=True, exist_ok=True)
    main, prior = OUT / f"import-{rows}-{seed}.csv", OUT / f"import-{rows}-{seed}-prior.csv"
    if main.exists() and prior.exists():
        return main, prior
    query = Commune.objects.exclude(lat=None).exclude(lon=None).exclude(postcodes="")
    communes = sorted(
        (code, name, postcodes, lat, lon)
        for code, name, postcodes, lat, lon in query.values_list("code", "name", "postcodes", "lat", "lon")
        if lat is not None and lon is not None
    )
    rng = random.Random(seed)
    earlier = [entity(rng, 9_000_000 + n, communes) for n in range(rows // 10)]
    written: list[dict[str, str]] = []
    number = 0
    while len(written) < rows:
        roll = rng.random()
        number += 1
        if roll < 0.05 and written:
            written.append(dict(rng.choice(written)))  # a repeated row: same reference
        elif roll < 0.15:
            written.append(variant(rng, rng.choice(earlier), number))
        elif roll < 0.16:
            written.append(bad(rng, entity(rng, number, communes)))
        else:
            written.append(entity(rng, number, communes))
    for path, data in ((main, written), (prior, earlier)):
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";")
            writer.writeheader()
            writer.writerows(data)
    return main, prior


# --- Timing the phases ----------------------------------------------------------------------------


def schedstat() -> tuple[float, float]:
    """Seconds this thread ran on a core and waited for one, from Linux's /proc (zeros elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as stat:
            ran, queued, _slices = stat.read().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(ran) / 1e9, int(queued) / 1e9


class Phases:
    """Inclusive seconds spent in the wrapped functions, per phase name: wall clock, and the processor
    time of this process (its threads included: DuckDB's, SQLite's work) in `cpu`. On a loaded machine
    the wall clock counts other people's work too; the gap between the two is also time spent waiting
    (on PostgreSQL's server, on the disk). On PostgreSQL, `server`: the processor time of the connection's
    server process (bench/search.py's `server_processor`), the database's own work in the phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.server: dict[str, float] = defaultdict(float)
        self.pid: int | None = None  # the server process, read once (PostgreSQL): see `server_now`
        # The main thread's time runnable but waiting for a core (the machine's load), from the kernel's
        # scheduler statistics: what is left of the wall clock after its running and that waiting is
        # time blocked (on PostgreSQL's answers, the disk, DuckDB's threads).
        self.queued: dict[str, float] = defaultdict(float)
        self.ran: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._patched: list[tuple[Any, str, Any]] = []

    def server_now(self) -> float:
        """The server process's processor seconds so far (0 on SQLite), read from /proc without a statement:
        around a commit, a statement would open a transaction again."""
        from bench.search import server_processor

        return (server_processor(self.pid) or 0.0) if self.pid is not None else 0.0

    def wrap(self, module: Any, attribute: str, phase: str) -> None:
        original = getattr(module, attribute)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu, sched, server = time.perf_counter(), time.process_time(), schedstat(), self.server_now()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - start
                self.cpu[phase] += time.process_time() - cpu
                self.server[phase] += self.server_now() - server
                ran, queued = schedstat()
                self.ran[phase] += ran - sched[0]
                self.queued[phase] += queued - sched[1]
                self.calls[phase] += 1

        setattr(module, attribute, timed)
        self._patched.append((module, attribute, original))

    def wrap_generator(self, module: Any, attribute: str, phase: str) -> None:
        """A generator's time is spent while it is iterated: counted between its yields."""
        original = getattr(module, attribute)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = original(*args, **kwargs)
            while True:
                start, cpu = time.perf_counter(), time.process_time()
                try:
                    item = next(inner)
                except StopIteration:
                    self.seconds[phase] += time.perf_counter() - start
                    self.cpu[phase] += time.process_time() - cpu
                    return
                self.seconds[phase] += time.perf_counter() - start
                self.cpu[phase] += time.process_time() - cpu
                yield item

        setattr(module, attribute, timed)
        self._patched.append((module, attribute, original))

    def reset(self) -> None:
        self.seconds.clear()
        self.cpu.clear()
        self.server.clear()
        self.queued.clear()
        self.ran.clear()
        self.calls.clear()


def phases_install() -> Phases:
    from django.db import connection

    from bench.search import backend_pid
    from terroir.directory import services as directory_services
    from terroir.imports import linkage, merging, read, services

    phases = Phases()
    phases.pid = backend_pid()
    phases.wrap(services, "_read_rows", "read")  # reading, checks, commune placement
    phases.wrap(read, "positions_check", "read: positions checked")
    phases.wrap(read, "records_geocode", "read: commune placement")
    phases.wrap(services, "_store_rows", "records kept")
    phases.wrap(services, "records_merge", "merge")
    # The merge imports the linkage when it first links (splink is heavy to load): its module's name is wrapped.
    phases.wrap(linkage, "link", "merge: linkage")
    phases.wrap(merging, "pairs_decide", "merge: rules")
    phases.wrap(merging, "_pairs_store", "merge: pairs kept")
    phases.wrap(merging, "_entries_write", "merge: entries written")
    phases.wrap(merging, "_links_write", "merge: links written")
    if hasattr(merging, "_records_write"):  # the new records, written once their entries are (round 15)
        phases.wrap(merging, "_records_write", "merge: records written")
    for name in ("places_reindex", "actors_reindex", "map_cells_rebuild", "map_cells_refresh"):
        phases.wrap(directory_services, name, "search tables")
    # PostgreSQL checks the foreign keys of the rows written when the transaction commits (Django's keys
    # are deferred): one lookup and row lock per key and row, outside every phase above.
    phases.wrap(connection, "commit", "commit (deferred key checks)")
    # PostgreSQL: the tables the import changed much, analysed after its commit.
    phases.wrap(services, "_tables_analysed", "statistics (ANALYZE)")
    return phases


def statements_reset() -> bool:
    """Empty PostgreSQL's statement statistics when its server loaded pg_stat_statements (see
    `statements_top`); False when it did not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'shared_preload_libraries' AND setting LIKE %s",
            ["%pg_stat_statements%"],
        )
        if cursor.fetchone() is None:
            return False
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cursor.execute("SELECT pg_stat_statements_reset()")
    return True


def statements_top(count: int) -> list[tuple[float, int, int, str]]:
    """The statements the server spent most time executing since `statements_reset`: total milliseconds,
    calls, rows and text. With `pg_stat_statements.track=all` the statements run inside others are
    counted too, among them the foreign-key checks a commit runs (`SELECT 1 FROM ONLY … FOR KEY SHARE`,
    one call per key and row written). The server must load the module:

        PG_SERVER_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \\
            .venv/bin/python bench/import.py --db postgres --statements 15
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT total_exec_time, calls, rows, query FROM pg_stat_statements"
            " WHERE query NOT LIKE %s ORDER BY total_exec_time DESC LIMIT %s",
            ["%pg_stat_statements%", count],
        )
        return [(ms, calls, rows, " ".join(query.split())[:200]) for ms, calls, rows, query in cursor.fetchall()]


def import_run(path: Path, source: str, phases: Phases, profile: int = 0) -> tuple[float, dict[str, Any]]:
    """One import, as the worker's task runs it, timed; the run's figures."""
    from terroir.imports.models import ImportRun
    from terroir.imports.services import mapping_for, source_import
    from terroir.lib.progress import Progress

    text = MAPPING % {"name": source}
    mapping, _same = mapping_for(source=source, text=text)
    last = [0.0]

    def told(progress: Progress) -> None:
        now = time.monotonic()
        if now - last[0] > 5 or progress.stage != "read":
            last[0] = now
            total = f"/{progress.total}" if progress.total else ""
            say(f"[{progress.stage}] {progress.message or ''} {progress.done or ''}{total}")

    phases.reset()
    # Processor time, not the wall clock: on a loaded machine the wall clock charges the queue for a core
    # to whatever code was running when the process was set aside.
    profiler = cProfile.Profile(time.process_time) if profile else None
    start, cpu, sched, server = time.perf_counter(), time.process_time(), schedstat(), phases.server_now()
    with profiler or contextlib.nullcontext():
        run = source_import(path=path, mapping=mapping, mapping_text=text, geocode=True, worker="bench", progress=told)
    seconds = time.perf_counter() - start
    # On a loaded machine the wall time counts other people's work too: this process's processor time
    # does not (SQLite's work is in it, PostgreSQL's server is not: its processor time apart).
    phases.seconds["whole import"] = seconds
    phases.cpu["whole import"] = time.process_time() - cpu
    phases.server["whole import"] = phases.server_now() - server
    ran, queued = schedstat()
    phases.ran["whole import"], phases.queued["whole import"] = ran - sched[0], queued - sched[1]
    if profiler is not None:
        # Kept for a closer look (callers, callees): python -m pstats bench/out/import-<source>.pstats
        profiler.dump_stats(OUT / f"import-{source}.pstats")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(profile)
        print(out.getvalue())
    if run.status != ImportRun.Status.DONE:
        raise SystemExit(f"the import failed: {run.error}")
    figures = {
        name: getattr(run, name)
        for name in (
            "rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "missing",
            "commune_level",
            "entries_created",
            "entries_updated",
            "merged",
            "review",
        )
    }
    return seconds, figures


# --- Floors ---------------------------------------------------------------------------------------


def floor_read(path: Path) -> tuple[float, float]:
    """Reading and parsing the file alone: wall and processor seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as raw:
        for _row in csv.reader(raw, delimiter=";"):
            pass
    return time.perf_counter() - start, time.process_time() - cpu


def floor_insert(count: int) -> tuple[float, float]:
    """A raw bulk insert of `count` places, in one transaction rolled back: wall and processor seconds."""
    from django.db import transaction

    from terroir.directory.models import Commune, Place

    commune = Commune.objects.exclude(lat=None).first()

    class Undo(Exception):
        pass

    start, cpu = time.perf_counter(), time.process_time()
    try:
        with transaction.atomic():
            Place.objects.bulk_create(
                (
                    Place(
                        name=f"Lieu {n}",
                        kind="farm",
                        lat=45.0 + n * 1e-5,
                        lon=3.0,
                        commune=commune,
                        source="floor",
                        source_ref=str(n),
                    )
                    for n in range(count)
                ),
                batch_size=1000,
            )
            seconds = time.perf_counter() - start, time.process_time() - cpu
            raise Undo
    except Undo:
        pass
    return seconds


# --- One database ---------------------------------------------------------------------------------


def database_url(db: str, rows: int) -> str:
    if db == "postgres":
        return os.environ["DATABASE_URL"]
    path = OUT / f"import-{rows}.sqlite3"
    template = OUT / "import-migrated.sqlite3"
    # The write-ahead log of the last run goes too: SQLite would replay it into the fresh copy.
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    if template.exists():
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    url = database_url(db, args.rows)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    if db == "sqlite" and not (OUT / "import-migrated.sqlite3").exists():
        connection.close()
        shutil.copyfile(url.removeprefix("sqlite:///"), OUT / "import-migrated.sqlite3")
    say(f"[{db}] database ready in {time.perf_counter() - start:.0f} s")
    from terroir.directory.models import Actor, Place
    from terroir.imports.models import RecordPair, SourceRecord

    main, prior = files_write(args.rows, args.seed)
    phases = phases_install()
    load = [os.getloadavg()[0]]
    say(f"[{db}] the earlier source ({prior.name}), not timed")
    prior_s, _prior = import_run(prior, PRIOR_SOURCE, phases)
    before = {"places": Place.objects.count(), "actors": Actor.objects.count()}
    say(f"[{db}] importing {main.name}")
    statements = db == "postgres" and args.statements > 0 and statements_reset()
    first_s, first = import_run(main, SOURCE, phases, profile=args.profile)
    first_statements = statements_top(args.statements) if statements else []
    first_phases, first_cpu, first_server = dict(phases.seconds), dict(phases.cpu), dict(phases.server)
    first_wait = {name: (phases.ran[name], phases.queued[name]) for name in phases.seconds}
    load.append(os.getloadavg()[0])
    say(f"[{db}] importing it again, unchanged")
    if statements:
        statements_reset()
    again_s, again = import_run(main, SOURCE, phases, profile=args.profile if args.profile_again else 0)
    again_statements = statements_top(args.statements) if statements else []
    again_phases, again_cpu, again_server = dict(phases.seconds), dict(phases.cpu), dict(phases.server)
    again_wait = {name: (phases.ran[name], phases.queued[name]) for name in phases.seconds}
    load.append(os.getloadavg()[0])
    after = {
        "places": Place.objects.count(),
        "actors": Actor.objects.count(),
        "records": SourceRecord.objects.count(),
        "pairs": RecordPair.objects.count(),
    }
    (read_floor, read_floor_cpu) = floor_read(main)
    (insert_floor, insert_floor_cpu) = floor_insert(max(first["entries_created"], 1))
    return {
        "db": db,
        "rows": args.rows,
        "prior_s": prior_s,
        "first_s": first_s,
        "again_s": again_s,
        "first": first,
        "again": again,
        "first_phases": first_phases,
        "again_phases": again_phases,
        "first_cpu": first_cpu,
        "again_cpu": again_cpu,
        "first_server": first_server if phases.pid is not None else {},
        "again_server": again_server if phases.pid is not None else {},
        "first_wait": first_wait,
        "again_wait": again_wait,
        "first_statements": first_statements,
        "again_statements": again_statements,
        "before": before,
        "after": after,
        "floor_read_s": read_floor,
        "floor_insert_s": insert_floor,
        "floor_cpu_s": read_floor_cpu + insert_floor_cpu,
        "floor_insert_rows": max(first["entries_created"], 1),
        "load": load,
        "file_mb": main.stat().st_size / 1e6,
    }


def report(r: dict[str, Any]) -> str:
    floor = r["floor_read_s"] + r["floor_insert_s"]
    print(f"\n== {r['db']} · {r['rows']:,} rows ({r['file_mb']:.1f} MB), load average {r['load']} ==")
    print(f"directory before: {r['before']}; after: {r['after']}")
    print(f"earlier source imported in {r['prior_s']:.1f} s (not timed below)")
    nan = float("nan")
    for label, seconds, figures, phases, cpu, wait, server in (
        ("import", r["first_s"], r["first"], r["first_phases"], r.get("first_cpu", {}), r.get("first_wait", {}),
         r.get("first_server", {})),
        ("re-import", r["again_s"], r["again"], r["again_phases"], r.get("again_cpu", {}), r.get("again_wait", {}),
         r.get("again_server", {})),
    ):  # fmt: skip
        print(f"{label}: {seconds:.1f} s  {figures}")
        # processor: this process, every thread; waiting for a core and blocked: its main thread; server: the
        # processor of PostgreSQL's server process for this connection (blank on SQLite).
        print(f"  {'phase (seconds)':28} {'wall':>7} {'processor':>9} {'for a core':>10} {'blocked':>8} {'server':>7}")
        for name, value in phases.items():
            ran, queued = wait.get(name, (nan, nan))
            on_server = f"{server[name]:7.1f}" if name in server else ""
            print(
                f"  {name:28} {value:7.1f} {cpu.get(name, nan):9.1f} {queued:10.1f} {value - ran - queued:8.1f}"
                f" {on_server}"
            )
        top = r.get("first_statements" if label == "import" else "again_statements") or []
        if top:
            print(f"  the server's statements by time ({'ms':>9} {'calls':>9} {'rows':>9}):")
        for ms, calls, rows, query in top:
            print(f"    {ms:9.0f} {calls:9} {rows:9}  {query}")
    cpu = (r.get("first_cpu", {}).get("whole import", 0.0), r.get("again_cpu", {}).get("whole import", 0.0))
    servers = (r.get("first_server", {}).get("whole import"), r.get("again_server", {}).get("whole import"))
    on_server = (
        f"import_server_cpu={servers[0]:.1f}s reimport_server_cpu={servers[1]:.1f}s "
        if servers[0] is not None and servers[1] is not None
        else ""
    )
    # On a loaded machine wall times measure the queue for a core: the processor times and their ratio to
    # the floor's processor time (same run) are the figures to compare between runs.
    floor_cpu = r.get("floor_cpu_s") or float("nan")
    print(
        f"floor: reading the CSV {r['floor_read_s']:.2f} s, bulk insert of {r['floor_insert_rows']:,} places "
        f"{r['floor_insert_s']:.2f} s ({floor_cpu:.2f} s of processor); import / floor {r['first_s'] / floor:.0f}x, "
        f"in processor time {cpu[0] / floor_cpu:.1f}x"
    )
    ok = r["first_s"] <= TARGET_S and r["again_s"] <= REIMPORT_TARGET_S
    return (
        f"{r['db']}: rows={r['rows']} import={r['first_s']:.1f}s reimport={r['again_s']:.1f}s "
        f"import_cpu={cpu[0]:.1f}s reimport_cpu={cpu[1]:.1f}s {on_server}"
        f"floor={floor:.2f}s ratio={r['first_s'] / floor:.0f}x reimport_ratio={r['again_s'] / floor:.0f}x "
        f"floor_cpu={floor_cpu:.2f}s cpu_ratio={cpu[0] / floor_cpu:.1f}x reimport_cpu_ratio={cpu[1] / floor_cpu:.1f}x "
        f"load={max(r['load']):.1f} targets={'met' if ok else 'MISSED'}"
    )


def child(db: str, args: argparse.Namespace) -> dict[str, Any]:
    out = OUT / f"import-{db}.json"
    options = ["--rows", str(args.rows), "--seed", str(args.seed), "--profile", str(args.profile)]
    options += ["--statements", str(args.statements)]
    if args.profile_again:
        options.append("--profile-again")
    command = [sys.executable, __file__, "--db", db, "--json-out", str(out), *options]
    if db == "postgres":
        command = ["bash", str(ROOT / "scripts" / "with-postgres.sh"), *command]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the import, print the top N lines")
    parser.add_argument("--profile-again", action="store_true", help="profile the re-import too")
    parser.add_argument(
        "--statements", type=int, default=0, help="PostgreSQL: the server's top N statements (see statements_top)"
    )
    parser.add_argument("--report-only", action="store_true", help="report the last runs' bench/out/import-<db>.json")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)  # set when a child process runs one database
    args = parser.parse_args()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(run_one(args.db, args)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    databases: tuple[str, ...] = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    if args.report_only:
        results = [json.loads((OUT / f"import-{db}.json").read_text()) for db in databases]
    else:
        results = [child(db, args) for db in databases]
    lines = [report(r) for r in results]
    (OUT / "import.json").write_text(json.dumps(results, indent=2))
    print("\nSUMMARY import: " + " | ".join(lines))


if __name__ == "__main__":
    main()
