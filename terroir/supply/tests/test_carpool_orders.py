"""An order whose producer chooses a carpool trip has its parcel (terroir.supply.carpool): requested from
the farm to the customer with the order's window, weight and family, refused for a family that may not
ride (the order keeps its previous mode), changed and cancelled with the order, and its state shown on
the planner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from terroir.accounts.models import Membership
from terroir.carpool import services as carpool
from terroir.carpool.eligibility import eligibility_save, eligibility_seed
from terroir.carpool.models import Condition, GoodsState, HandoverKind, Parcel, ParcelStatus
from terroir.carpool.tests.conftest import trip_fields
from terroir.directory.models import Actor, Category
from terroir.logistics import services as logistics
from terroir.logistics.models import DeliveryMode, DeliveryOrder, OrderKind
from terroir.supply.models import OrderParcel

pytestmark = pytest.mark.django_db
# A Monday ahead of the clock, counted from the real today: a carpool parcel travels today or later (carpool's
# service), so a fixed date would fail once the calendar passed it.
WEEK = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
TUESDAY = 0b10


def family(slug: str) -> Category:
    return Category.objects.get(slug=slug)


def customer(territory: Any, people: Any) -> Actor:
    """Sophie's supermarket company, delivered at its shop in Clermont."""
    return Actor.objects.get(name="SAS Supermarché des Volcans")


def ambert_trip(territory: Any, people: Any) -> None:
    """Hugo drives from Ambert's market to Clermont on the order's Tuesday, room to spare."""
    carpool.trip_offer(by=people.hugo, organisation=territory.honey_farm, **trip_fields(
        origin="Ambert (63)", origin_lat=45.5497, origin_lon=3.7417, stops=[], day=WEEK + dt.timedelta(days=1),
        leaves=dt.time(7, 30), arrives_by=dt.time(10, 45), condition=Condition.NONE, detour_minutes=30,
    ))  # fmt: skip


def new_order(territory: Any, people: Any, **changes: Any) -> DeliveryOrder:
    eligibility_seed()
    fields = {
        "week": WEEK, "kind": OrderKind.SHIPMENT, "producer": territory.cheese_farm,
        "customer": customer(territory, people), "delivery_place": territory.clermont_supermarket,
        "description": "Pain de seigle", "category": family("bread-cereals"), "kg": Decimal("12.5"),
        "value": Decimal(60), "weekdays": TUESDAY, "pickup_opens": dt.time(7), "pickup_closes": dt.time(9),
        "delivery_opens": dt.time(8), "delivery_closes": dt.time(11), "delivery_mode": DeliveryMode.CARPOOL,
    } | changes  # fmt: skip
    return logistics.order_save(order=DeliveryOrder(**fields), by=people.camille)


def parcel_of(order: DeliveryOrder) -> Parcel:
    return OrderParcel.objects.select_related("parcel").get(order=order).parcel


def test_choosing_a_carpool_trip_requests_the_order_s_parcel_from_the_farm_to_the_customer(
    territory: Any, people: Any
) -> None:
    order = new_order(territory, people)
    parcel = parcel_of(order)
    assert (parcel.sender, parcel.holder, parcel.recipient) == (people.claire, people.claire, people.sophie)
    assert parcel.organisation == territory.cheese_farm and parcel.category.slug == "bread-cereals"
    assert (parcel.origin_lat, parcel.origin_lon) == (territory.cheese_farm.lat, territory.cheese_farm.lon)
    assert (parcel.destination_lat, parcel.destination_lon) == (45.7797, 3.0863)
    assert parcel.origin.startswith("GAEC des Monts du Forez") and "Supermarché des Volcans" in parcel.destination
    assert (parcel.day, parcel.ready_at, parcel.due_by) == (WEEK + dt.timedelta(days=1), dt.time(7), dt.time(11))
    assert (parcel.kg, parcel.litres, parcel.value) == (Decimal("12.5"), Decimal(25), Decimal(60))
    assert parcel.condition == Condition.NONE and parcel.status == ParcelStatus.WAITING


