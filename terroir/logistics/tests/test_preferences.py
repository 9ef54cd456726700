"""A producer's standing choice per customer (DeliveryPreference): set on the producer's page by their
people or a coordinator (every role), taken by new orders — typed, imported, made by an agreement — each
of which can still change its own; orders already made keep theirs."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from terroir.conftest import person
from terroir.directory.models import Actor, Category
from terroir.directory.services import actor_create
from terroir.logistics import services
from terroir.logistics.models import DeliveryMode, DeliveryOrder, DeliveryPreference, Depot, OrderKind
from terroir.logistics.orders_import import orders_read, orders_save
from terroir.logistics.tests.test_delivery_mode import ORDER, WEEK, relay_week

pytestmark = pytest.mark.django_db


def shop_order(territory: Any, week: dict[str, Any]) -> DeliveryOrder:
    return DeliveryOrder.objects.create(week=WEEK, kind=OrderKind.SHIPMENT, producer=territory.cheese_farm,
                                        customer=week["shop"], kg=10, value=100)  # fmt: skip


ROLES = ("anonymous", "nobody", "own_producer", "other_producer", "buyer", "coordinator")


def user_of(role: str, people: Any) -> Any:
    return {"nobody": None, "own_producer": people.claire, "other_producer": people.hugo, "buyer": people.sophie,
            "coordinator": people.camille}.get(role)  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_producer_s_people_and_coordinators_set_its_usual_choices(
    territory: Any, people: Any, role: str, method: str
) -> None:
    week = relay_week(territory)
    shop_order(territory, week)
    client = Client()
    if role == "nobody":
        client.force_login(person("nina@example.org"))
    elif role != "anonymous":
        client.force_login(user_of(role, people))
    url = f"/logistics/preferences/{territory.cheese_farm.pk}/"
    data = {f"mode_{week['shop'].pk}": "self", f"relay_{week['shop'].pk}": "",
            f"mode_{week['canteen'].pk}": "pooled", f"relay_{week['canteen'].pk}": ""}  # fmt: skip
    response = client.get(url) if method == "get" else client.post(url, data)
    allowed = role in ("own_producer", "coordinator")
    if role == "anonymous":
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    elif not allowed:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if method == "get" else 302)
    if method == "get" and allowed:
        assert "Magasin Les Volcans" in response.content.decode()
    chosen = DeliveryPreference.objects.filter(producer=territory.cheese_farm, customer=week["shop"]).first()
    assert (chosen is not None and chosen.delivery_mode == "self") == (method == "post" and allowed)


def test_a_producer_s_person_is_sent_to_their_own_page_and_the_others_have_none(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.claire)
    response = client.get("/logistics/preferences/")
    assert response["Location"] == f"/logistics/preferences/{territory.cheese_farm.pk}/"
    assert f'id="preferences-link-{territory.cheese_farm.pk}"' in client.get("/account/space/").content.decode()
    client.force_login(people.sophie)
    assert client.get(f"/logistics/preferences/{territory.cheese_farm.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["nobody", "buyer", "coordinator"])
def test_a_person_of_no_producer_reads_what_the_page_is_for_and_who_uses_it(
    territory: Any, people: Any, role: str
) -> None:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(person("nina@example.org") if role == "nobody" else user_of(role, people))
    response = client.get("/logistics/preferences/")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="preferences-purpose"' in page and 'id="preferences-who"' in page
    assert "coordinateurs du territoire" in page
    # A coordinator finds the producer whose choices to open; the others are told how to join one.
    assert ('id="producer-search"' in page) == (role == "coordinator")
    assert ("Votre compte n’appartient à aucun producteur" in page) == (role != "coordinator")
    found = client.get("/logistics/preferences/", {"q": "monts forez"}).content.decode()
    assert (f'href="/logistics/preferences/{territory.cheese_farm.pk}/"' in found) == (role == "coordinator")
    assert ("Trouver un producteur" in found) == (role == "coordinator")
    assert client.post("/logistics/preferences/", {}).status_code == 404


def test_a_relay_choice_needs_its_platform_and_nothing_is_kept_when_one_row_is_wrong(
    client: Client, territory: Any, people: Any
) -> None:
    week = relay_week(territory)
    shop_order(territory, week)
    DeliveryOrder.objects.create(week=WEEK, kind=OrderKind.SHIPMENT, producer=territory.cheese_farm,
                                 customer=week["canteen"], kg=10, value=100)  # fmt: skip
    client.force_login(people.claire)
    url = f"/logistics/preferences/{territory.cheese_farm.pk}/"
    data = {f"mode_{week['shop'].pk}": "self", f"relay_{week['shop'].pk}": "",
            f"mode_{week['canteen'].pk}": "relay", f"relay_{week['canteen'].pk}": ""}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400 and "Indiquez la plateforme relais" in response.content.decode()
    assert not DeliveryPreference.objects.exists()
    data[f"relay_{week['canteen'].pk}"] = str(week["platform"].pk)
    assert client.post(url, data).status_code == 302
    assert {(p.customer, p.delivery_mode, p.relay) for p in DeliveryPreference.objects.all()} == {
        (week["shop"], "self", None),
        (week["canteen"], "relay", week["platform"]),
    }
    with pytest.raises(ValidationError):
        services.preference_set(producer=territory.cheese_farm, customer=week["shop"], mode="pooled",
                                relay=week["platform"])  # fmt: skip


def test_a_new_order_typed_as_usual_takes_the_producer_s_choice_and_can_still_change_it(
    client: Client, territory: Any, people: Any
) -> None:
    week = relay_week(territory)
    services.preference_set(producer=territory.cheese_farm, customer=week["shop"], mode="relay",
                            relay=week["platform"])  # fmt: skip
    client.force_login(people.camille)
    form = client.get("/logistics/orders/new/").content.decode()
    assert "comme d’habitude pour ce client" in form
    data = ORDER | {"producer": territory.cheese_farm.pk, "customer": week["shop"].pk, "delivery_mode": ""}
    assert client.post("/logistics/orders/new/", data).status_code == 302
    usual = DeliveryOrder.objects.latest("pk")
    assert (usual.delivery_mode, usual.relay) == ("relay", week["platform"])
    # Told otherwise, the order keeps what it was told; changed later, it keeps the change.
    assert client.post("/logistics/orders/new/", data | {"delivery_mode": "self"}).status_code == 302
    assert DeliveryOrder.objects.latest("pk").delivery_mode == "self"
    changed = data | {"delivery_mode": "pooled"}
    assert client.post(f"/logistics/orders/{usual.pk}/", changed).status_code == 302
    usual.refresh_from_db()
    assert (usual.delivery_mode, usual.relay) == ("pooled", None)
    # Another customer of the same producer: the pooled round, the default.
    other = data | {"customer": week["canteen"].pk}
    assert client.post("/logistics/orders/new/", other).status_code == 302
    assert DeliveryOrder.objects.latest("pk").delivery_mode == "pooled"


def test_a_relay_choice_does_not_reach_an_order_that_cannot_pass_a_platform(territory: Any) -> None:
    week = relay_week(territory)
    services.preference_set(producer=territory.cheese_farm, customer=week["shop"], mode="relay",
                            relay=week["platform"])  # fmt: skip
    delivery = DeliveryOrder(week=WEEK, kind=OrderKind.DELIVERY, producer=territory.cheese_farm,
                             customer=week["shop"], kg=5)  # fmt: skip
    services.order_save(order=delivery, usual=True)
    assert (delivery.delivery_mode, delivery.relay) == ("pooled", None)


def test_imported_lines_without_a_mode_take_the_producer_s_choice(territory: Any, tmp_path: Path) -> None:
    week = relay_week(territory)
    services.preference_set(producer=territory.cheese_farm, customer=week["shop"], mode="self")
    farm, shop, canteen = territory.cheese_farm.name, week["shop"].name, week["canteen"].name
    path = tmp_path / "commandes.csv"  # synthetic rows
    path.write_text(f"producteur;client;kg;livre_par\n{farm};{shop};10;\n{farm};{shop};10;tournee\n"
                    f"{farm};{canteen};10;\n", encoding="utf-8")  # fmt: skip
    read = orders_read(path, week=WEEK, depots=Depot.objects.all())
    before = DeliveryOrder.objects.count()
    assert read.problems == [] and orders_save(read, by=None, owner=None) == 3
    assert [o.delivery_mode for o in DeliveryOrder.objects.order_by("pk")[before:]] == ["self", "pooled", "pooled"]


def test_orders_already_made_keep_their_mode_when_the_choice_changes(territory: Any, people: Any) -> None:
    week = relay_week(territory)
    # A carpool parcel is signed for at both ends: Claire for the cheese farm, the shop by its address's code.
    week["shop"].email = "commandes@volcans.example.org"
    Actor.objects.filter(pk=week["shop"].pk).update(email=week["shop"].email)
    before = shop_order(territory, week)
    services.preference_set(producer=territory.cheese_farm, customer=week["shop"], mode=DeliveryMode.CARPOOL)
    before.refresh_from_db()
    assert before.delivery_mode == "pooled"
    [made] = services.orders_create(
        orders=[
            DeliveryOrder(
                # A week to come, counted from the real today: its carpool parcel may not travel on a day gone by.
                week=datetime.date.today() + datetime.timedelta(days=14 - datetime.date.today().weekday()),
                producer=territory.cheese_farm,
                customer=week["shop"],
                kg=10,
                category=Category.objects.get(slug="eggs"),
            )
        ],
        usual=True,
    )  # fmt: skip  (a family that rides a carpool trip as it is)
    assert made.delivery_mode == "carpool"


def directory_customers(territory: Any) -> dict[str, Actor]:
    """Customers of the directory the cheese farm has never delivered (made as the directory makes them, with
    their search words), and a producer that buys nothing."""
    return {
        "canteen": actor_create(name="Cantine scolaire Jean-Zay", is_buyer=True, buyer_kind="canteen",
                                commune=territory.thiers),
        "restaurant": actor_create(name="Restaurant Le Thiernois", is_buyer=True, buyer_kind="restaurant",
                                   commune=territory.thiers),
        "epicerie": actor_create(name="Épicerie du Forez", is_buyer=True, commune=territory.ambert),
        "farm": actor_create(name="Ferme de Thiers", is_producer=True, commune=territory.thiers),
    }  # fmt: skip


def test_the_preferences_page_finds_any_customer_of_the_directory_by_its_name_or_its_commune(
    client: Client, territory: Any, people: Any
) -> None:
    found = directory_customers(territory)
    client.force_login(people.claire)
    url = f"/logistics/preferences/{territory.cheese_farm.pk}/"
    assert 'id="customer-search"' in client.get(url).content.decode()

    def names(query: str) -> set[str]:
        page = client.get(url, {"q": query}).content.decode()
        return {a.name for a in found.values() if f'id="found-{a.pk}"' in page}

    assert names("thiers") == {"Cantine scolaire Jean-Zay", "Restaurant Le Thiernois"}  # a producer is no customer
    assert names("cantine thi") == {"Cantine scolaire Jean-Zay"}
    assert names("epicerie") == {"Épicerie du Forez"}  # accents and case aside
    assert 'id="no-customer-found"' in client.get(url, {"q": "boulangerie"}).content.decode()
    services.preference_set(producer=territory.cheese_farm, customer=found["canteen"], mode="self")
    assert names("thiers") == {"Restaurant Le Thiernois"}  # listed above already


def test_the_search_hint_says_how_to_search_and_names_no_customer_that_may_not_exist(
    client: Client, territory: Any, people: Any
) -> None:
    client.force_login(people.claire)
    page = client.get(f"/logistics/preferences/{territory.cheese_farm.pk}/", headers={"accept-language": "fr"})
    text = page.content.decode()
    # "cantine Thiers" found nothing in the demo: the hint gives the rule, not an example.
    assert "Des mots de son nom ou de sa commune, ou leur début." in text and "cantine Thiers" not in text


def test_a_customer_found_is_added_with_its_usual_choice_and_listed_with_the_others(
    client: Client, territory: Any, people: Any
) -> None:
    canteen = directory_customers(territory)["canteen"]
    platform = Depot.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.10)
    client.force_login(people.claire)
    url = f"/logistics/preferences/{territory.cheese_farm.pk}/"
    add = f"{url}add/"
    refused = client.post(add, {"customer": canteen.pk, "delivery_mode": "relay", "relay": "", "q": "jean zay"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "Indiquez la plateforme relais" in page and f'id="found-{canteen.pk}"' in page
    assert not DeliveryPreference.objects.exists()
    made = client.post(add, {"customer": canteen.pk, "delivery_mode": "relay", "relay": platform.pk, "q": "jean"})
    assert made.status_code == 302 and made["Location"] == f"{url}#customer-{canteen.pk}"
    chosen = DeliveryPreference.objects.get()
    assert (chosen.producer, chosen.customer, chosen.delivery_mode, chosen.relay) == (
        territory.cheese_farm,
        canteen,
        "relay",
        platform,
    )
    page = client.get(url).content.decode()
    assert f'id="customer-{canteen.pk}"' in page and "fait partie de vos clients" in page
    farm = Actor.objects.get(name="Ferme de Thiers")  # not a customer: not a choice
    assert client.post(add, {"customer": farm.pk, "delivery_mode": "self"}).status_code == 400
    assert client.post(add, {"customer": territory.cheese_farm.pk, "delivery_mode": "self"}).status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_only_the_producer_s_people_and_coordinators_add_a_customer_of_the_directory(
    territory: Any, people: Any, role: str
) -> None:
    canteen = directory_customers(territory)["canteen"]
    client = Client()
    if role == "nobody":
        client.force_login(person("nina@example.org"))
    elif role != "anonymous":
        client.force_login(user_of(role, people))
    response = client.post(f"/logistics/preferences/{territory.cheese_farm.pk}/add/",
                           {"customer": canteen.pk, "delivery_mode": "self"})  # fmt: skip
    allowed = role in ("own_producer", "coordinator")
    if role == "anonymous":
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    else:
        assert response.status_code == (302 if allowed else 404)
    assert DeliveryPreference.objects.filter(customer=canteen).exists() == allowed


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Comment la marchandise voyage"), ("en", "How the goods travel")]
)
def test_the_ways_of_delivering_are_asked_as_a_question_their_choices_answer(
    territory: Any, people: Any, language: str, label: str
) -> None:
    # The choices are whole phrases ("the producer delivers them", "through a relay platform"): after a
    # label "Delivered by" they read "Delivered by through a relay platform".
    week = relay_week(territory)
    shop_order(territory, week)
    client = Client(headers={"accept-language": language})
    client.force_login(people.claire)
    page = client.get(f"/logistics/preferences/{territory.cheese_farm.pk}/").content.decode()
    assert label in page and "Delivered by" not in page and "Livrée par" not in page
