"""In a real browser: names that carry markup (an <img onerror>, an attribute break-out with <svg onload>)
in every kind of record stay text on the pages that show them (the run page and its map, the map's place
popup, the planner, the route sheets, the needs board), nothing runs, nothing is fetched from the
payload's address; and the platform's own pages raise no Content-Security-Policy violation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from terroir.api.tests.test_content_security_policy import (
    PAYLOAD_HOST,
    SIGNED_IN,
    WEEK,
    hostile_week,
    page_paths,
    superuser,
)
from terroir.conftest import offline_tab, shot
from terroir.logistics.models import PlanningRun
from terroir.needs.tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Watch:
    """What a tab saw that it should not have: dialogs, requests to the payload, policy violations."""

    dialogs: list[str] = field(default_factory=list)
    payload_requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self, where: str) -> None:
        assert self.dialogs == [], where
        assert self.payload_requests == [], where
        assert self.violations == [], where
        assert self.errors == [], where


def watched_tab(
    browser: Any, live_server: Any, viewport: dict[str, int] | None = None, context: Any = None
) -> tuple[Any, Watch]:
    tab = offline_tab(browser, live_server, context)
    if viewport:
        tab.set_viewport_size(viewport)
    watch = Watch()

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    def payload(route: Any) -> None:
        watch.payload_requests.append(route.request.url)
        route.abort()

    tab.on("dialog", dialog)
    tab.route(re.compile(re.escape(PAYLOAD_HOST)), payload)
    tab.on("console", lambda m: watch.violations.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("pageerror", lambda e: watch.errors.append(str(e)))
    return tab, watch


def hover_the_round(tab: Any) -> Any:
    """Move the mouse onto the first round's line (not its bounding box, mostly empty) to show its tooltip."""
    tab.locator("#rounds-map").scroll_into_view_if_needed()
    for fraction in (0.5, 0.3, 0.7, 0.15, 0.85):
        point = tab.evaluate(
            """(fraction) => {
                const line = document.querySelector('#rounds-map path.leaflet-interactive');
                const p = line.getPointAtLength(line.getTotalLength() * fraction), m = line.getScreenCTM();
                return {x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f};
            }""",
            fraction,
        )
        tab.mouse.move(point["x"], point["y"])
        if tab.locator(".leaflet-tooltip").count():
            return tab.locator(".leaflet-tooltip")
    raise AssertionError("no tooltip on the round's line")


@pytest.fixture
def week(live_server: Any, communes_for_live_server: None, territory: Any, people: Any, settings: Any) -> Any:
    settings.TERROIR_TILE_URL = ""
    settings.TERROIR_ROUTING_URL = ""  # offline distances
    return hostile_week(territory, people)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_names_with_markup_stay_text_on_the_run_page_and_its_map(
    browser: Any,
    live_server: Any,
    week: Any,
    people: Any,
    viewport: dict[str, int],
) -> None:
    tab, watch = watched_tab(browser, live_server, viewport)
    signed_in(tab, people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/runs/{week.run.pk}/")
    tab.wait_for_function("() => document.getElementById('rounds-map')?.dataset.rounds === '1'")
    text = tab.locator("main").inner_text()
    for name in ("vehicle", "farm", "other_farm", "customer", "goods"):
        assert week.names[name] in text, name
    tooltip = hover_the_round(tab)
    assert week.names["vehicle"] in tooltip.inner_text()
    # The page's own charts are SVG drawn by the server (lib/charts.py, every text escaped): they hold the
    # names as text, never an element a name brought in.
    assert (
        tab.locator(
            "main img, main svg:not(.leaflet-zoom-animated):not(.leaflet-attribution-flag):not(svg.chart)"
        ).count()
        == 0
    )
    assert tab.locator("svg.chart svg, svg.chart img, svg.chart foreignObject, svg.chart script").count() == 0
    # The swatch took its colour from the script, as the policy refuses style attributes.
    assert tab.locator(".swatch").first.evaluate("s => getComputedStyle(s).backgroundColor") == "rgb(27, 120, 55)"
    shot(tab, "/tmp", f"xss-run-{viewport['width']}")
    watch.assert_clean("run page")


def test_names_with_markup_stay_text_in_the_map_popup_the_planner_the_sheets_and_the_needs(
    browser: Any,
    live_server: Any,
    week: Any,
    people: Any,
) -> None:
    tab, watch = watched_tab(browser, live_server)
    tab.goto(f"{live_server.url}/?kind=shop")
    tab.wait_for_function("() => document.getElementById('map')?.dataset.places === '1'")
    marker = tab.locator(".leaflet-marker-icon")
    assert marker.get_attribute("title") == week.names["place"] + " — commerce ou artisan"
    marker.click()
    popup = tab.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".popup-title").inner_text() == week.names["place"]
    assert popup.locator("img, svg").count() == 0
    shot(tab, "/tmp", "xss-map")
    for path in (week.place.get_absolute_url(), week.producer.get_absolute_url(), "/needs/",
                 week.need.get_absolute_url()):  # fmt: skip
        tab.goto(live_server.url + path)
        tab.wait_for_load_state("load")
    assert week.names["need"] in tab.locator("main").inner_text()
    signed_in(tab, people.camille, live_server)
    tab.goto(f"{live_server.url}/logistics/?week={WEEK.isoformat()}")
    planner = tab.locator("main").inner_text()
    for name in ("vehicle", "depot", "farm", "customer", "goods"):
        assert week.names[name] in planner, name
    tab.goto(f"{live_server.url}/logistics/runs/{week.run.pk}/sheets/")
    assert week.names["vehicle"] in tab.locator("section.sheet").first.inner_text()
    # Each sheet's map draws its round (Leaflet's own SVG layer and attribution flag), never an element a
    # name brought in; the stops' titles carry the names as text.
    tab.wait_for_function("() => document.getElementById('sheet-map-1')?.dataset.rounds === '1'")
    assert tab.locator("main img, main svg:not(.leaflet-zoom-animated):not(.leaflet-attribution-flag)").count() == 0
    assert week.names["vehicle"] in (tab.locator("#sheet-map-1 .stop-marker").last.get_attribute("title") or "")
    # The print button works from the static script (the policy refuses an onclick attribute).
    tab.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    tab.get_by_role("button", name="Imprimer").click()
    assert tab.locator("body").get_attribute("data-printed") == "1"
    watch.assert_clean("map, planner, sheets, needs")


