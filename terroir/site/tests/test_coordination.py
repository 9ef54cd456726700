"""The coordinator's home (what waits for them, counts and links, the needs' funnel), the menu by role,
and the charts of the planning run and import run pages, in French and English."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from terroir.accounts.models import Membership
from terroir.contributions.models import Claim
from terroir.directory.models import Actor, Category
from terroir.imports.models import ImportRun, Source
from terroir.logistics.models import PlanningRun, RunStatus
from terroir.needs.models import Answer, Match, Need

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def svg_of(page: str, chart_id: str) -> ET.Element:
    start = page.index(f'id="{chart_id}"')
    start = page.rindex("<svg", 0, start)
    return ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])


def desc_of(page: str, chart_id: str) -> str:
    return svg_of(page, chart_id).find(f"{SVG}desc").text or ""  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("outsider", 302), ("claire", 403), ("sophie", 403), ("camille", 200)],
    ids=["an outsider is sent to sign in", "a producer of another organisation is refused",
         "a buyer of her own organisation is refused", "the coordinator sees it"],
)  # fmt: skip
def test_only_a_coordinator_opens_the_coordination_home(client: Client, people: Any, who: str, expected: int) -> None:
    if who != "outsider":
        client.force_login(getattr(people, who))
    response = client.get("/coordination/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/account/login/")


def test_the_coordination_home_counts_what_waits_and_links_to_each_queue(
    client: Client, people: Any, territory: Any
) -> None:
    Claim.objects.create(user=people.hugo, actor=territory.market_gardener)
    Claim.objects.create(user=people.sophie, place=territory.ambert_market)
    source = Source.objects.create(name="osm", label="OpenStreetMap <Auvergne>")
    ImportRun.objects.create(source=source, file_name="osm.geojson", file_sha256="0" * 64, status="running")
    client.force_login(people.camille)
    page = client.get("/coordination/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/account/space/claims/" id="waiting-claims"><strong>2</strong> requests' in page
    assert 'id="waiting-suggestions"><strong>0</strong>' in page
    assert 'id="waiting-imports"><strong>1</strong> import running' in page
    assert "OpenStreetMap &lt;Auvergne&gt; · osm.geojson" in page
    assert 'href="/imports/review/" id="waiting-pairs"' in page


def make_needs(territory: Any, people: Any) -> Actor:
    buyer = Actor.objects.get(name="SAS Supermarché des Volcans")
    category = Category.objects.get(slug="honey")
    now = timezone.now()

    def need(title: str, **fields: Any) -> Need:
        place = territory.clermont_supermarket
        return Need.objects.create(
            buyer=buyer, title=title, category=category, quantity=10, status="open", published_at=now,
            delivery_place=place, **fields,
        )  # fmt: skip

    answered, shortlisted, contracted = need("Miel"), need("Miel 2"), need("Miel 3", outcome="contracted")
    need("Miel 4")
    Need.objects.create(buyer=buyer, title="Brouillon", category=category, quantity=1)  # a draft: not counted
    for found in (answered, shortlisted, contracted):
        Answer.objects.create(need=found, producer=territory.honey_farm, kind="interested",
                              shortlisted=found is not answered)  # fmt: skip
    declined = need("Miel 5")
    Answer.objects.create(need=declined, producer=territory.honey_farm, kind="declined")
    Match.objects.create(need=answered, producer=territory.honey_farm, score=0.9, road_km=30)
    return buyer


def test_the_needs_funnel_counts_published_answered_shortlisted_and_contracted_needs(
    client: Client, people: Any, territory: Any
) -> None:
    make_needs(territory, people)
    client.force_login(people.camille)
    page = client.get("/coordination/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert desc_of(page, "funnel-chart") == "Published: 5; Answered: 3; Shortlisted: 2; Contracted: 1."
    widths = [float(r.get("width", "0")) for r in svg_of(page, "funnel-chart").iter(f"{SVG}rect")]
    assert widths == sorted(widths, reverse=True) and widths[-1] > 0


def test_the_funnel_speaks_french_to_a_french_reader(client: Client, people: Any, territory: Any) -> None:
    make_needs(territory, people)
    client.force_login(people.camille)
    client.cookies["django_language"] = "fr"
    page = client.get("/coordination/").content.decode()
    assert desc_of(page, "funnel-chart").startswith("Publiés\u202f: 5\u202f; Avec réponse\u202f: 3")


def test_the_menu_shows_each_role_its_links(client: Client, people: Any, territory: Any) -> None:
    menu = {}
    for who in ("outsider", "claire", "sophie", "camille"):
        client.logout()
        if who != "outsider":
            client.force_login(getattr(people, who))
        page = client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        menu[who] = page[page.index('<nav class="main-nav"') : page.index("</header>")]
    for links in menu.values():
        assert all(word in links for word in (">Map<", ">Markets<", ">Producers<", ">Needs<", ">Observatory<"))
    assert ">Sign in<" in menu["outsider"] and "My space" not in menu["outsider"]
    assert 'href="/needs/?for=me">Needs for me<' in menu["claire"] and ">My entries<" in menu["claire"]
    assert ">Alerts<" in menu["claire"] and "Imports" not in menu["claire"] and "My needs" not in menu["claire"]
    assert ">My needs<" in menu["sophie"] and ">Answers<" in menu["sophie"] and "Needs for me" not in menu["sophie"]
    assert 'href="/coordination/">Coordination<' in menu["camille"] and 'href="/imports/">Imports<' in menu["camille"]
    assert "Coordination" not in menu["claire"] + menu["sophie"] + menu["outsider"]
    assert all('href="/carpool/">Carpool<' in menu[who] for who in ("claire", "sophie", "camille"))
    assert "Carpool" not in menu["outsider"]


def test_needs_for_me_lists_only_the_needs_the_matching_found_for_my_producers(
    client: Client, people: Any, territory: Any
) -> None:
    make_needs(territory, people)
    Membership.objects.create(user=people.claire, actor=territory.honey_farm, how="coordinator")
    client.force_login(people.claire)
    page = client.get("/needs/?for=me").content.decode()
    assert 'id="for-me"' in page and ">Miel</a>" in page and ">Miel 4</a>" not in page
    client.force_login(people.sophie)  # no producer: no match
    assert ">Miel</a>" not in client.get("/needs/?for=me").content.decode()


def done_run(owner: Actor | None = None) -> PlanningRun:
    cost = {"km": 22885.4, "hours": 10.0, "cost": 1234.5, "co2_kg": 300.0}
    report = {
        "total": {**cost, "km": 9000.0, "cost": 700.0, "co2_kg": 120.0, "share": 0.123, "verdict": "fair",
                  "value": 5690.0},
        "status_quo": cost, "saved": {"km": 13885.4, "hours": 0.0, "cost": 534.5, "co2_kg": 180.0},
        "sharing": {"proportional": [{"producer": "p1", "amount": 400.0}, {"producer": "p2", "amount": 300.0}],
                    "shapley": [{"producer": "p1", "amount": 450.25}, {"producer": "p2", "amount": 249.75}]},
        "producers": [], "customers": [],
    }  # fmt: skip
    labels = {"parties": {"p1": "Ferme <b>des Monts</b>", "p2": "Rucher"}}
    return PlanningRun.objects.create(
        week=datetime.date(2026, 11, 23), owner=owner, status=RunStatus.DONE, problem={}, labels=labels,
        plan={"rounds": [], "unserved": []}, report=report,
    )  # fmt: skip


def test_the_run_page_draws_the_gauge_alone_against_pooled_and_both_sharings_with_french_numbers(
    client: Client, people: Any
) -> None:
    run = done_run()
    client.force_login(people.camille)
    client.cookies["django_language"] = "fr"
    page = client.get(f"/logistics/runs/{run.pk}/").content.decode()
    nbsp = "\u00a0"
    assert desc_of(page, "week-gauge") == (
        f"12{nbsp}% de la valeur des marchandises transportées\u202f; objectif 10{nbsp}%, plafond 20{nbsp}%."
    )
    compare = desc_of(page, "compare-chart")
    assert compare.startswith(f"Distance\u202f: Chacun livre seul 22{nbsp}885{nbsp}km, Mutualisé 9{nbsp}000{nbsp}km")
    sharing = desc_of(page, "sharing-chart")
    assert f"Ferme <b>des Monts</b>\u202f: Proportionnel 400,00{nbsp}€, Shapley 450,25{nbsp}€" in sharing
    assert "<b>des Monts" not in page  # the producer's name stays text
    assert 'id="breadcrumbs"' not in page and 'aria-current="page">Semaine du 23 novembre 2026<' in page


def test_the_import_run_page_draws_the_accepted_and_rejected_rows(client: Client, people: Any) -> None:
    source = Source.objects.create(name="amap", label="AMAP")
    run = ImportRun.objects.create(source=source, file_name="amap.csv", file_sha256="0" * 64, status="done",
                                   rows=22885, rejected=85)  # fmt: skip
    client.force_login(people.camille)
    page = client.get(f"/imports/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert desc_of(page, "rows-chart") == "Accepted records: 22,800; Rejected records: 85."
    assert svg_of(page, "rows-chart").get("class") == "chart chart-split"


def plans_listed(page: str) -> list[str]:
    """The coordination home's latest plans, one line each: the link's address, then the item's text."""
    start = page.index('<section id="recent-plans">')
    section = ET.fromstring(page[start : page.index("</section>", start) + len("</section>")])
    return [
        f"{item.find('a').get('href')} {''.join(item.itertext())}"  # type: ignore[union-attr]
        for item in section.iter("li")
    ]


