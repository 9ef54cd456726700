"""Every page carries a strict Content-Security-Policy: scripts and styles only from the platform's files,
no inline script, no event-handler attribute. With it, a name that smuggles markup past the escaping
still cannot run (the browser tests in test_browser_injection.py show both layers at work)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from terroir.directory.models import Actor, Place
from terroir.directory.services import place_create, producer_create
from terroir.logistics import services as logistics
from terroir.logistics.models import DeliveryOrder, Depot, OrderKind, PlanningRun, RunStatus, Vehicle
from terroir.needs import services as needs
from terroir.needs.models import Need
from terroir.needs.tests.test_board import cheese_need
from terroir.settings import tile_source

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2026, 11, 23)  # a Monday
PAYLOAD_HOST = "payload.invalid"
# An image whose error handler runs a script, and a tag that closes an attribute then runs one.
IMG = f'<img src=https://{PAYLOAD_HOST}/img.png onerror=alert("img")>'
SVG = '"><svg onload=alert("svg")>'


def hostile(name: str) -> str:
    return f"{name} {IMG}{SVG}"


@dataclass
class HostileWeek:
    run: PlanningRun
    place: Place
    producer: Actor
    need: Need
    names: dict[str, str]  # what each thing is called, markup included


def hostile_week(territory: Any, people: Any) -> HostileWeek:
    """A week planned for a depot, a truck, farms, customers, a delivery place and a need whose every name
    carries markup, planned there and then (no background thread)."""
    names = {
        "depot": hostile("Dépôt"), "vehicle": hostile("Camion"), "farm": hostile("Ferme"),
        "other_farm": hostile("Rucher"), "customer": hostile("Cantine"), "place": hostile("Marché"),
        "goods": hostile("Caisse"), "need": hostile("Fromages"), "buyer": hostile("SAS Volcans"),
    }  # fmt: skip
    farm = producer_create(name=names["farm"], commune=territory.ambert, lat=45.60, lon=3.70)
    other_farm = producer_create(name=names["other_farm"], commune=territory.thiers, lat=45.66, lon=3.55)
    customer = Actor.objects.create(name=names["customer"], is_buyer=True, lat=45.856, lon=3.547)
    place = place_create(name=names["place"], kind="shop", commune=territory.ambert, lat=45.549, lon=3.741,
                         producers=[farm])  # fmt: skip
    depot = Depot.objects.create(name=names["depot"], lat=45.65, lon=3.60)
    truck = Vehicle.objects.create(name=names["vehicle"], depot=depot, vehicle_type="refrigerated_truck",
                                   capacity_kg=1500, cold_kg=1500, weekdays=0b0001110)  # fmt: skip
    orders = [
        DeliveryOrder.objects.create(
            week=WEEK, kind=OrderKind.SHIPMENT, producer=producer, customer=customer, delivery_place=where,
            description=names["goods"], kg=20, value=150, weekdays=0b0001110,
        )
        for producer, where in ((farm, place), (other_farm, None))
    ]  # fmt: skip
    problem, labels = logistics.problem_for_week([truck], orders)
    run = logistics.run_start(problem, by=people.camille, week=WEEK, labels=labels, time_limit_s=1, background=False)
    assert run.status == RunStatus.DONE, run.error
    need = cheese_need(territory, people, title=names["need"], description=hostile("Détails"))
    needs.need_publish(need=need, by=people.sophie)
    Actor.objects.filter(pk=need.buyer_id).update(name=names["buyer"])
    return HostileWeek(run=run, place=place, producer=farm, need=need, names=names)


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def page_paths(week: HostileWeek) -> dict[str, str]:
    return {
        "home": "/", "search": "/?commune=Ambert&radius_km=30&kind=shop", "place": week.place.get_absolute_url(),
        "producer": week.producer.get_absolute_url(), "map": "/widget/?kind=shop", "needs board": "/needs/",
        "need": week.need.get_absolute_url(), "planner": f"/logistics/?week={WEEK.isoformat()}",
        "run": f"/logistics/runs/{week.run.pk}/", "route sheets": f"/logistics/runs/{week.run.pk}/sheets/",
        "delivery notes": f"/logistics/runs/{week.run.pk}/notes/",
        "admin login": "/admin/login/", "admin": "/admin/",
        "admin change form": f"/admin/directory/place/{week.place.pk}/change/",
        "log-in": "/account/login/", "sign-up": "/account/signup/", "e-mail addresses": "/account/email/",
        "password": "/account/password/change/", "my space": "/account/space/", "API docs": "/api/v1/docs",
        "moderation": "/moderation/", "edit place": f"/edit/place/{week.place.pk}/", "imports": "/imports/",
        "claims": "/account/space/claims/", "API keys": "/account/space/tokens/", "inbox": "/needs/inbox/",
        "edit need": f"/needs/{week.need.pk}/edit/", "meeting days": "/needs/events/",
        "order form": "/logistics/orders/new/", "orders import": "/logistics/orders/import/",
    }  # fmt: skip


# Pages of a signed-in coordinator; the others are a visitor's.
SIGNED_IN = {
    "planner", "run", "route sheets", "admin", "admin change form", "e-mail addresses", "password", "my space",
    "moderation", "edit place", "imports", "claims", "API keys", "inbox", "edit need", "meeting days", "order form",
    "orders import", "delivery notes",
}  # fmt: skip


def superuser(people: Any) -> Any:
    user = people.camille
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)
    user.refresh_from_db()
    return user


def test_every_page_type_carries_a_policy_that_refuses_inline_scripts(territory: Any, people: Any) -> None:
    week = hostile_week(territory, people)
    visitor, coordinator = Client(), Client()
    coordinator.force_login(superuser(people))
    for page, path in page_paths(week).items():
        response = (coordinator if page in SIGNED_IN else visitor).get(path)
        assert response.status_code == 200, (page, response.status_code)
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], page
        assert directives["style-src"] == ["'self'"], page
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"], page
        assert directives["form-action"] == ["'self'"] and directives["default-src"] == ["'self'"], page
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], page
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], page
        assert directives["frame-ancestors"] == (["*"] if page == "map" else ["'self'"]), page


def test_the_policy_lets_the_map_load_the_configured_tiles_and_nothing_else(client: Client, territory: Any) -> None:
    img = policy(client.get("/"))["img-src"]
    assert img == ["'self'", "data:", *tile_source(settings.TERROIR_TILE_URL)]
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == ["https://tile.openstreetmap.org"]
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == ["https://*.tile.example.org"]
    assert tile_source("/tiles/{z}/{x}/{y}.png") == [] and tile_source("") == []


def test_the_widget_may_be_framed_by_the_configured_sites_only(client: Client, territory: Any, settings: Any) -> None:
    settings.TERROIR_WIDGET_FRAME_ANCESTORS = "https://www.ville-ambert.example.fr https://*.example.org"
    widget = client.get("/widget/?kind=market")
    assert policy(widget)["frame-ancestors"] == ["https://www.ville-ambert.example.fr", "https://*.example.org"]
    assert policy(widget)["script-src"] == ["'self'"]  # framed, and as strict as every other page
    assert "X-Frame-Options" not in widget
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_no_template_writes_inline_script_style_or_event_handlers_or_marks_data_safe() -> None:
    """The policy refuses inline code: a page that needs some is broken, so none is written (JSON data
    blocks excepted: they are data, not code). Nothing is marked safe but the JSON-LD, escaped by
    script_json."""
    import re

    offenders = []
    for path in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)", r"\son[a-z]+=", r"\sstyle=",
                        r"javascript:", r"<style", r"(?<!json_ld)\|\s*safe", r"autoescape off"):  # fmt: skip
            offenders += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []
