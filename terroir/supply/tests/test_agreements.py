"""An accepted offer becomes an agreement whose orders are in the pooled rounds' planner: made once per
week and producer, changed and cancelled with the agreement, a joint answer's per member; every page's
role matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.directory.services import actor_delete
from terroir.logistics.models import DeliveryOrder
from terroir.needs import services as needs
from terroir.needs.models import Answer, Need, Notification
from terroir.needs.tests.test_board import cheese_need
from terroir.supply import services
from terroir.supply.models import Agreement, AgreementOrder
from terroir.supply.tasks import agreements_schedule

pytestmark = pytest.mark.django_db

TODAY = THIS_MONDAY = dt.date(2026, 11, 30)  # the need is delivered on Tuesdays


def offer(territory: Any, people: Any, **changes: Any) -> Answer:
    need = cheese_need(territory, people, **changes)
    needs.need_publish(need=need, by=people.sophie)
    return needs.answer_submit(
        need=need, producer=territory.cheese_farm, by=people.claire, kind="offer", price="13.90", volume="40",
        first_delivery=TODAY,
    )  # fmt: skip


def joint_offer(territory: Any, people: Any) -> Answer:
    answer = offer(territory, people)
    needs.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    share = answer.shares.get(producer=territory.honey_farm)
    needs.answer_share_confirm(share=share, by=people.hugo, yes=True)
    return answer


def orders_of(agreement: Agreement) -> list[DeliveryOrder]:
    ids = AgreementOrder.objects.filter(part__agreement=agreement).values_list("order_id", flat=True)
    return list(DeliveryOrder.objects.filter(pk__in=list(ids)).order_by("week", "producer__name"))


def test_accepting_an_offer_puts_the_coming_weeks_orders_in_the_planner_with_quantities_windows_and_value(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    agreement = services.agreement_accept(answer=answer, by=people.sophie, today=TODAY)
    orders = orders_of(agreement)
    assert [o.week for o in orders] == [THIS_MONDAY + dt.timedelta(weeks=i) for i in range(4)]
    first = orders[0]
    assert (first.producer, first.customer, first.delivery_place) == (
        territory.cheese_farm, Actor.objects.get(name="SAS Supermarché des Volcans"), territory.clermont_supermarket
    )  # fmt: skip
    assert first.kg == Decimal("40.0") and first.value == Decimal("556.00")
    assert (first.delivery_opens, first.delivery_closes, first.weekdays) == (dt.time(6), dt.time(10), 0b0000010)
    assert first.owner is None  # the coordinators' planner: no carrier was chosen
    answer.refresh_from_db()
    assert answer.accepted_at is not None and answer.accepted_by == people.sophie
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.ACCEPTED).exists()


def test_making_the_orders_again_makes_no_duplicates_and_a_deleted_order_is_not_made_again(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    assert services.orders_generate(agreement=agreement, today=TODAY) == 0
    assert services.agreements_extend(today=TODAY) == 0
    assert DeliveryOrder.objects.count() == 4
    orders_of(agreement)[1].delete()  # a carrier took it out of the planner
    assert services.orders_generate(agreement=agreement, today=TODAY) == 0
    assert DeliveryOrder.objects.count() == 3


def test_the_worker_s_duty_extends_a_recurring_agreement_week_by_week(territory: Any, people: Any) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    next_week = TODAY + dt.timedelta(weeks=1)
    assert list(services.agreements_due(today=next_week)) == [agreement]
    assert services.agreements_extend(today=next_week) == 1
    assert services.agreements_extend(today=next_week) == 0
    assert not services.agreements_due(today=next_week).exists()
    assert orders_of(agreement)[-1].week == THIS_MONDAY + dt.timedelta(weeks=4)


def test_the_periodic_duty_queues_work_only_when_an_agreement_falls_short(territory: Any, people: Any) -> None:
    assert agreements_schedule() == 0  # no agreement yet
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie)
    assert agreements_schedule() == 0  # accepted today: its orders reach the horizon already
    made = len(orders_of(agreement))
    Agreement.objects.filter(pk=agreement.pk).update(generated_until=dt.date(2026, 1, 5))  # the worker was off
    DeliveryOrder.objects.filter(pk=orders_of(agreement)[-1].pk).delete()
    AgreementOrder.objects.filter(order=None).delete()
    assert agreements_schedule() == 1  # queued (and, in tests, run at once)
    assert len(orders_of(agreement)) == made and agreements_schedule() == 0


def test_a_changed_volume_and_days_flow_to_the_coming_orders_and_the_other_side_is_told(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    Notification.objects.all().delete()
    services.agreement_change(agreement=agreement, by=people.sophie, volume="30", weekdays=0b0000101, today=TODAY)
    orders = orders_of(agreement)
    assert {(o.kg, o.value, o.weekdays) for o in orders} == {(Decimal("30.0"), Decimal("417.00"), 0b0000101)}
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.AGREEMENT).exists()
    assert not Notification.objects.filter(user=people.sophie).exists()  # who changed it is not told


def test_a_cancellation_takes_the_coming_orders_out_of_the_planner_keeps_past_weeks_and_tells_both_sides(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    later = TODAY + dt.timedelta(weeks=2)
    services.agreement_cancel(agreement=agreement, by=people.claire, reason="Grêle sur les prés", today=later)
    assert [o.week for o in orders_of(agreement)] == [THIS_MONDAY, THIS_MONDAY + dt.timedelta(weeks=1)]
    assert Notification.objects.filter(user=people.sophie, kind=Notification.Kind.CANCELLED).exists()
    assert services.orders_generate(agreement=agreement, today=later) == 0
    with pytest.raises(ValidationError):
        services.agreement_cancel(agreement=agreement, by=people.claire)
    with pytest.raises(ValidationError):
        services.agreement_change(agreement=agreement, by=people.sophie, volume="10")


def test_a_joint_answer_accepted_makes_one_agreement_with_orders_per_member(territory: Any, people: Any) -> None:
    answer = joint_offer(territory, people)
    agreement = services.agreement_accept(answer=answer, by=people.sophie, today=TODAY)
    assert Agreement.objects.count() == 1
    this_week = [o for o in orders_of(agreement) if o.week == THIS_MONDAY]
    assert {(o.producer, o.kg, o.value) for o in this_week} == {
        (territory.cheese_farm, Decimal("25.0"), Decimal("347.50")),
        (territory.honey_farm, Decimal("15.0"), Decimal("208.50")),
    }
    assert Notification.objects.filter(user=people.hugo, kind=Notification.Kind.ACCEPTED).exists()
    services.agreement_change(agreement=agreement, by=people.claire, volume="20", today=TODAY)
    parts = {p.producer: p.volume for p in agreement.parts.all()}
    assert parts == {territory.cheese_farm: Decimal("12.50"), territory.honey_farm: Decimal("7.50")}
    with pytest.raises(PermissionDenied):  # a member follows its lead
        services.agreement_change(agreement=agreement, by=people.hugo, volume="30")


@pytest.mark.parametrize(
    ("shares", "words"),
    [
        ([("cheese", "25"), ("honey", "10")], "ne font pas"),
        ([("cheese", "25"), ("shop", "15")], "n’est pas un producteur"),
        ([("honey", "40")], "producteur principal"),
        ([("cheese", "25"), ("honey", "0")], "supérieur à zéro"),
        ([("cheese", "20"), ("cheese", "20")], "deux fois"),
        ([("cheese", "25"), ("99999999", "15")], "inconnue"),
    ],
)
def test_bad_shares_are_refused_in_french_and_nothing_changes(
    territory: Any, people: Any, shares: list[tuple[str, str]], words: str
) -> None:
    answer = offer(territory, people)
    shop = Actor.objects.create(name="Épicerie du coin", is_buyer=True)
    ids = {"cheese": territory.cheese_farm.pk, "honey": territory.honey_farm.pk, "shop": shop.pk}
    rows = [(ids.get(who, who), volume) for who, volume in shares]
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        needs.answer_members_set(answer=answer, by=people.claire, shares=rows)
    assert words in " ".join(caught.value.messages)
    assert not answer.shares.exists()


def test_an_offer_is_accepted_only_once_only_while_its_need_is_open_and_only_when_every_share_is_confirmed(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    needs.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    with pytest.raises(ValidationError, match="confirmer sa part"):
        services.agreement_accept(answer=answer, by=people.sophie)
    needs.answer_share_confirm(share=answer.shares.get(producer=territory.honey_farm), by=people.hugo, yes=True)
    with pytest.raises(PermissionDenied):
        services.agreement_accept(answer=answer, by=people.claire)
    for carrier in (territory.cheese_farm.pk, "9" * 30, "x"):
        with pytest.raises(ValidationError, match="transporteur"):
            services.agreement_accept(answer=answer, by=people.sophie, carrier=carrier)
    services.agreement_accept(answer=answer, by=people.sophie)
    with pytest.raises(ValidationError, match="déjà acceptée"):
        services.agreement_accept(answer=answer, by=people.sophie)
    with pytest.raises(ValidationError):  # the accepted answer no longer changes: the agreement does
        needs.answer_submit(need=answer.need, producer=territory.cheese_farm, by=people.claire, kind="offer",
                            price="15", volume="40")  # fmt: skip
    closed = offer(territory, people, title="Tommes pour la cantine")
    needs.need_close(need=closed.need, by=people.sophie, outcome="not")
    with pytest.raises(ValidationError, match="n’est pas ouvert"):
        services.agreement_accept(answer=closed, by=people.sophie)
    assert Agreement.objects.count() == 1


def test_a_member_who_leaves_sends_the_shares_back_to_the_lead(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    needs.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    needs.answer_share_confirm(share=answer.shares.get(producer=territory.honey_farm), by=people.hugo, yes=False)
    assert needs.acceptance_refusal(answer).startswith("Les parts des membres ne font pas le volume")
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.SHARE).exists()
    with pytest.raises(PermissionDenied):
        needs.answer_members_set(answer=answer, by=people.hugo, shares=[])


# --- Pages: the role matrix ------------------------------------------------------------------------


def client_of(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def agreed(territory: Any, people: Any) -> Agreement:
    return services.agreement_accept(answer=joint_offer(territory, people), by=people.sophie)


def test_the_acceptance_page_is_the_buyer_s_alone(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    url = f"/supply/answers/{answer.pk}/accept/"
    assert client_of(None).get(url).status_code == 302  # to the log-in page
    assert client_of(people.claire).get(url).status_code == 403  # the producer who offered
    assert client_of(people.hugo).get(url).status_code == 403  # another organisation
    assert client_of(people.camille).get(url).status_code == 200  # a coordinator
    page = client_of(people.sophie).get(url)
    assert page.status_code == 200 and "556" in page.content.decode()
    assert client_of(people.hugo).post(url).status_code == 403
    assert not Agreement.objects.exists()
    done = client_of(people.sophie).post(url)
    agreement = Agreement.objects.get()
    assert done.status_code == 302 and done["Location"] == agreement.get_absolute_url()
    assert client_of(people.sophie).get(url)["Location"] == agreement.get_absolute_url()


def test_accepting_a_closed_need_s_offer_on_the_page_says_why_and_is_no_500(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    needs.need_close(need=answer.need, by=people.sophie, outcome="not")
    page = client_of(people.sophie).post(f"/supply/answers/{answer.pk}/accept/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 400 and "Ce besoin n’est pas ouvert" in page.content.decode()
    assert not Agreement.objects.exists()


def test_an_agreement_is_seen_by_both_sides_members_and_coordinators_and_by_nobody_else(
    territory: Any, people: Any, agreed: Agreement
) -> None:
    url = agreed.get_absolute_url()
    assert client_of(None).get(url).status_code == 302
    stranger = person("paul@ailleurs.example.org")
    assert client_of(stranger).get(url).status_code == 404
    for who in (people.sophie, people.claire, people.hugo, people.camille):
        page = client_of(who).get(url)
        assert page.status_code == 200 and territory.honey_farm.name in page.content.decode()
    assert client_of(None).get("/supply/").status_code == 302
    for who in (people.sophie, people.hugo, people.camille):
        assert agreed.get_absolute_url() in client_of(who).get("/supply/").content.decode()
    assert agreed.get_absolute_url() not in client_of(stranger).get("/supply/").content.decode()


def test_the_history_writes_a_volume_as_the_reader_s_language_does(agreed: Agreement, people: Any) -> None:
    """Kept as "40.00" and "2.50" (the change's JSON), read "40 kg → 2,5 kg" in French, "2.5 kg" in English."""
    change = f"/supply/agreements/{agreed.pk}/change/"
    values = {"volume": "2.5", "weekdays": ["1"], "window_start": "06:00", "window_end": "09:00"}
    assert client_of(people.sophie).post(change, values).status_code == 302
    for language, said in (("fr", "40\u00a0kg → 2,5\u00a0kg"), ("en", "40\u00a0kg → 2.5\u00a0kg")):
        page = client_of(people.sophie).get(agreed.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        history = page[page.index('id="history"') :]
        assert said in history, language
        assert "40.00" not in history and "2.50" not in history and "2,50" not in history, language


def test_only_the_buyer_the_lead_and_coordinators_change_or_cancel_an_agreement(
    territory: Any, people: Any, agreed: Agreement
) -> None:
    change = f"/supply/agreements/{agreed.pk}/change/"
    values = {"volume": "30", "weekdays": ["1"], "window_start": "06:00", "window_end": "09:00"}
    assert client_of(None).post(change, values).status_code == 302
    assert client_of(person("paul@ailleurs.example.org")).post(change, values).status_code == 404
    assert client_of(people.hugo).post(change, values).status_code == 403  # a member, not the lead
    assert client_of(people.claire).post(change, values).status_code == 302
    assert client_of(people.camille).post(change, {**values, "volume": "20"}).status_code == 302
    bad = client_of(people.sophie).post(change, {**values, "window_end": "05:00"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert bad.status_code == 400 and "se termine avant" in bad.content.decode()
    zero = client_of(people.sophie).post(change, {**values, "volume": "0"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert zero.status_code == 400 and "supérieure ou égale à 0,01." in zero.content.decode()  # not "0.01"
    agreed.refresh_from_db()
    assert agreed.volume == Decimal("20.00") and agreed.window_end == dt.time(9)
    # The window and its history as a French reader tells the time: "6 h–9 h", "… → 9 h", never "09:00".
    page = client_of(people.sophie).get(agreed.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    history = page[page.index('id="history"') :]
    assert "6 h–9 h" in page and "→ 9 h" in history and "09:00" not in history
    cancel = f"/supply/agreements/{agreed.pk}/cancel/"
    assert client_of(None).post(cancel, {"confirm": "1"}).status_code == 302
    assert client_of(person("zoe@ailleurs.example.org")).post(cancel, {"confirm": "1"}).status_code == 404
    assert client_of(people.hugo).post(cancel, {"confirm": "1"}).status_code == 403
    assert client_of(people.camille).post(cancel).status_code == 200  # a coordinator is asked to confirm too
    asked = client_of(people.sophie).post(cancel)
    assert asked.status_code == 200 and Agreement.objects.get().status == Agreement.Status.ACTIVE
    assert client_of(people.sophie).post(cancel, {"confirm": "1"}).status_code == 302
    assert Agreement.objects.get().status == Agreement.Status.CANCELLED
    assert not AgreementOrder.objects.filter(order__isnull=False).exists()


def test_an_order_made_from_an_agreement_says_so_on_the_planner_and_its_page(
    territory: Any, people: Any, agreed: Agreement
) -> None:
    order = orders_of(agreed)[0]
    planner = client_of(people.camille).get(f"/logistics/?week={order.week.isoformat()}&org=")
    assert agreed.get_absolute_url() in planner.content.decode()
    page = client_of(people.camille).get(f"/logistics/orders/{order.pk}/").content.decode()
    assert agreed.get_absolute_url() in page and "Fromages AOP" in page


def test_nothing_of_an_agreement_reaches_a_need_s_other_producers(
    territory: Any, people: Any, agreed: Agreement
) -> None:
    gardener = person("lea@jardins.example.org")
    Membership.objects.create(user=gardener, actor=territory.market_gardener, how="coordinator")
    page = client_of(gardener).get(agreed.answer.need.get_absolute_url()).content.decode()
    assert territory.honey_farm.name not in page and "556" not in page and agreed.get_absolute_url() not in page


def test_the_need_page_offers_the_buyer_to_accept_and_tells_the_producer_once_accepted(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    need_url = answer.need.get_absolute_url()
    assert f"/supply/answers/{answer.pk}/accept/" in client_of(people.sophie).get(need_url).content.decode()
    assert f"/supply/answers/{answer.pk}/accept/" not in client_of(people.claire).get(need_url).content.decode()
    agreement = services.agreement_accept(answer=answer, by=people.sophie)
    assert agreement.get_absolute_url() in client_of(people.claire).get(need_url).content.decode()
    assert Need.objects.get().status == Need.Status.OPEN  # closing stays the buyer's own decision


def test_deleting_an_organisation_of_an_agreement_never_stops_on_it(territory: Any, people: Any) -> None:
    agreement = services.agreement_accept(answer=joint_offer(territory, people), by=people.sophie, today=TODAY)
    actor_delete(actor=territory.honey_farm)  # a member: its part and its orders go
    assert [p.producer for p in agreement.parts.all()] == [territory.cheese_farm]
    assert {o.producer for o in orders_of(agreement)} == {territory.cheese_farm}
    actor_delete(actor=territory.cheese_farm)  # the lead: its answer, so the agreement, go
    assert not Agreement.objects.exists() and not DeliveryOrder.objects.exists()


def test_an_agreement_s_orders_take_each_producer_s_usual_choice_for_the_buyer_and_keep_a_changed_one(
    territory: Any, people: Any
) -> None:
    from terroir.logistics import services as logistics
    from terroir.logistics.models import DeliveryMode

    # Next Monday, counted from the real today: a carpool parcel travels today or later (carpool's service), so
    # the orders' Tuesdays must not be past.
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    answer = joint_offer(territory, people)
    # Cheese rides a carpool trip only in the cold chain (carpool's eligibility table): the need asks it.
    Need.objects.filter(pk=answer.need_id).update(requirements=["cold_chain"])
    buyer = answer.need.buyer
    logistics.preference_set(producer=territory.honey_farm, customer=buyer, mode=DeliveryMode.SELF)
    agreement = services.agreement_accept(answer=answer, by=people.sophie, today=monday)
    modes = {(o.producer, o.delivery_mode) for o in orders_of(agreement)}
    assert modes == {(territory.cheese_farm, "pooled"), (territory.honey_farm, "self")}
    # Each order carries the need's product family: what carpool's eligibility table reads.
    assert {o.category for o in orders_of(agreement)} == {answer.need.category}
    # One order changed by hand keeps its change through the agreement's changes.
    changed = next(o for o in orders_of(agreement) if o.producer == territory.cheese_farm)
    changed.delivery_mode = DeliveryMode.CARPOOL
    logistics.order_save(order=changed)
    services.agreement_change(agreement=agreement, by=people.sophie, volume="30", today=monday)
    changed.refresh_from_db()
    assert changed.delivery_mode == "carpool" and changed.value == Decimal("260.62")  # 18.75 × 13.90
    assert changed.carpool_link.parcel.category == answer.need.category  # the choice made a parcel
    # The weeks the worker adds later take the choice as it is then.
    logistics.preference_set(producer=territory.cheese_farm, customer=buyer, mode=DeliveryMode.SELF)
    services.agreements_extend(today=monday + dt.timedelta(weeks=1))
    last = [o for o in orders_of(agreement) if o.producer == territory.cheese_farm][-1]
    assert last.week == monday + dt.timedelta(weeks=4) and last.delivery_mode == "self"