def test_meat_without_the_cold_chain_is_refused_with_the_reason_and_the_order_keeps_its_previous_mode(
    territory: Any, people: Any
) -> None:
    order = new_order(territory, people, delivery_mode=DeliveryMode.POOLED, category=family("meat"))
    order.delivery_mode = DeliveryMode.CARPOOL
    with pytest.raises(ValidationError) as refused:
        logistics.order_save(order=order, by=people.claire)
    assert "chaîne du froid" in str(refused.value.message_dict["delivery_mode"])
    assert DeliveryOrder.objects.get(pk=order.pk).delivery_mode == DeliveryMode.POOLED
    assert not Parcel.objects.exists()
    order.cold = True  # refrigerated, with a temperature record: meat may ride
    logistics.order_save(order=order, by=people.claire)
    assert parcel_of(order).condition == Condition.REFRIGERATED


def test_a_family_the_coordinators_forbid_is_refused_and_so_is_an_order_without_a_family(
    territory: Any, people: Any
) -> None:
    eligibility_seed()
    eligibility_save(category=family("eggs"), allowed=False, condition="none", temperature_record=False,
                     max_celsius=None, by=people.camille)  # fmt: skip
    for slug in ("eggs", None):
        with pytest.raises(ValidationError) as refused:
            new_order(territory, people, category=family(slug) if slug else None)
        said = str(refused.value.message_dict["delivery_mode"])
        assert ("ne peut pas voyager en covoiturage" if slug else "famille de produits") in said
    assert not DeliveryOrder.objects.exists() and not Parcel.objects.exists()


def test_a_customer_without_anybody_on_terroir_cannot_receive_a_parcel(territory: Any, people: Any) -> None:
    customer(territory, people)
    Membership.objects.filter(user=people.sophie).delete()
    with pytest.raises(ValidationError, match="signe la réception"):
        new_order(territory, people)


def test_a_customer_with_nobody_on_terroir_but_an_e_mail_receives_the_one_time_code(
    territory: Any, people: Any
) -> None:
    buyer = customer(territory, people)
    buyer.email = "commandes@volcans.example.org"
    buyer.save()
    Membership.objects.filter(user=people.sophie).delete()
    parcel = parcel_of(new_order(territory, people))
    assert parcel.recipient_email == "commandes@volcans.example.org" and not parcel.recipient.is_active