def test_the_coordination_home_lists_the_five_latest_plans_newest_first_with_their_week_carrier_and_status(
    client: Client, people: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(people.camille)
    page = client.get("/coordination/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert plans_listed(page) == [] and "No plan yet." in page
    carriers = [Actor.objects.create(name=name, is_carrier=True) for name in ("CUMA <Livradois>", "Transports Durolle")]
    start = timezone.now() - datetime.timedelta(days=10)
    runs = [
        PlanningRun.objects.create(
            week=datetime.date(2026, 11, 2) + datetime.timedelta(weeks=n), owner=carriers[n % 2] if n % 3 else None,
            status=[RunStatus.DONE, RunStatus.FAILED, RunStatus.QUEUED][n % 3], problem={}, labels={}, plan={},
            report={}, created_at=start + datetime.timedelta(days=n),
        )
        for n in range(6)
    ]  # fmt: skip
    with django_assert_max_num_queries(12):
        page = client.get("/coordination/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert plans_listed(page) == [
        f"/logistics/runs/{runs[5].pk}/ Week of 7 December 2026 · Transports Durolle — queued",
        f"/logistics/runs/{runs[4].pk}/ Week of 30 November 2026 · CUMA <Livradois> — failed",
        f"/logistics/runs/{runs[3].pk}/ Week of 23 November 2026 — done",
        f"/logistics/runs/{runs[2].pk}/ Week of 16 November 2026 · CUMA <Livradois> — queued",
        f"/logistics/runs/{runs[1].pk}/ Week of 9 November 2026 · Transports Durolle — failed",
    ]
    assert "CUMA &lt;Livradois&gt;" in page and "No plan yet." not in page
    client.cookies["django_language"] = "fr"
    page = client.get("/coordination/").content.decode()
    assert plans_listed(page)[2] == f"/logistics/runs/{runs[3].pk}/ Semaine du 23 novembre 2026 — terminé"


def test_a_plan_sent_through_the_api_without_a_week_is_named_by_the_day_it_was_made(
    client: Client, people: Any
) -> None:
    run = PlanningRun.objects.create(
        week=None, status=RunStatus.DONE, problem={}, labels={}, plan={}, report={},
        created_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0)),
    )  # fmt: skip
    client.force_login(people.camille)
    page = client.get("/coordination/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert plans_listed(page) == [f"/logistics/runs/{run.pk}/ Plan of 25 November 2026 — done"]
    client.cookies["django_language"] = "fr"
    assert plans_listed(client.get("/coordination/").content.decode()) == [
        f"/logistics/runs/{run.pk}/ Plan du 25 novembre 2026 — terminé"
    ]
