"""The groups' pages for each role: an anonymous visitor, an outsider, a member, another group's organiser,
the group's own organiser, the producer of the contract, a coordinator (a matrix per page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.groups import baskets, services
from terroir.groups.models import Absence, Contract, Distribution, Subscription

from .conftest import BEFORE, PAYMENT_DATES, Season

ROLES = ("anonymous", "outsider", "member", "other_organiser", "organiser", "producer", "coordinator")
PUBLIC = dict.fromkeys(ROLES, 200)
ORGANISERS = {"anonymous": 302, "outsider": 403, "member": 403, "other_organiser": 403, "organiser": 200,
              "producer": 403, "coordinator": 200}  # fmt: skip


@dataclass
class World:
    season: Season
    users: dict[str, Any]
    subscription: Subscription
    distribution: Distribution
    draft: Contract


@pytest.fixture
def world(season: Season, territory: Any, people: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(services, "current_day", lambda: BEFORE)  # the pages as seen before the season
    other_association = Actor.objects.create(name="Centre social des Salins", is_organisation=True)
    olivier = person("olivier@salins.example.org")
    Membership.objects.create(user=olivier, actor=other_association, how="coordinator")
    services.group_create(by=olivier, organiser=other_association, name="Groupement des Salins", kind="neighbourhood",
                          place=None, frequency="monthly", week_of_month=1, weekday=3, starts_on=dt.date(2026, 4, 1),
                          starts_at=dt.time(17), ends_at=dt.time(19))  # fmt: skip
    martin = person("martin@jardins-limagne.example.org")
    Membership.objects.create(user=martin, actor=territory.market_gardener, how="coordinator")
    subscription = services.subscription_create(contract=season.contract, by=season.bernard.user,
                                                option=season.grand, quantity=1, today=BEFORE)  # fmt: skip
    draft = services.contract_create(
        group=season.amap.group, by=season.amap.agnes, producer=territory.market_gardener,
        product=season.contract.product, title="Légumes d'été", starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 9, 30), options=[("panier", "", season.petit.price)], payment_dates=PAYMENT_DATES[:1],
    )  # fmt: skip
    users = {"anonymous": None, "outsider": people.sophie, "member": season.bernard.user, "other_organiser": olivier,
             "organiser": season.amap.agnes, "producer": martin, "coordinator": people.camille}  # fmt: skip
    distribution = season.amap.group.distributions.get(date=dt.date(2026, 4, 23))
    return World(season, users, subscription, distribution, draft)


def _status(client: Client, user: Any, url: str, method: str = "get", data: dict[str, str] | None = None) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


def _matrix(client: Client, world: World, url: str, expected: dict[str, int], **kwargs: Any) -> None:
    got = {role: _status(client, world.users[role], url, **kwargs) for role in ROLES}
    assert got == expected, url


def test_the_group_list_and_page_and_an_open_contract_are_public(client: Client, world: World) -> None:
    group, contract = world.season.amap.group, world.season.contract
    for url in ("/groups/", f"/groups/{group.pk}/", f"/groups/contracts/{contract.pk}/"):
        _matrix(client, world, url, PUBLIC)


def test_the_public_group_page_shows_the_calendar_and_contracts_never_the_members(client: Client, world: World) -> None:
    page = client.get(f"/groups/{world.season.amap.group.pk}/").content.decode()
    assert "Légumes de saison 2026" in page and "Légumes d'été" not in page  # the draft stays with its organisers
    assert "bernard" not in page and "chloe" not in page


def test_the_distribution_hours_are_said_as_the_reader_tells_the_time(client: Client, world: World) -> None:
    """ "18 h–19 h 30" for a French reader, "6 pm–7:30 pm" in English: never "18:00–19:30"."""
    group_url = f"/groups/{world.season.amap.group.pk}/"
    french = client.get(group_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "18 h–19 h 30" in french and "18:00" not in french and "19:30" not in french
    assert "6 pm–7:30 pm" in client.get(group_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(world.users["organiser"])
    distribution = client.get(f"/groups/distributions/{world.distribution.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    said = distribution.content.decode()
    assert "18 h–19 h 30" in said and "18:00–" not in said  # the form's time input keeps value="18:00"


@pytest.mark.parametrize("page", ["manage", "edit", "contract_new", "distribution", "subscriptions", "contract_edit"])
def test_the_management_pages_are_for_the_groups_organisers_and_coordinators(
    client: Client, world: World, page: str
) -> None:
    group = world.season.amap.group
    url = {"manage": f"/groups/{group.pk}/manage/", "edit": f"/groups/{group.pk}/edit/",
           "contract_new": f"/groups/{group.pk}/contracts/new/",
           "distribution": f"/groups/distributions/{world.distribution.pk}/",
           "subscriptions": f"/groups/contracts/{world.season.contract.pk}/subscriptions/",
           "contract_edit": f"/groups/contracts/{world.draft.pk}/edit/"}[page]  # fmt: skip
    _matrix(client, world, url, ORGANISERS)


def test_a_draft_contract_is_seen_by_its_organisers_and_producer_only(client: Client, world: World) -> None:
    _matrix(client, world, f"/groups/contracts/{world.draft.pk}/",
            {"anonymous": 404, "outsider": 404, "member": 404, "other_organiser": 404, "organiser": 200,
             "producer": 200, "coordinator": 200})  # fmt: skip


def test_only_members_reach_the_subscription_form(client: Client, world: World) -> None:
    url = f"/groups/contracts/{world.season.contract.pk}/subscribe/?option={world.season.petit.pk}&quantity=1"
    _matrix(client, world, url, {**ORGANISERS, "member": 200, "organiser": 403, "coordinator": 403})


def test_a_subscription_is_seen_by_its_member_and_the_groups_organisers(client: Client, world: World) -> None:
    _matrix(client, world, f"/groups/subscriptions/{world.subscription.pk}/", {**ORGANISERS, "member": 200})


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_the_quantities_are_for_the_producer_and_coordinators(client: Client, world: World, suffix: str) -> None:
    url = f"/groups/producers/{world.season.contract.producer.pk}/quantities{suffix or '/'}"
    _matrix(client, world, url, {**ORGANISERS, "organiser": 403, "producer": 200})


def test_my_subscriptions_page_is_each_signed_in_persons_own(client: Client, world: World) -> None:
    _matrix(client, world, "/groups/mine/", {role: 302 if role == "anonymous" else 200 for role in ROLES})
    client.force_login(world.users["member"])
    page = client.get("/groups/mine/").content.decode()
    assert "Légumes de saison 2026" in page and "225,00\u00a0€" in page


@pytest.mark.parametrize("action", ["state", "cancel", "role", "skip", "move", "unsubscribe"])
def test_only_the_groups_organisers_and_coordinators_act_on_it(client: Client, world: World, action: str) -> None:
    group, draft = world.season.amap.group, world.draft
    url, data = {
        "state": (f"/groups/contracts/{world.season.contract.pk}/state/", {"state": "closed"}),
        "cancel": (f"/groups/distributions/{world.distribution.pk}/cancel/", {"reason": "Grêle"}),
        "role": (f"/groups/{group.pk}/members/{world.season.chloe.pk}/role/", {"role": "organiser"}),
        "skip": (f"/groups/contracts/{draft.pk}/skip/", {"distribution": str(world.distribution.pk), "skipped": "1"}),
        "move": (f"/groups/distributions/{world.distribution.pk}/", {"starts_at": "17:00", "ends_at": "18:00"}),
        "unsubscribe": (f"/groups/subscriptions/{world.subscription.pk}/cancel/", {}),
    }[action]  # fmt: skip
    refused = {role: _status(client, world.users[role], url, "post", data)
               for role in ("anonymous", "outsider", "member", "other_organiser", "producer")}  # fmt: skip
    assert refused == {"anonymous": 302, "outsider": 403, "member": 403, "other_organiser": 403, "producer": 403}
    world.season.contract.refresh_from_db()
    world.distribution.refresh_from_db()
    world.subscription.refresh_from_db()
    assert world.season.contract.state == "open" and not world.distribution.cancelled
    assert world.distribution.starts_at == dt.time(18) and world.subscription.state == "active"
    assert _status(client, world.users["organiser"], url, "post", data) == 302


def test_a_member_subscribes_from_the_quote_to_the_confirmation(client: Client, world: World) -> None:
    season = world.season
    client.force_login(season.chloe.user)
    url = f"/groups/contracts/{season.contract.pk}/subscribe/"
    quote = client.get(url, {"option": season.petit.pk, "quantity": 2}).content.decode()
    assert 'id="total"' in quote and "Confirmer ma souscription" in quote
    response = client.post(url, {"option": season.petit.pk, "quantity": 2})
    subscription = Subscription.objects.get(member=season.chloe)
    assert response.status_code == 302 and response["Location"] == f"/groups/subscriptions/{subscription.pk}/"
    assert subscription.quantity == 2 and subscription.option == season.petit
    assert client.post(url, {"option": season.petit.pk, "quantity": 1}).status_code == 400  # once only


def test_joining_a_group_from_its_page_makes_a_member(client: Client, world: World, people: Any) -> None:
    group = world.season.amap.group
    client.force_login(people.sophie)
    assert client.post(f"/groups/{group.pk}/join/").status_code == 302
    assert group.members.filter(user=people.sophie, role="member").exists()


def test_a_member_notes_an_absence_with_a_transfer_and_withdraws_it(client: Client, world: World) -> None:
    season = world.season
    coming = season.amap.group.distributions.get(date=dt.date(2026, 4, 2))
    client.force_login(season.bernard.user)
    client.post(f"/groups/distributions/{coming.pk}/absence/", {"transfer_to_name": "Mme Roux"})
    assert Absence.objects.get(member=season.bernard).transfer_to_name == "Mme Roux"
    client.post(f"/groups/distributions/{coming.pk}/absence/", {"withdraw": "1"})
    assert not Absence.objects.filter(member=season.bernard).exists()


def test_an_organiser_records_a_members_absence_from_the_distribution_page_and_withdraws_it(
    client: Client, world: World
) -> None:
    season, url = world.season, f"/groups/distributions/{world.distribution.pk}/"
    client.force_login(world.users["organiser"])
    assert 'id="absence-form"' in client.get(url).content.decode()
    response = client.post(url + "absences/", {"member": season.bernard.pk, "transfer_to": season.chloe.pk},
                           follow=True)  # fmt: skip
    absence = Absence.objects.get(member=season.bernard, distribution=world.distribution)
    assert absence.transfer_to == season.chloe and "est notée" in response.content.decode()
    row = next(r for r in baskets.baskets_of(world.distribution) if r.member == season.bernard)
    assert row.collected_by == "c•••@example.org"
    client.post(url + "absences/", {"member": season.bernard.pk, "withdraw": "1"})
    assert not Absence.objects.filter(member=season.bernard).exists()


def test_an_organiser_cannot_give_a_members_baskets_to_themselves_or_to_both(client: Client, world: World) -> None:
    season, url = world.season, f"/groups/distributions/{world.distribution.pk}/absences/"
    client.force_login(world.users["organiser"])
    same = client.post(url, {"member": season.bernard.pk, "transfer_to": season.bernard.pk}, follow=True)
    assert "un autre membre" in same.content.decode()
    both = client.post(url, {"member": season.bernard.pk, "transfer_to": season.chloe.pk, "transfer_to_name": "X"},
                       follow=True)  # fmt: skip
    assert "pas aux deux" in both.content.decode() and not Absence.objects.exists()


def test_only_the_groups_organisers_record_a_members_absence(client: Client, world: World) -> None:
    url = f"/groups/distributions/{world.distribution.pk}/absences/"
    data = {"member": str(world.season.bernard.pk)}
    refused = {role: _status(client, world.users[role], url, "post", data)
               for role in ("anonymous", "outsider", "member", "other_organiser", "producer")}  # fmt: skip
    assert refused == {"anonymous": 302, "outsider": 403, "member": 403, "other_organiser": 403, "producer": 403}
    assert not Absence.objects.exists()
    assert _status(client, world.users["coordinator"], url, "post", data) == 302
    assert Absence.objects.get().left_to_group


def test_an_organisers_cancellation_withdraws_the_instalments_not_yet_due(world: World) -> None:
    subscription = world.subscription
    due = [(i.due_on, i.amount) for i in subscription.instalments.all()]
    assert [d for d, _a in due] == PAYMENT_DATES
    refunded = services.subscription_cancel(subscription=subscription, by=world.users["organiser"],
                                            today=dt.date(2026, 4, 15))  # fmt: skip
    assert [(i.due_on, i.amount) for i in refunded] == due[1:]
    assert [(i.due_on, i.amount) for i in subscription.instalments.all()] == due[:1]  # paid for April's baskets
    assert services.subscription_cancel(subscription=subscription, by=world.users["organiser"]) == []


def test_the_cancellation_page_tells_the_organiser_what_to_give_back(client: Client, world: World) -> None:
    client.force_login(world.users["organiser"])
    response = client.post(f"/groups/subscriptions/{world.subscription.pk}/cancel/", follow=True)
    assert "3 échéances pas encore dues (225,00\u00a0€) sont retirées" in response.content.decode()
    assert not world.subscription.instalments.exists()


def test_a_member_reads_on_their_subscription_who_to_ask_to_stop_it(client: Client, world: World) -> None:
    client.force_login(world.users["member"])
    page = client.get(f"/groups/subscriptions/{world.subscription.pk}/").content.decode()
    assert "Ce contrat vous engage pour la saison" in page and "Association AMAP des Volcans" in page


def test_the_distribution_page_lists_baskets_per_producer_and_per_member(client: Client, world: World) -> None:
    client.force_login(world.users["organiser"])
    page = client.get(f"/groups/distributions/{world.distribution.pk}/").content.decode()
    assert "EARL Les Jardins de Limagne" in page and "grand panier" in page and "b•••@example.org" in page


def test_the_producers_csv_has_a_row_per_date_and_option(client: Client, world: World) -> None:
    client.force_login(world.users["producer"])
    producer = world.season.contract.producer
    response = client.get(f"/groups/producers/{producer.pk}/quantities.csv", {"from": "2026-04-01",
                                                                              "until": "2026-04-30"})  # fmt: skip
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Date;Groupement;Lieu")
    row = (
        "AMAP des Volcans;Salle de quartier des Salins;18:00;19:30;Légumes de saison 2026;grand panier;"
        "6 à 7 kg de légumes;1;1"
    )
    assert lines[1:] == [f"2026-04-{day:02d};{row}" for day in (2, 9, 16, 23, 30)]


def _contract_form(world: World, **changes: str) -> dict[str, str]:
    return {"producer": str(world.season.contract.producer_id), "product": str(world.season.contract.product_id),
            "title": "Légumes d'automne", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "instalments": "3",
            "first_payment": "2026-10-01", "terms": "", "option_1": "petit panier", "size_1": "", "price_1": "13.10",
            "option_2": "grand panier", "size_2": "", "price_2": "19.60", **changes}  # fmt: skip


def test_the_organiser_creates_a_contract_with_monthly_payment_dates_from_the_form(
    client: Client, world: World
) -> None:
    client.force_login(world.users["organiser"])
    response = client.post(f"/groups/{world.season.amap.group.pk}/contracts/new/", _contract_form(world))
    contract = Contract.objects.get(title="Légumes d'automne")
    assert response.status_code == 302 and response["Location"] == f"/groups/contracts/{contract.pk}/"
    assert [o.label for o in contract.options.all()] == ["petit panier", "grand panier"]
    assert [p.due_on.isoformat() for p in contract.payment_dates.all()] == ["2026-10-01", "2026-11-01", "2026-12-01"]


def test_the_form_says_which_contract_overlaps_and_when(client: Client, world: World) -> None:
    client.force_login(world.users["organiser"])
    response = client.post(f"/groups/{world.season.amap.group.pk}/contracts/new/",
                           _contract_form(world, starts_on="2026-06-15", ends_on="2026-07-15"))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "Légumes de saison 2026" in page and "du 15/06/2026 au 30/06/2026" in page  # the spring contract
    assert not Contract.objects.filter(title="Légumes d'automne").exists()


def test_the_subscription_form_without_a_choice_asks_for_one_without_errors(client: Client, world: World) -> None:
    client.force_login(world.users["member"])
    response = client.get(f"/groups/contracts/{world.season.contract.pk}/subscribe/")
    assert response.status_code == 200 and "errorlist" not in response.content.decode()


def test_the_organiser_moves_one_distribution_to_other_hours_and_place_and_back(
    client: Client, world: World, territory: Any
) -> None:
    client.force_login(world.users["organiser"])
    url = f"/groups/distributions/{world.distribution.pk}/"
    market = territory.ambert_market
    market.kind = "amap"  # a place the form offers
    market.save(update_fields=["kind"])
    client.post(url, {"starts_at": "10:00", "ends_at": "12:00", "place": str(market.pk)})
    world.distribution.refresh_from_db()
    assert (world.distribution.starts_at, world.distribution.where) == (dt.time(10), market)
    client.post(url, {"starts_at": "18:00", "ends_at": "19:30", "place": str(world.season.amap.hall.pk)})
    world.distribution.refresh_from_db()
    assert world.distribution.place is None and world.distribution.where == world.season.amap.hall
    assert client.post(url, {"starts_at": "19:00", "ends_at": "18:00", "place": ""}).status_code == 400


def test_a_cancelled_subscription_makes_no_more_baskets(client: Client, world: World) -> None:
    client.force_login(world.users["organiser"])
    client.post(f"/groups/subscriptions/{world.subscription.pk}/cancel/")
    assert baskets.baskets_of(world.distribution) == []


def test_the_producers_page_lists_their_contracts_drafts_included(client: Client, world: World) -> None:
    client.force_login(world.users["producer"])
    page = client.get(f"/groups/producers/{world.season.contract.producer_id}/quantities/").content.decode()
    assert f"/groups/contracts/{world.draft.pk}/" in page and f"/groups/contracts/{world.season.contract.pk}/" in page


def test_the_producers_quantities_link_to_their_one_off_orders_to_prepare(client: Client, world: World) -> None:
    client.force_login(world.users["producer"])
    page = client.get(f"/groups/producers/{world.season.contract.producer_id}/quantities/").content.decode()
    assert 'href="/groups/orders/"' in page


def test_amounts_are_written_the_french_way_thousands_grouped_and_the_euro_sign_kept_on_the_line(
    client: Client, world: World
) -> None:
    season = world.season
    client.force_login(season.chloe.user)
    # 5 × 18.75 € × 12 deliveries = 1,125.00 €, in three instalments of 375.00 €.
    url = f"/groups/contracts/{season.contract.pk}/subscribe/"
    quote = client.get(url, {"option": season.grand.pk, "quantity": 5}).content.decode()
    assert 'id="total">1\u00a0125,00\u00a0€<' in quote and "375,00\u00a0€" in quote
