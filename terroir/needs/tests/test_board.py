"""The needs board with the database: a supermarket's need, the producers it fits, their answers."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from terroir.contributions import revisions
from terroir.directory.models import Actor, Category
from terroir.needs import services
from terroir.needs.models import Answer, Need, Notification

pytestmark = pytest.mark.django_db


def cheese_need(territory: Any, people: Any, **changes: Any) -> Need:
    company = Actor.objects.get(name="SAS Supermarché des Volcans")
    values = {
        "title": "Fromages AOP pour le rayon local", "category": "cow-cheese", "quantity": "40", "unit": "kg",
        "frequency": "weekly", "months": 4095, "delivery_place": territory.clermont_supermarket,
        "delivery_weekdays": 0b0000010, "window_start": dt.time(6), "window_end": dt.time(10), "max_km": 100,
        "labels": ["aop"], "requirements": ["gtin"], "price": "14.50", "public": True, **changes,
    }  # fmt: skip
    return services.need_save(buyer=company, by=people.sophie, values=values)


def test_a_published_need_finds_the_cheese_farm_explains_why_and_tells_its_people(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    need = cheese_need(territory, people)
    assert need.status == Need.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        matches = services.need_publish(need=need, by=people.sophie)
    assert [m.producer for m in matches] == [territory.cheese_farm]
    match = matches[0]
    reasons, missing = services.match_words(match)
    assert 60 < match.road_km < 90 and "aop" in reasons and "codes-barres GTIN" in missing
    assert Notification.objects.get(user=people.claire).kind == Notification.Kind.MATCH
    assert mail.outbox[-1].to == [people.claire.email]
    assert "/needs/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-3"}, "quantity"),
        ({"window_start": dt.time(10), "window_end": dt.time(6)}, "window_end"),
        ({"category": "caviar"}, "category"),
        ({"delivery_weekdays": 0}, "delivery_weekdays"),
        ({"max_km": 0}, "max_km"),
        ({"requirements": ["unicorn"]}, "requirements"),
        ({"title": ""}, "title"),
        ({"title": "Fromages AOP\nBcc: tout@exemple.fr"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"start_date": timezone.localdate() - dt.timedelta(days=1)}, "start_date"),
        ({"start_date": "2027-01-06"}, "start_date"),
    ],
)
def test_a_bad_need_is_refused_field_by_field_and_nothing_is_saved(
    territory: Any, people: Any, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        cheese_need(territory, people, **changes)
    assert field in caught.value.message_dict
    assert not Need.objects.exists()


def test_a_need_starts_today_at_the_earliest_and_one_that_started_keeps_its_start(territory: Any, people: Any) -> None:
    # The rule is the service's, so that every path follows it (the form, the API, a command).
    today = timezone.localdate()
    need = cheese_need(territory, people, start_date=today)
    assert need.start_date == today
    Need.objects.filter(pk=need.pk).update(start_date=today - dt.timedelta(days=30))
    need.refresh_from_db()
    values = {"title": need.title, "category": "cow-cheese", "quantity": "20", "unit": "kg", "frequency": "weekly",
              "months": 4095, "delivery_place": territory.clermont_supermarket, "delivery_weekdays": 2,
              "max_km": 100, "start_date": need.start_date}  # fmt: skip
    company = need.buyer
    changed = services.need_save(buyer=company, by=people.sophie, values=values, need=need)
    assert changed.quantity == 20 and changed.start_date == today - dt.timedelta(days=30)
    with pytest.raises(ValidationError) as caught:
        services.need_save(buyer=company, by=people.sophie, values={**values, "start_date": today - dt.timedelta(1)},
                           need=need)  # fmt: skip
    assert caught.value.message_dict["start_date"] == [
        "Cette date est passée\u202f: les livraisons commencent au plus tôt aujourd’hui."
    ]


def test_a_need_without_delivery_place_stays_a_draft(territory: Any, people: Any) -> None:
    need = cheese_need(territory, people, delivery_place=None)
    with pytest.raises(ValidationError) as caught:
        services.need_publish(need=need, by=people.sophie)
    assert "delivery_place" in caught.value.message_dict
    need.refresh_from_db()
    assert need.status == Need.Status.DRAFT and not need.matches.exists()


def test_only_the_buyer_s_people_publish_and_only_the_producer_s_people_answer(territory: Any, people: Any) -> None:
    need = cheese_need(territory, people)
    with pytest.raises(PermissionDenied):
        services.need_publish(need=need, by=people.claire)
    services.need_publish(need=need, by=people.sophie)
    with pytest.raises(PermissionDenied):
        services.answer_submit(need=need, producer=territory.cheese_farm, by=people.hugo, kind="interested")
    with pytest.raises(ValidationError):
        services.answer_submit(need=need, producer=territory.cheese_farm, by=people.claire, kind="offer")
    with pytest.raises(ValidationError):
        services.answer_submit(need=need, producer=territory.cheese_farm, by=people.claire, kind="declined")


def test_contact_details_are_shared_once_both_sides_agree(territory: Any, people: Any) -> None:
    need = cheese_need(territory, people)
    services.need_publish(need=need, by=people.sophie)
    answer = services.answer_submit(
        need=need, producer=territory.cheese_farm, by=people.claire, kind="offer", price="13.90", volume="40",
        first_delivery=dt.date(2026, 12, 1),
    )  # fmt: skip
    assert answer.price == Decimal("13.90")
    sophie = Client()
    sophie.force_login(people.sophie)
    page = sophie.get(need.get_absolute_url()).content.decode()
    assert "contact@monts-du-forez.example.org" not in page
    services.answer_shortlist(answer=answer, by=people.sophie)
    assert "contact@monts-du-forez.example.org" in sophie.get(need.get_absolute_url()).content.decode()
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.SHORTLIST).exists()
    services.need_close(need=need, by=people.sophie, outcome="contracted")
    with pytest.raises(ValidationError):
        services.answer_submit(need=need, producer=territory.cheese_farm, by=people.claire, kind="interested")


def test_the_board_shows_open_public_needs_and_hides_drafts_and_members_only_needs(
    client: Client, territory: Any, people: Any
) -> None:
    draft = cheese_need(territory, people, title="Brouillon")
    members = cheese_need(territory, people, title="Réservé aux inscrits", public=False)
    public = cheese_need(territory, people, title="Tomates de plein champ", category="tomatoes")
    for need in (members, public):
        services.need_publish(need=need, by=people.sophie)
    board = client.get("/needs/").content.decode()
    assert "Tomates de plein champ" in board and "Brouillon" not in board and "Réservé aux inscrits" not in board
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(members.get_absolute_url()).status_code == 302
    cheese = Category.objects.get(slug="cheese")
    assert "Tomates de plein champ" not in client.get(f"/needs/?category={cheese.slug}").content.decode()
    client.force_login(people.hugo)
    assert "Réservé aux inscrits" in client.get("/needs/").content.decode()


def test_a_buyer_publishes_from_the_form(client: Client, territory: Any, people: Any) -> None:
    client.force_login(people.sophie)
    form = {
        "title": "Salades pour la cantine", "category": "salads", "quantity": "15", "unit": "kg",
        "frequency": "weekly", "delivery_place": territory.clermont_supermarket.pk, "delivery_weekdays": ["0", "3"],
        "max_km": "50", "public": "on", "publish": "",
    }  # fmt: skip
    response = client.post("/needs/new/", form)
    assert response.status_code == 302
    need = Need.objects.get(title="Salades pour la cantine")
    assert need.status == Need.Status.OPEN and need.delivery_weekdays == 0b1001
    assert [m.producer for m in need.matches.all()] == [territory.market_gardener]
    bad = client.post("/needs/new/", {**form, "quantity": "0", "title": "Zéro"})
    assert bad.status_code == 400 and not Need.objects.filter(title="Zéro").exists()
    # A start already past (2020 typed for 2027) is refused before producers are told; a need that started
    # long ago is changed without moving its start.
    today = timezone.localdate()
    past = client.post("/needs/new/", {**form, "title": "Passé", "start_date": f"{today.year - 6}-01-06"})
    assert past.status_code == 400 and not Need.objects.filter(title="Passé").exists()
    assert "Cette date est passée\u202f: les livraisons commencent" in past.content.decode()
    started = today - dt.timedelta(days=30)
    Need.objects.filter(pk=need.pk).update(start_date=started)
    kept = {k: v for k, v in form.items() if k != "publish"}
    changed = client.post(f"/needs/{need.pk}/edit/", {**kept, "quantity": "20", "start_date": started.isoformat()})
    assert changed.status_code == 302
    need.refresh_from_db()
    assert need.quantity == 20 and need.start_date == started


def test_the_producer_answers_from_the_page(client: Client, territory: Any, people: Any) -> None:
    need = cheese_need(territory, people)
    services.need_publish(need=need, by=people.sophie)
    client.force_login(people.claire)
    assert "Fromages AOP pour le rayon local" in client.get("/needs/inbox/").content.decode()
    client.post(
        f"/needs/{need.pk}/answer/",
        {"producer": territory.cheese_farm.pk, "kind": "offer", "price": "13.90", "volume": "40"},
    )
    assert Answer.objects.get(need=need).kind == "offer"
    # The delivery window as a French reader says it, "6 h–10 h", never "06:00–10:00".
    page = client.get(f"/needs/{need.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "6 h–10 h" in page and "06:00" not in page


def test_a_refused_answer_comes_back_with_what_was_typed_and_each_error_under_its_field(
    client: Client, territory: Any, people: Any
) -> None:
    need = cheese_need(territory, people)
    services.need_publish(need=need, by=people.sophie)
    client.force_login(people.claire)
    sent = {"producer": territory.cheese_farm.pk, "kind": "offer", "price": "-5", "volume": "40",
            "message": "Livraison possible le mardi matin."}  # fmt: skip
    refused = client.post(f"/needs/{need.pk}/answer/", sent)
    page = refused.content.decode()
    assert refused.status_code == 400 and not Answer.objects.exists()
    form = refused.context["answer_form"]
    assert form.errors == {"price": ["Ne doit pas être négatif."]}  # under the price, not a message on top
    assert 'value="-5"' in page and 'value="40"' in page and "Livraison possible le mardi matin." in page
    assert "Prix (€ par kg)" in page and "Volume par livraison (kg)" in page  # the need's unit, not "par unité"
    missing = client.post(f"/needs/{need.pk}/answer/", {**sent, "price": ""})
    assert missing.context["answer_form"].errors == {"price": ["Une offre indique un prix et un volume."]}
    assert client.post(f"/needs/{need.pk}/answer/", {**sent, "price": "13.90"}).status_code == 302
    assert Answer.objects.get(need=need).message == "Livraison possible le mardi matin."


def test_open_public_needs_are_in_the_atom_feed_by_product(client: Client, territory: Any, people: Any) -> None:
    for title, category in (("Fromages AOP", "cow-cheese"), ("Tomates de plein champ", "tomatoes")):
        services.need_publish(need=cheese_need(territory, people, title=title, category=category), by=people.sophie)
    cheese_need(territory, people, title="Brouillon")
    feed = client.get("/needs/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "Fromages AOP" in body and "Tomates de plein champ" in body and "Brouillon" not in body
    only_cheese = client.get("/needs/feed.atom?category=cheese").content.decode()
    assert "Fromages AOP" in only_cheese and "Tomates" not in only_cheese


def test_a_producer_who_turned_e_mails_off_still_finds_the_need_in_the_inbox(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.alert_save(user=people.claire, producer=territory.cheese_farm, categories=[], radius_km=80,
                        email_on_match=False, digest=True)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.need_publish(need=cheese_need(territory, people), by=people.sophie)
    assert mail.outbox == []
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.MATCH).exists()


def test_the_weekly_digest_lists_new_needs_for_the_farm_s_products_within_its_radius(
    territory: Any, people: Any
) -> None:
    from django.core.management import call_command

    services.alert_save(user=people.claire, producer=territory.cheese_farm, categories=[], radius_km=100,
                        email_on_match=True, digest=True)  # fmt: skip
    services.alert_save(user=people.hugo, producer=territory.honey_farm, categories=[], radius_km=100,
                        email_on_match=True, digest=True)  # fmt: skip
    services.need_publish(need=cheese_need(territory, people), by=people.sophie)
    mail.outbox.clear()
    call_command("needs_digest", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [[people.claire.email]]  # honey is not cheese
    assert "Fromages AOP pour le rayon local" in mail.outbox[0].body
    call_command("needs_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # nothing new since


def test_alerts_are_set_from_their_page(client: Client, territory: Any, people: Any) -> None:
    client.force_login(people.claire)
    assert client.get("/needs/alerts/").status_code == 200
    client.post("/needs/alerts/", {"categories": ["cheese"], "radius_km": "40", "digest": "on"})
    from terroir.needs.models import Alert

    alert = Alert.objects.get(user=people.claire)
    assert alert.radius_km == 40 and not alert.email_on_match and [c.slug for c in alert.categories.all()] == ["cheese"]
    client.force_login(people.sophie)
    assert client.get("/needs/alerts/").status_code == 403


def test_the_board_filters_by_kind_of_buyer_and_distance_and_says_what_is_wrong(
    client: Client, territory: Any, people: Any
) -> None:
    services.need_publish(need=cheese_need(territory, people), by=people.sophie)  # delivered in Clermont
    assert "Fromages AOP" in client.get("/needs/?kind=supermarket").content.decode()
    assert "Fromages AOP" not in client.get("/needs/?kind=canteen").content.decode()
    assert "Fromages AOP" in client.get("/needs/?commune=Clermont-Ferrand&radius_km=10").content.decode()
    assert "Fromages AOP" not in client.get("/needs/?commune=Ambert&radius_km=30").content.decode()
    bad = client.get("/needs/?commune=Nulle-Part-sur-Mer")
    assert bad.status_code == 400 and "Nulle-Part-sur-Mer" in bad.content.decode()
    assert client.get("/needs/?radius_km=loin").status_code == 400


def test_the_board_reads_the_commune_as_the_search_does(client: Client, territory: Any, people: Any) -> None:
    """Through commune_choose: "Saint-Just" is the territory's, a misspelling suggests, an ambiguous name
    asks which one, the autocomplete's "Ambert (63)" is understood."""
    services.need_publish(need=cheese_need(territory, people), by=people.sophie)  # delivered in Clermont
    assert "Fromages AOP" in client.get("/needs/?commune=Clermont-Ferrand (63)&radius_km=10").content.decode()
    typo = client.get("/needs/?commune=Ambret", HTTP_ACCEPT_LANGUAGE="fr")
    assert typo.status_code == 400 and "Voulez-vous dire Ambert (63)" in typo.content.decode()
    ambiguous = client.get("/needs/?commune=Clermont", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clermont (60)" in ambiguous and "Laquelle" in ambiguous
    assert client.get("/needs/?commune=Saint-Just&radius_km=10").status_code == 200


def test_declared_volumes_delivery_days_and_requirements_shape_the_match(territory: Any, people: Any) -> None:
    from terroir.directory import editing

    farm = territory.cheese_farm
    products = [
        {**p, "monthly_volume": 500.0, "unit": "kg"} if p["category"] == "cow-cheese" else p
        for p in editing.products_of(farm)
    ]
    revisions.entry_edit(
        entry=farm, changes={"products": products, "delivery_weekdays": 0b0000010, "requirements": ["gtin"]},
        by=people.claire, version=None,
    )  # fmt: skip
    matches = services.need_publish(need=cheese_need(territory, people), by=people.sophie)
    match = matches[0]
    assert match.missing == []  # GTIN met, volume 500 kg/month for 173 kg/month needed, organic-free need
    assert "livre un jour de livraison" not in services.match_words(match)[0]  # no radius: pooled logistics


def test_a_producer_is_warned_before_depending_on_one_buyer(territory: Any, people: Any) -> None:
    from terroir.directory import editing

    farm = territory.cheese_farm
    products = [
        {**p, "monthly_volume": 200.0, "unit": "kg"} if p["category"] == "cow-cheese" else p
        for p in editing.products_of(farm)
    ]
    revisions.entry_edit(entry=farm, changes={"products": products}, by=people.claire, version=None)
    need = cheese_need(territory, people)  # 40 kg a week ≈ 173 kg a month: 87 % of 200
    services.need_publish(need=need, by=people.sophie)
    warning = services.dependence_warning(need=need, producer=farm, volume=Decimal("40"))
    assert "87 %" in warning and "SAS Supermarché des Volcans" in warning
    assert services.dependence_warning(need=need, producer=farm, volume=Decimal("10")) == ""
    client = Client()
    client.force_login(people.claire)
    response = client.post(
        f"/needs/{need.pk}/answer/",
        {"producer": farm.pk, "kind": "offer", "price": "13.90", "volume": "40"},
        follow=True,
    )
    assert "87 %" in response.content.decode()


def test_buyer_and_producer_talk_about_an_answer_and_nobody_else_reads_it(territory: Any, people: Any) -> None:
    need = cheese_need(territory, people)
    services.need_publish(need=need, by=people.sophie)
    answer = services.answer_submit(need=need, producer=territory.cheese_farm, by=people.claire, kind="interested")
    services.message_send(answer=answer, by=people.sophie, body="Pouvez-vous livrer dès décembre ?")
    reply = services.message_send(answer=answer, by=people.claire, body="Oui, le mardi matin.")
    assert not reply.from_buyer
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.MESSAGE).count() == 1
    assert Notification.objects.filter(user=people.sophie, kind=Notification.Kind.MESSAGE).count() == 1
    with pytest.raises(PermissionDenied):
        services.message_send(answer=answer, by=people.hugo, body="Et moi ?")
    with pytest.raises(ValidationError):
        services.message_send(answer=answer, by=people.claire, body="   ")
    client = Client()
    client.force_login(people.sophie)
    page = client.get(f"/needs/answers/{answer.pk}/messages/").content.decode()
    assert "Pouvez-vous livrer dès décembre ?" in page and "Oui, le mardi matin." in page
    client.force_login(people.hugo)
    assert client.get(f"/needs/answers/{answer.pk}/messages/").status_code == 403