def test_changing_the_order_changes_its_parcel_and_drops_the_ride_made_for_the_parcel_as_it_was(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ambert_trip(territory, people)
        order = new_order(territory, people)
    parcel = parcel_of(order)
    assert parcel.status == ParcelStatus.PROPOSED
    ride = carpool.live_ride(parcel)
    assert ride is not None
    order.kg = Decimal(20)
    with django_capture_on_commit_callbacks(execute=False):
        logistics.order_save(order=order, by=people.claire)
    parcel.refresh_from_db()
    ride.refresh_from_db()
    assert (parcel.kg, parcel.litres, parcel.status, ride.status) == (Decimal(20), Decimal(40), "waiting", "declined")
    logistics.order_save(order=order, by=people.claire)  # nothing changed: the parcel stays as it is
    assert parcel_of(order).status == ParcelStatus.WAITING


def test_another_mode_or_deleting_the_order_cancels_its_parcel(territory: Any, people: Any) -> None:
    order = new_order(territory, people)
    first = parcel_of(order)
    order.delivery_mode = DeliveryMode.SELF
    logistics.order_save(order=order, by=people.claire)
    first.refresh_from_db()
    assert first.status == ParcelStatus.CANCELLED and not OrderParcel.objects.exists()
    order.delivery_mode = DeliveryMode.CARPOOL  # chosen again: a new parcel
    logistics.order_save(order=order, by=people.claire)
    second = parcel_of(order)
    assert second.pk != first.pk and second.status == ParcelStatus.WAITING
    logistics.orders_delete(ids=[order.pk])
    second.refresh_from_db()
    assert second.status == ParcelStatus.CANCELLED and not DeliveryOrder.objects.exists()


def test_once_the_goods_are_on_their_way_the_order_can_no_longer_leave_carpool(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ambert_trip(territory, people)
        order = new_order(territory, people)
    parcel = parcel_of(order)
    ride = carpool.live_ride(parcel)
    assert ride is not None
    carpool.ride_confirm(ride=ride, by=people.hugo)
    carpool.ride_confirm(ride=ride, by=people.claire)
    handover = carpool.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                       place="GAEC", state=GoodsState.GOOD)  # fmt: skip
    carpool.handover_accept(handover=handover, by=people.hugo)
    order.delivery_mode = DeliveryMode.POOLED
    with pytest.raises(ValidationError, match="voyage déjà en covoiturage"):
        logistics.order_save(order=order, by=people.claire)
    assert DeliveryOrder.objects.get(pk=order.pk).delivery_mode == DeliveryMode.CARPOOL
    logistics.orders_delete(ids=[order.pk])  # the order goes; the parcel finishes its journey
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.ON_ITS_WAY


ORDER_FORM = {
    "week": WEEK.isoformat(), "kind": "shipment", "kg": "12", "crates": "1", "value": "60", "pickup_opens": "07:00",
    "pickup_closes": "09:00", "delivery_opens": "08:00", "delivery_closes": "11:00", "service_min": "5",
    "weekdays": ["1"], "required": "on", "delivery_mode": "carpool", "description": "Pain de seigle",
}  # fmt: skip


def test_the_order_form_shows_the_refusal_and_the_planner_shows_the_parcel_s_state(
    client: Client, territory: Any, people: Any
) -> None:
    eligibility_seed()
    buyer = customer(territory, people)
    buyer.lat, buyer.lon = 45.7797, 3.0863
    buyer.save()
    client.force_login(people.camille)
    data = ORDER_FORM | {"producer": territory.cheese_farm.pk, "customer": buyer.pk, "category": family("meat").pk}
    response = client.post("/logistics/orders/new/", data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "chaîne du froid" in str(response.context["form"].errors["delivery_mode"])
    assert not DeliveryOrder.objects.exists()
    data["category"] = family("bread-cereals").pk
    assert client.post("/logistics/orders/new/", data).status_code == 302
    order = DeliveryOrder.objects.get()
    parcel = parcel_of(order)
    assert parcel.litres == Decimal(40)  # one crate
    page = client.get(f"/logistics/?week={WEEK.isoformat()}").content.decode()
    assert f'href="/supply/orders/{order.pk}/parcel/"' in page
    assert "colis\u202f: à la recherche d’un trajet" in page
    page = client.get(f"/logistics/orders/{order.pk}/").content.decode()
    assert 'id="carpool-link"' in page
    assert client.post(f"/logistics/orders/{order.pk}/delete/").status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.CANCELLED


def admin_client(client: Client) -> Client:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    return client


def test_an_order_saved_or_deleted_in_the_admin_makes_refuses_and_cancels_its_parcel_as_in_the_planner(
    client: Client, territory: Any, people: Any
) -> None:
    eligibility_seed()
    admin = admin_client(client)
    data = {key: value for key, value in ORDER_FORM.items() if key != "weekdays"} | {
        "weekdays": "2", "producer": territory.cheese_farm.pk, "customer": customer(territory, people).pk,
        "delivery_place": territory.clermont_supermarket.pk, "category": family("meat").pk, "service_min": "5",
    }  # fmt: skip
    refused = admin.post("/admin/logistics/deliveryorder/add/", data, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 200 and "chaîne du froid" in refused.content.decode()
    assert not DeliveryOrder.objects.exists() and not Parcel.objects.exists()
    data["category"] = family("bread-cereals").pk
    assert admin.post("/admin/logistics/deliveryorder/add/", data).status_code == 302
    order = DeliveryOrder.objects.get()
    first = parcel_of(order)
    assert first.status == ParcelStatus.WAITING and first.kg == Decimal(12)
    data["delivery_mode"] = DeliveryMode.SELF
    assert admin.post(f"/admin/logistics/deliveryorder/{order.pk}/change/", data).status_code == 302
    first.refresh_from_db()
    assert first.status == ParcelStatus.CANCELLED and not OrderParcel.objects.exists()
    data["delivery_mode"] = DeliveryMode.CARPOOL
    assert admin.post(f"/admin/logistics/deliveryorder/{order.pk}/change/", data).status_code == 302
    second = parcel_of(order)
    assert admin.post(f"/admin/logistics/deliveryorder/{order.pk}/delete/", {"post": "yes"}).status_code == 302
    second.refresh_from_db()
    assert second.status == ParcelStatus.CANCELLED and not DeliveryOrder.objects.exists()
    order = new_order(territory, people)
    third = parcel_of(order)
    changelist = admin.post("/admin/logistics/deliveryorder/", {
        "action": "delete_selected", "_selected_action": [order.pk], "post": "yes",
    })  # fmt: skip
    assert changelist.status_code == 302
    third.refresh_from_db()
    assert third.status == ParcelStatus.CANCELLED and not DeliveryOrder.objects.exists()


def test_deleting_the_producer_or_the_customer_cancels_a_parcel_not_yet_picked_up_and_lets_one_on_its_way_go_on(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from terroir.directory.services import actor_delete

    with django_capture_on_commit_callbacks(execute=True):
        ambert_trip(territory, people)
        travelling = new_order(territory, people)
    parcel = parcel_of(travelling)
    ride = carpool.live_ride(parcel)
    assert ride is not None
    carpool.ride_confirm(ride=ride, by=people.hugo)
    carpool.ride_confirm(ride=ride, by=people.claire)
    handover = carpool.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                       place="GAEC", state=GoodsState.GOOD)  # fmt: skip
    carpool.handover_accept(handover=handover, by=people.hugo)
    waiting = parcel_of(new_order(territory, people, week=WEEK + dt.timedelta(days=7)))
    canteen = Actor.objects.create(name="Cantine du lycée", lat=45.78, lon=3.09, email="cantine@example.org")
    again = parcel_of(new_order(territory, people, customer=canteen, delivery_place=None))
    actor_delete(actor=customer(territory, people))  # its orders go with it (cascade)
    assert list(DeliveryOrder.objects.values_list("customer", flat=True)) == [canteen.pk]
    assert list(OrderParcel.objects.values_list("parcel", flat=True)) == [again.pk]
    parcel.refresh_from_db()
    waiting.refresh_from_db()
    assert waiting.status == ParcelStatus.CANCELLED
    assert parcel.status == ParcelStatus.ON_ITS_WAY and parcel.holder == people.hugo  # the chain goes on
    Actor.objects.filter(pk=territory.cheese_farm.pk).delete()  # outside the services too: the database's cascade
    again.refresh_from_db()
    assert again.status == ParcelStatus.CANCELLED and not OrderParcel.objects.exists()


def test_an_order_of_a_week_gone_by_cannot_go_by_carpool_and_says_why_under_its_mode(
    territory: Any, people: Any
) -> None:
    """Its parcel would travel on a day gone by, which carpool's service refuses: said on the delivery mode."""
    past = WEEK - dt.timedelta(weeks=5)
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        new_order(territory, people, week=past)
    said = refused.value.message_dict["delivery_mode"]
    assert said == ["Les jours de livraison de cette commande sont passés\u202f: ses marchandises ne peuvent plus "
                    "voyager en covoiturage."]  # fmt: skip
    assert not DeliveryOrder.objects.exists() and not Parcel.objects.exists()
