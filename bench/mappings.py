"""The ready-made `osm`, `gogocarto` and `hve` mappings on the real files of ../shared/data/real: rows
read, rejected, and why (the figures of docs/imports.md). The HVE list goes through the import's own
checks (records_checked: communes, positions, repeated references) on a fresh SQLite database, which
`migrate` fills with the communes; the other two through the reading alone.

    python bench/mappings.py
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# ../shared beside the project (a clone), or beside the worktrees' parent.
REAL = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
REAL = REAL / "data" / "real"


def main() -> int:
    database = Path(tempfile.mkdtemp()) / "mappings.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from terroir.imports.mapping import mapping_load
    from terroir.imports.read import records_checked, records_read
    from terroir.imports.sources import shipped_mappings

    call_command("migrate", verbosity=0)

    osm_gz = REAL / "osm" / "farmshops_eu_osm_outside_france.geojson.gz"
    gogo = REAL / "gogocarto" / "gogocarto_pdcn_sample_elements.json"
    if not osm_gz.exists() or not gogo.exists():
        print(f"no real files under {REAL}")
        return 1
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        geojson = Path(tmp) / "osm.geojson"
        with gzip.open(osm_gz, "rb") as raw, geojson.open("wb") as out:
            shutil.copyfileobj(raw, out)
        overpass = Path(tmp) / "osm-overpass.json"
        overpass.write_text(json.dumps(_as_overpass(json.loads(geojson.read_text()))), encoding="utf-8")
        for name, path, mapping in (
            ("osm_geojson", geojson, "osm"), ("osm_overpass", overpass, "osm"), ("gogocarto", gogo, "gogocarto")
        ):  # fmt: skip
            rows, rejected, why = 0, 0, Counter[str]()
            for record in records_read(path, mapping_load(shipped_mappings()[mapping])):
                rows += 1
                rejected += record.rejected
                why.update(f"{p.where}: {p.message[:50]}" for p in record.problems if p.fatal)
            print(f"{name}: {rows} rows, {rejected} rejected; {dict(why.most_common(5))}")
            summary.append(f"{name}_rejected={rejected}/{rows}")
    for path in sorted((REAL / "directories").glob("hve_*.csv")):
        rows, rejected, producers, farms = 0, 0, 0, 0
        why, said = Counter[str](), Counter[str]()
        lines, lines_rejected = set(), set()
        for record in records_checked(path, mapping_load(shipped_mappings()["hve"])):
            rows += 1
            rejected += record.rejected
            lines.add(record.line)
            if record.rejected:
                lines_rejected.add(record.line)
            producers += record.record_type == "producer" and not record.rejected
            farms += record.record_type == "place" and not record.rejected
            why.update(f"{p.where}: {p.message[:60]}" for p in record.problems if p.fatal)
            said.update(f"{p.where}: {p.message[:40]}" for p in record.problems if not p.fatal)
        print(f"hve: {len(lines)} rows, {len(lines_rejected)} rejected; {rows} records ({producers} producers, "
              f"{farms} farms selling directly), {rejected} rejected")  # fmt: skip
        print(f"  rejected for: {dict(why.most_common(8))}")
        print(f"  reported, kept: {dict(said.most_common(8))}")
        summary.append(f"hve_rejected_rows={len(lines_rejected)}/{len(lines)}")
    database.unlink(missing_ok=True)
    print("SUMMARY " + " ".join(summary))
    return 0


def _as_overpass(collection: dict) -> dict:
    """The same features in the shape of an Overpass answer (both occur in practice)."""
    elements = []
    for feature in collection["features"]:
        kind, _slash, number = str(feature["id"]).partition("/")
        tags = {k: v for k, v in feature["properties"].items() if k != "id"}
        lon, lat = feature["geometry"]["coordinates"][:2]
        element = {"type": kind, "id": int(number), "tags": tags}
        element.update({"lat": lat, "lon": lon} if kind == "node" else {"center": {"lat": lat, "lon": lon}})
        elements.append(element)
    return {"version": 0.6, "elements": elements}


if __name__ == "__main__":
    sys.exit(main())