TOUR_TABS = 6  # pages loading at once


def tour(
    browser: Any, live_server: Any, paths: dict[str, str], pages: list[str], user: Any = None
) -> tuple[Any, Watch]:
    """Opens each page in its own watched tab of one person's context (signed in as `user`, if any),
    TOUR_TABS at a time, and checks each once it has loaded and its network has been idle for half a
    second: the tabs wait at the same time rather than one after the other. Returns the first tab."""
    first = watched_tab(browser, live_server)
    if user is not None:
        signed_in(first[0], user, live_server)
    for start in range(0, len(pages), TOUR_TABS):
        batch = pages[start : start + TOUR_TABS]
        tabs = [first if start == 0 and n == 0 else watched_tab(browser, live_server, context=first[0].context)
                for n in range(len(batch))]  # fmt: skip
        for page, (tab, _) in zip(batch, tabs, strict=True):
            tab.goto(live_server.url + paths[page], wait_until="commit")
        for page, (tab, watch) in zip(batch, tabs, strict=True):
            tab.wait_for_load_state("load")
            tab.wait_for_load_state("networkidle")
            if page == "API docs":
                tab.wait_for_selector("#swagger-ui .opblock")  # Swagger UI drew the operations
            watch.assert_clean(page)
            if tab is not first[0]:
                tab.close()
    return first


def test_the_platforms_own_pages_raise_no_policy_violation(
    browser: Any,
    live_server: Any,
    week: Any,
    people: Any,
) -> None:
    """A page the policy breaks is a bug: every page type, the administration and the API docs included,
    loads without a violation or a script error."""
    paths = page_paths(week)
    tour(browser, live_server, paths, sorted(set(paths) - SIGNED_IN))[0].context.close()
    coordinator, watch = tour(browser, live_server, paths, sorted(SIGNED_IN), superuser(people))
    # A run still being planned follows its progress from the page's script, under the same policy.
    queued = PlanningRun.objects.create(week=WEEK, created_by=people.camille, problem=week.run.problem,
                                        labels=week.run.labels, time_limit_s=1, stage="queued")  # fmt: skip
    with coordinator.expect_response(re.compile(r"/state\.json$")) as state:
        coordinator.goto(f"{live_server.url}/logistics/runs/{queued.pk}/")
    assert state.value.ok
    watch.assert_clean("a run being planned")


def test_the_api_docs_under_a_public_name_load_nothing_from_elsewhere(
    browser: Any,
    live_server: Any,
    settings: Any,
) -> None:
    """Swagger UI sends the address of the API's description to an online validator and shows its badge,
    unless the page is on localhost: served under the territory's public name, it must not."""
    public = "http://terroir.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "terroir.example.org"]
    tab, watch = watched_tab(browser, live_server)
    elsewhere: list[str] = []

    def through_the_test_server(route: Any) -> None:
        if not route.request.url.startswith(public):
            elsewhere.append(route.request.url)
            route.abort()
            return
        url = live_server.url + route.request.url.removeprefix(public)
        route.fulfill(response=route.fetch(url=url, headers={**route.request.headers, "host": "terroir.example.org"}))

    tab.route("**/*", through_the_test_server)
    tab.goto(f"{public}/api/v1/docs")
    tab.wait_for_selector("#swagger-ui .opblock")
    tab.wait_for_load_state("networkidle")
    assert elsewhere == []
    watch.assert_clean("API docs")
