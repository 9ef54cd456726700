"""Every date input of the site, in French: the page renders the date the way `<input type=date>` takes it
(ISO, never "30/11/2026", which the browser would show empty and the form then refuse), and the form
submitted back as the page gave it keeps the date. One case per form with a date; a guard fails when a
new form's date field does not use the one ISO widget (terroir.directory.forms.date_input)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.utils import timezone

from terroir.carpool.eligibility import eligibility_seed
from terroir.carpool.models import Parcel, Trip
from terroir.directory.models import Actor, Category, Place
from terroir.groups import services as groups
from terroir.groups.models import Contract, Distribution, Group, OrderRound
from terroir.groups.tests.conftest import amap_build
from terroir.groups.tests.world_orders import next_thursday, world_build
from terroir.logistics.models import DeliveryOrder, OrderKind
from terroir.meetings.models import Event
from terroir.needs import services as needs
from terroir.needs.models import Answer, Need
from terroir.shops import services as shops
from terroir.shops.models import CommissionRate, Rota, Sale, Seller
from terroir.shops.tests.conftest import le_local_build
from terroir.solidarity.models import AgreedPrice, Programme
from terroir.solidarity.tests.conftest import panier_build
from terroir.supply import services as supply
from terroir.supply.models import AgreementChange
from terroir.supply.tests.test_agreements import TODAY as AGREEMENT_TODAY
from terroir.supply.tests.test_agreements import offer as agreement_offer

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)  # a Monday: also a week of orders


class FormReader(HTMLParser):
    """The fields of the page's form holding `wanted`, as a browser submits them."""

    def __init__(self, wanted: str):
        super().__init__()
        self.wanted = wanted
        self.forms: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.first_option: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = {"action": a.get("action", ""), "data": [], "inputs": {}}
            self.forms.append(self.current)
        if self.current is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            self.current["inputs"][name] = a
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.current["data"].append((name, a.get("value", "")))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select:
            self.first_option.setdefault(self.select, a.get("value", ""))
            if "selected" in a:
                self.current["data"].append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = name
            self.current["data"].append((name, ""))

    def handle_data(self, data: str) -> None:
        if self.textarea and self.current:
            name, _value = self.current["data"][-1]
            self.current["data"][-1] = (name, data.removeprefix("\n"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select and self.current:
            if not any(n == self.select for n, _v in self.current["data"]):
                self.current["data"].append((self.select, self.first_option.get(self.select, "")))
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None

    def form(self) -> dict[str, Any]:
        found = [f for f in self.forms if self.wanted in f["inputs"]]
        assert found, f"no form with a {self.wanted!r} input"
        return found[0]


def page_form(page: str, wanted: str) -> tuple[dict[str, Any], dict[str, str]]:
    reader = FormReader(wanted)
    reader.feed(page)
    form = reader.form()
    data: dict[str, Any] = {}
    for name, value in form["data"]:
        data.setdefault(name, []).append(value)
    return form, {k: v if len(v) > 1 else v[0] for k, v in data.items()}


@dataclass
class Case:
    user: Any
    url: str  # the page with the form
    field: str  # its date input
    stored: Callable[[], dt.date | None]  # the date as saved
    extra: dict[str, str]  # what a person adds before sending (a button's name)
    # The page renders the date only once it was entered (a form that creates): entered first, refused
    # for another field, the page given back holds it.
    first: dict[str, str] | None = None
    # A date and time field (`datetime-local`): the ISO text the page renders and the moment stored.
    value: str = DAY.isoformat()
    expected: Any = DAY
    input_type: str = "date"


def place_closed(territory: Any, people: Any) -> Case:
    shop = territory.farm_shop
    Place.objects.filter(pk=shop.pk).update(closed_at=DAY)
    return Case(people.claire, f"/edit/place/{shop.pk}/", "closed_at",
                lambda: Place.objects.get(pk=shop.pk).closed_at, {})  # fmt: skip


def need_start(territory: Any, people: Any) -> Case:
    # A need may not start in the past (the needs' service): a start a week from today.
    start = timezone.localdate() + dt.timedelta(days=7)
    company = Actor.objects.get(name="SAS Supermarché des Volcans")
    values = {"title": "Fromages", "category": "cow-cheese", "quantity": "40", "unit": "kg", "frequency": "weekly",
              "months": 4095, "delivery_place": territory.clermont_supermarket, "delivery_weekdays": 2, "max_km": 100,
              "start_date": start}  # fmt: skip
    need = needs.need_save(buyer=company, by=people.sophie, values=values)
    return Case(people.sophie, f"/needs/{need.pk}/edit/", "start_date",
                lambda: Need.objects.get(pk=need.pk).start_date, {"draft": ""},
                value=start.isoformat(), expected=start)  # fmt: skip


def answer_first_delivery(territory: Any, people: Any) -> Case:
    company = Actor.objects.get(name="SAS Supermarché des Volcans")
    values = {"title": "Beurre", "category": "butter-cream", "quantity": "10", "unit": "kg", "frequency": "weekly",
              "months": 4095, "delivery_place": territory.clermont_supermarket, "delivery_weekdays": 2,
              "max_km": 100}  # fmt: skip
    need = needs.need_save(buyer=company, by=people.sophie, values=values)
    needs.need_publish(need=need, by=people.sophie)
    needs.answer_submit(need=need, producer=territory.cheese_farm, by=people.claire, kind="offer", price="9.50",
                        volume="10", first_delivery=DAY)  # fmt: skip
    return Case(people.claire, f"/needs/{need.pk}/", "first_delivery",
                lambda: Answer.objects.get(need=need).first_delivery, {})  # fmt: skip


def order_week(territory: Any, people: Any) -> Case:
    buyer = Actor.objects.create(name="Cantine de Thiers", is_buyer=True, lat=45.856, lon=3.547)
    order = DeliveryOrder.objects.create(
        week=DAY, kind=OrderKind.SHIPMENT, producer=territory.cheese_farm, customer=buyer, description="Caisse",
        kg=20, value=100, weekdays=0b10,
    )  # fmt: skip
    return Case(people.camille, f"/logistics/orders/{order.pk}/", "week",
                lambda: DeliveryOrder.objects.get(pk=order.pk).week, {})  # fmt: skip


def meeting_date(territory: Any, people: Any) -> Case:
    first = {"title": "", "date": DAY.isoformat(), "start_time": "14:00", "slot_minutes": "15", "slots": "8",
             "tables": "6", "location": "Salle des fêtes"}  # fmt: skip
    return Case(people.camille, "/needs/events/", "date", lambda: Event.objects.get().date,
                {"title": "Rencontres producteurs-acheteurs"}, first=first)  # fmt: skip


def _trip(people: Any, field: str) -> Case:
    """Hugo offers a trip; the commune left out, the form comes back with the day and its last repeat. A trip
    is for today or later (the carpool's service): a day a week from today."""
    day = timezone.localdate() + dt.timedelta(days=7)
    first = {"origin": "", "origin_address": "", "destination": "Clermont-Ferrand", "destination_address": "",
             "stops": "", "day": day.isoformat(), "leaves": "08:00", "arrives_by": "10:30", "weekdays": "0",
             "until": day.isoformat(), "free_kg": "50", "free_litres": "200", "condition": "refrigerated",
             "detour_minutes": "15", "price_rule": "free", "price": "", "note": "", "organisation": ""}  # fmt: skip
    return Case(people.hugo, "/carpool/trips/new/", field, lambda: getattr(Trip.objects.get(), field),
                {"origin": "Thiers"}, first=first, value=day.isoformat(), expected=day)  # fmt: skip


def trip_day(territory: Any, people: Any) -> Case:
    return _trip(people, "day")


def trip_until(territory: Any, people: Any) -> Case:
    return _trip(people, "until")


def parcel_day(territory: Any, people: Any) -> Case:
    eligibility_seed()  # a transactional test's flush emptied the table the migration seeded
    day = timezone.localdate() + dt.timedelta(days=7)  # a parcel travels today or later
    first = {"description": "", "category": str(Category.objects.get(slug="cow-cheese").pk),
             "origin": "Courpière", "origin_address": "", "destination": "Clermont-Ferrand",
             "destination_address": "", "recipient": people.sophie.email, "day": day.isoformat(),
             "ready_at": "07:00", "due_by": "11:00", "kg": "8", "litres": "20", "condition": "none",
             "value": "120", "organisation": ""}  # fmt: skip
    return Case(people.claire, "/carpool/parcels/new/", "day", lambda: Parcel.objects.get().day,
                {"description": "Fourme d'Ambert"}, first=first, value=day.isoformat(), expected=day)  # fmt: skip


def sale_sold_on(territory: Any, people: Any) -> Case:
    local = le_local_build(territory, people)
    first = {"product": str(local.fourme.pk), "sold_on": DAY.isoformat(), "quantity": ""}
    return Case(local.florent, f"/shops/{local.shop.pk}/sales/", "sold_on",
                lambda: Sale.objects.get(shop=local.shop).sold_on, {"quantity": "2"}, first=first)  # fmt: skip


def _absence(territory: Any, people: Any, field: str) -> Case:
    """Claire marks her own absence (an associate sees only that form); the person left out at first."""
    local = le_local_build(territory, people)
    first = {"member": "", "first_day": DAY.isoformat(), "last_day": DAY.isoformat()}
    return Case(people.claire, f"/shops/{local.shop.pk}/rota/", field,
                lambda: getattr(local.claire.absences.get(), field), {"member": str(local.claire.pk)},
                first=first)  # fmt: skip


def absence_first_day(territory: Any, people: Any) -> Case:
    return _absence(territory, people, "first_day")


def absence_last_day(territory: Any, people: Any) -> Case:
    return _absence(territory, people, "last_day")


def rota_first_day(territory: Any, people: Any) -> Case:
    """Florent computes a rota (his page shows the rota form first); the weeks left out at first."""
    local = le_local_build(territory, people)
    shops.opening_slot_add(shop=local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    first = {"first_day": DAY.isoformat(), "weeks": ""}
    return Case(local.florent, f"/shops/{local.shop.pk}/rota/", "first_day",
                lambda: Rota.objects.get(shop=local.shop).first_day, {"weeks": "1"}, first=first)  # fmt: skip


def _programme(territory: Any, people: Any, field: str) -> Case:
    """Camille creates a solidarity grocery programme; the name left out at first."""
    panier = panier_build(territory, people)
    first = {"name": "", "funder": str(panier.ccas.pk), "groceries": str(panier.grocery.pk), "share_kind": "percent",
             "share_percent": "30", "share_amount": "", "share_cap": "", "budget": "250", "starts": DAY.isoformat(),
             "ends": DAY.isoformat()}  # fmt: skip
    return Case(people.camille, "/solidarity/", field, lambda: getattr(Programme.objects.get(name="Hiver"), field),
                {"name": "Hiver"}, first=first)  # fmt: skip


def programme_starts(territory: Any, people: Any) -> Case:
    return _programme(territory, people, "starts")


def programme_ends(territory: Any, people: Any) -> Case:
    return _programme(territory, people, "ends")


def programme_changed_ends(territory: Any, people: Any) -> Case:
    """Camille moves a programme's last day on its page."""
    panier = panier_build(territory, people)
    Programme.objects.filter(pk=panier.programme.pk).update(ends=DAY)
    return Case(people.camille, f"/solidarity/programmes/{panier.programme.pk}/", "ends",
                lambda: Programme.objects.get(pk=panier.programme.pk).ends, {})  # fmt: skip


def price_valid_from(territory: Any, people: Any) -> Case:
    """Claire sets an agreed price for a solidarity grocery programme; the product left out at first."""
    panier = panier_build(territory, people)
    first = {"programme": str(panier.programme.pk), "grocery": "", "product": "", "unit": "kg", "price": "14.50",
             "valid_from": DAY.isoformat()}  # fmt: skip
    url = f"/solidarity/producers/{territory.cheese_farm.pk}/"
    return Case(people.claire, url, "valid_from", lambda: AgreedPrice.objects.get(product="Tomme").valid_from,
                {"product": "Tomme"}, first=first)  # fmt: skip


def group_starts_on(territory: Any, people: Any) -> Case:
    amap = amap_build(territory)
    Group.objects.filter(pk=amap.group.pk).update(starts_on=DAY)
    return Case(amap.agnes, f"/groups/{amap.group.pk}/edit/", "starts_on",
                lambda: Group.objects.get(pk=amap.group.pk).starts_on, {})  # fmt: skip


def _generate(territory: Any, people: Any, field: str, other: str) -> Case:
    """Agnès adds Monday distributions from DAY to DAY; the other end of the range left out at first."""
    amap = amap_build(territory)
    Group.objects.filter(pk=amap.group.pk).update(weekday=DAY.weekday(), starts_on=DAY)
    return Case(amap.agnes, f"/groups/{amap.group.pk}/manage/", field,
                lambda: Distribution.objects.get(group=amap.group).date, {other: DAY.isoformat()},
                first={field: DAY.isoformat(), other: ""})  # fmt: skip


def generate_first_day(territory: Any, people: Any) -> Case:
    return _generate(territory, people, "first_day", "last_day")


def generate_last_day(territory: Any, people: Any) -> Case:
    return _generate(territory, people, "last_day", "first_day")


def _contract(territory: Any, people: Any, field: str) -> Case:
    """Agnès changes a draft contract of one day, paid that day."""
    amap = amap_build(territory)
    contract = groups.contract_create(
        group=amap.group, by=amap.agnes, producer=territory.market_gardener,
        product=Category.objects.get(slug="vegetables"), title="Légumes", starts_on=DAY, ends_on=DAY,
        options=[("petit panier", "", Decimal("12.55"))], payment_dates=[DAY],
    )  # fmt: skip

    def stored() -> dt.date | None:
        found = Contract.objects.get(pk=contract.pk)
        return found.payment_dates.get().due_on if field == "first_payment" else getattr(found, field)

    return Case(amap.agnes, f"/groups/contracts/{contract.pk}/edit/", field, stored, {})


def contract_starts_on(territory: Any, people: Any) -> Case:
    return _contract(territory, people, "starts_on")


def contract_ends_on(territory: Any, people: Any) -> Case:
    return _contract(territory, people, "ends_on")


def contract_first_payment(territory: Any, people: Any) -> Case:
    return _contract(territory, people, "first_payment")


def order_round_closes_at(territory: Any, people: Any) -> Case:
    """Agnès opens a one-off order for a distribution three weeks ahead; the producers left out at first."""
    world = world_build(territory, people)
    day = next_thursday(21)
    groups.distributions_generate(group=world.group, start=day, end=day, by=world.amap.agnes)
    distribution = world.group.distributions.get(date=day)
    closes = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(20, 30))
    first = {"form": "round", "closes_at": closes.strftime("%Y-%m-%dT%H:%M"), "note": ""}
    return Case(world.amap.agnes, f"/groups/distributions/{distribution.pk}/order/", "closes_at",
                lambda: timezone.localtime(OrderRound.objects.get(distribution=distribution).closes_at),
                {"producers": str(territory.cheese_farm.pk)}, first=first, value=first["closes_at"],
                expected=timezone.make_aware(closes), input_type="datetime-local")  # fmt: skip


def agreement_effective_from(territory: Any, people: Any) -> Case:
    """Sophie moves her agreement to every other week from a Monday ahead; the delivery days left out at
    first. The week must not be past, so it is counted from the real today."""
    agreement = supply.agreement_accept(answer=agreement_offer(territory, people), by=people.sophie,
                                        today=AGREEMENT_TODAY)  # fmt: skip
    day = dt.date.today() - dt.timedelta(days=dt.date.today().weekday()) + dt.timedelta(weeks=3)
    first = {"frequency": "fortnightly", "effective_from": day.isoformat()}
    return Case(people.sophie, f"/supply/agreements/{agreement.pk}/schedule/", "effective_from",
                lambda: AgreementChange.objects.get(agreement=agreement, kind="schedule").effective_from,
                {"weekdays": "1"}, first=first, value=day.isoformat(), expected=day)  # fmt: skip


def _seller_page(territory: Any, people: Any, field: str, extra: dict[str, str], stored: Callable[[Any], Any]) -> Case:
    """The shop's manager on a depositor's page: the date is today's (a rate changes from today on)."""
    local = le_local_build(territory, people)
    today = timezone.localdate()
    return Case(local.florent, f"/shops/{local.shop.pk}/sellers/{local.depositor.pk}/", field,
                lambda: stored(local), extra, value=today.isoformat(), expected=today)  # fmt: skip


def seller_rate_applies_from(territory: Any, people: Any) -> Case:
    return _seller_page(territory, people, "applies_from", {"commission_percent": "20"},
                        lambda local: CommissionRate.objects.filter(seller=local.depositor).latest("valid_from")
                        .valid_from)  # fmt: skip


def seller_last_day(territory: Any, people: Any) -> Case:
    return _seller_page(territory, people, "last_day", {},
                        lambda local: Seller.objects.get(pk=local.depositor.pk).ended_on)  # fmt: skip


def shop_default_applies_from(territory: Any, people: Any) -> Case:
    local = le_local_build(territory, people)
    today = timezone.localdate()
    return Case(local.florent, f"/shops/{local.shop.pk}/catalogue/", "applies_from",
                lambda: CommissionRate.objects.filter(shop=local.shop, seller=None).latest("valid_from").valid_from,
                {"default_percent": "20"}, value=today.isoformat(), expected=today)  # fmt: skip


CASES = [place_closed, need_start, answer_first_delivery, order_week, meeting_date, trip_day, trip_until, parcel_day,
         sale_sold_on, absence_first_day, absence_last_day, rota_first_day, programme_starts, programme_ends,
         programme_changed_ends, price_valid_from, group_starts_on, generate_first_day, generate_last_day,
         contract_starts_on, contract_ends_on, contract_first_payment, order_round_closes_at,
         agreement_effective_from, seller_rate_applies_from, seller_last_day, shop_default_applies_from]  # fmt: skip


@pytest.mark.parametrize("make", CASES, ids=lambda make: make.__name__)
def test_in_french_each_date_is_rendered_iso_and_the_form_sent_back_keeps_it(
    client: Client, territory: Any, people: Any, make: Callable[..., Case]
) -> None:
    case = make(territory, people)
    client.force_login(case.user)
    client.cookies.load({"django_language": "fr"})
    response = client.post(case.url, case.first, HTTP_ACCEPT_LANGUAGE="fr") if case.first else None
    if response is None:
        response = client.get(case.url, HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert 'lang="fr"' in page
    form, data = page_form(page, case.field)
    date_input = form["inputs"][case.field]
    assert date_input.get("type") == case.input_type
    assert date_input.get("value") == case.value, date_input  # not "30/11/2026"
    sent = client.post(form["action"] or case.url, {**data, **case.extra}, HTTP_ACCEPT_LANGUAGE="fr")
    assert sent.status_code in (200, 302), sent.content.decode()[-2000:]
    assert "Ce champ est obligatoire" not in sent.content.decode()
    assert case.stored() == case.expected


def date_fields() -> list[tuple[str, str]]:
    """Every date field of every form class of the apps' view and form modules."""
    return form_fields(forms.DateField)


def form_fields(kind: type[forms.Field]) -> list[tuple[str, Any]]:
    """Every field of that kind of every form class of the apps' view and form modules (views_*.py too)."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted(root.glob("*/*.py")):
        named = path.stem in ("views", "forms", "account_views", "event_views") or path.stem.startswith("views_")
        if not named or "tests" in path.parts:
            continue
        module = importlib.import_module(f"terroir.{path.parent.name}.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                for name, field in getattr(value, "base_fields", {}).items():
                    if isinstance(field, kind):
                        found.append((f"{value.__module__}.{value.__name__}.{name}", field.widget))
    return found


def test_every_date_field_of_a_form_uses_the_iso_date_input() -> None:
    from terroir.directory.forms import form_field_of

    widgets = [*date_fields(), ("terroir.directory.forms.form_field_of.closed_at", form_field_of("closed_at").widget)]
    assert len(widgets) >= 5
    for where, widget in widgets:
        assert isinstance(widget, forms.DateInput) and widget.input_type == "date", where
        assert widget.format == "%Y-%m-%d", where
    # Each form with a date is in the round trip above.
    covered = {"closed_at", "start_date", "first_delivery", "week", "date", "day", "until", "sold_on", "first_day",
               "last_day", "starts", "ends", "valid_from", "starts_on", "ends_on", "first_payment",
               "effective_from", "applies_from"}  # fmt: skip
    assert {where.rsplit(".", 1)[1] for where, _w in widgets} <= covered


def test_every_date_and_time_field_of_a_form_uses_the_iso_datetime_input() -> None:
    widgets = form_fields(forms.DateTimeField)
    assert any(where.endswith(".closes_at") for where, _w in widgets)  # the one-off order round: in the round trip
    for where, widget in widgets:
        assert isinstance(widget, forms.DateTimeInput) and widget.input_type == "datetime-local", where
        assert widget.format == "%Y-%m-%dT%H:%M", where
