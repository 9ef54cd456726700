"""The editing pages: owners' form with the concurrent-edit warning, history with undo, suggestions with
their robot trap, a new organisation, and CSRF on every form."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from terroir.accounts.models import Membership
from terroir.contributions import revisions
from terroir.contributions.models import Suggestion
from terroir.directory import editing
from terroir.directory.models import Actor, Place

pytestmark = pytest.mark.django_db


def shop_form(place: Place, **changes: str) -> dict[str, str]:
    data = {
        "version": editing.version_of(place), "name": place.name, "kind": place.kind, "lat": str(place.lat),
        "lon": str(place.lon), "commune": place.commune_id or "", "opening_hours": place.opening_hours,
    }  # fmt: skip
    return {**data, **changes}


def test_the_second_of_two_people_saving_the_same_form_is_warned_and_keeps_what_they_typed(
    territory: Any, people: Any
) -> None:
    claire, camille = Client(), Client()
    claire.force_login(people.claire)
    camille.force_login(people.camille)
    shop = territory.farm_shop
    opened = shop_form(shop)  # both open the page now
    first = camille.post(f"/edit/place/{shop.pk}/", {**opened, "opening_hours": "Fr 16:00-20:00"})
    assert first.status_code == 302
    second = claire.post(f"/edit/place/{shop.pk}/", {**opened, "opening_hours": "Sa 08:00-12:00"})
    assert second.status_code == 409
    page = second.content.decode()
    assert 'id="conflict"' in page
    # What is in force now, in words and as the expression the form's own field shows.
    assert "<td>vendredi 16 h–20 h (Fr 16:00-20:00)</td>" in page
    assert 'value="Sa 08:00-12:00"' in page  # what she typed, still in the form
    shop.refresh_from_db()
    assert shop.opening_hours == "Fr 16:00-20:00"
    # Saving again from the warning page is a decision taken knowingly: it goes through.
    again = claire.post(f"/edit/place/{shop.pk}/", second.context["form"].data)
    assert again.status_code == 302
    shop.refresh_from_db()
    assert shop.opening_hours == "Sa 08:00-12:00"


def test_an_imported_value_that_today_s_rules_refuse_does_not_block_an_edit(territory: Any, people: Any) -> None:
    Place.objects.filter(pk=territory.le_local.pk).update(phone="04 73 ??", operator=territory.cheese_farm)
    shop = Place.objects.get(pk=territory.le_local.pk)
    client = Client()
    client.force_login(people.claire)
    response = client.post(
        f"/edit/place/{shop.pk}/", shop_form(shop, phone="04 73 ??", opening_hours="Tu-Sa 09:00-19:00")
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.opening_hours == "Tu-Sa 09:00-19:00" and shop.phone == "04 73 ??"


def test_a_bad_value_on_the_form_is_shown_next_to_its_field(territory: Any, people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    shop = territory.farm_shop
    response = client.post(f"/edit/place/{shop.pk}/", shop_form(shop, opening_hours="quand on peut"))
    assert response.status_code == 400
    assert "opening_hours" in response.context["form"].errors


def test_the_history_shows_each_change_and_undoes_one(territory: Any, people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    shop = territory.farm_shop
    client.post(f"/edit/place/{shop.pk}/", shop_form(shop, opening_hours="Fr 16:00-20:00"))
    page = client.get(f"/history/place/{shop.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    # Said as the public pages say it, in the reader's language (French here).
    assert "<del>vendredi 16 h–19 h\u202f; samedi 9 h–12 h</del>" in text and "<ins>vendredi 16 h–20 h</ins>" in text
    revision = revisions.revisions_of(shop)[0]
    client.post(f"/history/revisions/{revision.pk}/revert/")
    shop.refresh_from_db()
    assert shop.opening_hours == "Fr 16:00-19:00; Sa 09:00-12:00"


def test_a_visitor_s_suggestion_reaches_the_owner_by_e_mail(territory: Any, people: Any) -> None:
    response = Client().post(
        f"/suggest/place/{territory.farm_shop.pk}/", {"address": "Le Bourg", "comment": "", "website_url": ""}
    )
    assert response.status_code == 200
    suggestion = Suggestion.objects.get()
    assert suggestion.changes == {"address": ["", "Le Bourg"]}
    assert mail.outbox[-1].to == [people.claire.email]
    assert "/moderation/" in mail.outbox[-1].body


def test_a_robot_filling_the_hidden_field_is_refused(territory: Any) -> None:
    response = Client().post(
        f"/suggest/place/{territory.farm_shop.pk}/", {"comment": "Buy cheap watches", "website_url": "http://spam"}
    )
    assert response.status_code == 400
    assert not Suggestion.objects.exists()


def test_a_suggestion_to_an_unknown_entry_is_a_404(client: Client) -> None:
    assert client.get("/suggest/place/999999/").status_code == 404
    assert client.get("/suggest/casino/1/").status_code == 404


def test_a_person_adds_their_organisation_and_manages_it(territory: Any) -> None:
    from terroir.conftest import person

    client = Client()
    client.force_login(person("jules@epicerie-thiers.example.org"))
    response = client.post(
        "/account/space/organisations/new/",
        {"name": "Épicerie solidaire de Thiers", "role": "buyer", "buyer_kind": "solidarity_grocery",
         "commune": "Thiers"},
    )  # fmt: skip
    assert response.status_code == 302
    actor = Actor.objects.get(name="Épicerie solidaire de Thiers")
    assert actor.is_buyer and actor.buyer_kind == "solidarity_grocery" and actor.commune_id == "63430"
    assert Membership.objects.filter(actor=actor).exists()
    assert client.get(response["Location"]).status_code == 200


def test_forms_refuse_a_post_without_the_csrf_token(territory: Any, people: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.claire)
    shop = territory.farm_shop
    assert client.post(f"/edit/place/{shop.pk}/", shop_form(shop, name="Piratée")).status_code == 403
    assert Client(enforce_csrf_checks=True).post(f"/suggest/place/{shop.pk}/", {"comment": "x"}).status_code == 403
    shop.refresh_from_db()
    assert shop.name != "Piratée"


def test_signing_up_with_a_known_address_looks_the_same_and_warns_its_owner(people: Any) -> None:
    known = Client().post(
        "/account/signup/",
        {"email": people.claire.email, "password1": "Another-Pass-2026", "password2": "Another-Pass-2026"},
    )
    unknown = Client().post(
        "/account/signup/",
        {"email": "new@example.org", "password1": "Another-Pass-2026", "password2": "Another-Pass-2026"},
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert {m.to[0] for m in mail.outbox} == {people.claire.email, "new@example.org"}


def test_an_admin_edit_is_a_revision_too(territory: Any, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("admin", "admin@pat.example.org", "x")
    client = Client()
    client.force_login(admin_user)
    shop = territory.farm_shop
    page = client.get(f"/admin/directory/place/{shop.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    farm = territory.cheese_farm.pk
    data.update({"name": "Ferme des Monts", "commune": "63003", "producers": [farm], "operator": farm})
    data.update({"updated_at_0": "2026-11-01", "updated_at_1": "10:00:00"})
    data = {k: v for k, v in data.items() if k not in ("updated_at",)}
    response = client.post(f"/admin/directory/place/{shop.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    revision = revisions.revisions_of(shop)[0]
    assert revision.changes["name"] == ["Vente à la ferme des Monts du Forez", "Ferme des Monts"]
    assert revision.by == admin_user


def test_the_admin_stores_a_phone_as_every_other_form_does(territory: Any, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("admin", "admin@pat.example.org", "x")
    client = Client()
    client.force_login(admin_user)
    shop = territory.le_local
    page = client.get(f"/admin/directory/place/{shop.pk}/change/")
    form = page.context["adminform"].form
    assert 'value="04 73 82 00 02"' in page.content.decode()  # shown the way people write it
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"commune": "63003", "producers": [p.pk for p in shop.producers.all()], "phone": "04.73.82.00.09"})
    data.update({"updated_at_0": "2026-11-01", "updated_at_1": "10:00:00", "opening_hours": "Tu-Sa 09:00-19:00"})
    data = {k: v for k, v in data.items() if k not in ("updated_at", "operator")}
    response = client.post(f"/admin/directory/place/{shop.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    shop.refresh_from_db()
    assert shop.phone == "+33473820009"
    refused = client.post(f"/admin/directory/place/{shop.pk}/change/", {**data, "phone": "12"})
    assert refused.status_code == 200 and "phone" in refused.context["adminform"].form.errors


def test_accepting_a_stale_suggestion_shows_the_three_values_and_asks_to_confirm(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    Client().post(f"/suggest/place/{shop.pk}/", {"address": "Le Bourg", "comment": "", "website_url": ""})
    suggestion = Suggestion.objects.get()
    client = Client()
    client.force_login(people.claire)
    client.post(f"/edit/place/{shop.pk}/", shop_form(shop, address="3 chemin des Chaumes"))

    page = client.get("/moderation/").content.decode()
    assert "Valeur au moment de la proposition" in page and "Valeur actuelle" in page
    assert "<strong>3 chemin des Chaumes</strong>" in page and "<ins>Le Bourg</ins>" in page

    response = client.post(f"/moderation/{suggestion.pk}/accept/")
    assert response.status_code == 409
    assert 'name="confirm" value="1"' in response.content.decode()
    shop.refresh_from_db()
    assert shop.address == "3 chemin des Chaumes"

    client.post(f"/moderation/{suggestion.pk}/accept/", {"confirm": "1"})
    shop.refresh_from_db()
    suggestion.refresh_from_db()
    assert shop.address == "Le Bourg" and suggestion.status == Suggestion.Status.ACCEPTED
