"""In a real browser, at desktop and phone sizes: the import whose automatic merge of two shops' places a
merge guard refused says so on its page and on the page of its automatic merges, and both fit the screen
(screenshots into TERROIR_SCREENSHOTS when set)."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import french_tab, past_the_edge, screenshot, wider_than_the_screen
from terroir.directory.services import place_create
from terroir.imports.merging import records_merge
from terroir.imports.models import ImportRun, RecordPair, Source
from terroir.shops import services

from .conftest import le_local_build
from .test_directory_merge import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 900), (390, 844)]


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_import_s_pages_name_the_two_shops_places_it_did_not_merge_and_why(
    browser: Any, live_server: Any, territory: Any, people: Any, size: tuple[int, int]
) -> None:
    le_local = le_local_build(territory, people)
    twin = place_create(name="Le Local (magasin)", kind="producers_shop", commune=territory.ambert, lat=45.5490,
                        lon=3.7451, operator=le_local.sas)  # fmt: skip
    services.shop_create(place=twin)
    source = Source.objects.create(name="osm", label="OpenStreetMap")
    run = ImportRun.objects.create(source=source, file_name="osm.json", file_sha256="0" * 64)
    first, second = record(source, run, "a", territory.le_local), record(source, run, "b", twin)
    RecordPair.objects.create(first=first, second=second, probability=0.99, status=RecordPair.Status.LINKED, run=run)
    records_merge(record_types=["place"], relink=False, run=run)
    tab = french_tab(browser, live_server, people.camille, size)
    for name, path in (("run", f"/imports/runs/{run.pk}/"), ("run-merges", f"/imports/runs/{run.pk}/merges/")):
        tab.goto(live_server.url + path)
        refused = tab.locator("#merges-refused")
        refused.wait_for()
        assert "Fusions refusées" in refused.inner_text() and "Le Local (magasin)" in refused.inner_text()
        assert "portent tous deux les comptes" in refused.inner_text()
        assert wider_than_the_screen(tab) <= 0 and past_the_edge(tab) == [], name
        screenshot(tab, f"merges-refused-{name}-{size[0]}")
    tab.context.close()
