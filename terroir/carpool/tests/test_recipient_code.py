"""A recipient without a Terroir account: the parcel goes to a guest account, and at delivery they receive
a one-time code by e-mail which they give to the person delivering, whose phone signs in their name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from terroir.accounts.services import api_token_create
from terroir.carpool import services
from terroir.carpool.models import HandoverKind, Parcel, ParcelStatus, Ride, SigningCode, Trip
from terroir.conftest import person as somebody

from .conftest import TUESDAY, Story, category, parcel_fields

pytestmark = pytest.mark.django_db
MARIE = "marie.dupont@example.org"


def delivered_to_marie(story: Story, mailoutbox: Any, capture: Any) -> tuple[Parcel, Any, str]:
    """Claire sends bread to Marie, who has no account; Hugo picks it up and records its delivery: Marie
    gets her code."""
    people = story.people
    with capture(execute=True):
        parcel = services.parcel_request(by=people.claire, recipient=MARIE, category=category("bread-cereals"),
                                         **parcel_fields(description="Pain de seigle", kg=2, litres=5))  # fmt: skip
    ride = Ride.objects.get(parcel=parcel)
    services.ride_confirm(ride=ride, by=people.hugo)
    services.ride_confirm(ride=ride, by=people.claire)
    pickup = services.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                      place="Courpière")  # fmt: skip
    services.handover_accept(handover=pickup, by=people.hugo)
    mailoutbox.clear()
    with capture(execute=True):
        delivery = services.handover_record(parcel=parcel, by=people.hugo, kind=HandoverKind.DELIVERY,
                                            taker=parcel.recipient, place="Clermont-Ferrand")  # fmt: skip
    [mail] = [m for m in mailoutbox if MARIE in m.to]
    found = re.search(r"^\s+(\d{6})$", mail.body, re.MULTILINE)
    assert found is not None, mail.body
    return parcel, delivery, found.group(1)


def test_a_recipient_without_an_account_gets_a_guest_account_that_cannot_sign_in(story: Story) -> None:
    parcel = services.parcel_request(by=story.people.claire, recipient=MARIE, category=category("bread-cereals"),
                                     **parcel_fields())  # fmt: skip
    guest = parcel.recipient
    assert parcel.recipient_email == MARIE and guest.username.startswith("destinataire-")
    assert guest.email == "" and not guest.is_active and not guest.has_usable_password()
    known = services.parcel_request(by=story.people.claire, recipient=story.people.sophie.email,
                                    category=category("bread-cereals"), **parcel_fields())  # fmt: skip
    assert known.recipient == story.people.sophie and known.recipient_email == ""


def test_the_person_delivering_signs_with_the_code_the_recipient_received_by_e_mail(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(services.Refused, match="Code erroné"):
        services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=wrong)
    assert SigningCode.objects.get(handover=delivery).attempts == 1
    with pytest.raises(PermissionDenied):  # only the person delivering types it
        services.handover_accept_with_code(handover=delivery, by=story.people.claire, code=code)
    signed = services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=f" {code} ")
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.DELIVERED and parcel.holder == parcel.recipient
    assert signed.by == parcel.recipient and "code à usage unique" in signed.note
    with pytest.raises(services.Refused):
        services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=code)


def test_after_five_wrong_codes_only_a_new_code_signs(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _try in range(5):
        with pytest.raises(services.Refused):
            services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=wrong)
    with pytest.raises(services.Refused, match="ne permet plus"):
        services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=code)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_code_resend(handover=delivery, by=story.people.hugo)
    new = re.search(r"^\s+(\d{6})$", mailoutbox[0].body, re.MULTILINE)
    assert new is not None and mailoutbox[0].to == [MARIE]
    services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=new.group(1))
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelStatus.DELIVERED


def test_the_parcel_page_offers_the_code_to_the_person_delivering_only(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    hugo, claire = Client(), Client()
    hugo.force_login(story.people.hugo)
    claire.force_login(story.people.claire)
    assert 'id="sign-with-code"' in hugo.get(f"/carpool/parcels/{parcel.pk}/").content.decode()
    assert 'id="sign-with-code"' not in claire.get(f"/carpool/parcels/{parcel.pk}/").content.decode()
    form = {"code-code": code, "code-state": "good"}
    assert claire.post(f"/carpool/handovers/{delivery.pk}/code/", form).status_code == 403
    answer = hugo.post(f"/carpool/handovers/{delivery.pk}/code/", form)
    assert answer.status_code == 302
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelStatus.DELIVERED
    assert claire.post(f"/carpool/handovers/{delivery.pk}/code/resend/").status_code == 403


def test_the_parcel_form_takes_a_recipient_without_an_account(story: Story) -> None:
    client = Client()
    client.force_login(story.people.claire)
    data = {
        "description": "Pain", "category": category("bread-cereals").pk, "origin": "Courpière",
        "destination": "Clermont-Ferrand", "recipient": MARIE, "day": TUESDAY.isoformat(), "ready_at": "07:00",
        "due_by": "11:00", "kg": "2", "litres": "5", "condition": "none", "value": "10",
    }  # fmt: skip
    refused = client.post("/carpool/parcels/new/", {**data, "kg": "0", "litres": "0"})
    assert refused.status_code == 200 and "Assurez-vous que cette valeur est supérieure ou égale à 0,01." in (
        refused.content.decode()
    )  # not "0.01"
    assert "supérieure ou égale à 0,1." in refused.content.decode()
    answer = client.post("/carpool/parcels/new/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Parcel.objects.get(description="Pain").recipient_email == MARIE


def test_the_trip_and_parcel_forms_refuse_a_day_gone_by_under_the_day_and_keep_what_was_typed(story: Story) -> None:
    """The carpool's service refuses it (the pages and the API alike); the date is counted from today."""
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    trip = {
        "origin": "Thiers", "destination": "Clermont-Ferrand", "day": yesterday, "leaves": "08:00",
        "arrives_by": "10:30", "free_kg": "50", "free_litres": "200", "condition": "refrigerated",
        "detour_minutes": "15", "price_rule": "free", "note": "Marché du samedi",
    }  # fmt: skip
    parcel = {
        "description": "Pain de seigle", "category": category("bread-cereals").pk, "origin": "Courpière",
        "destination": "Clermont-Ferrand", "recipient": MARIE, "day": yesterday, "ready_at": "07:00",
        "due_by": "11:00", "kg": "2", "litres": "5", "condition": "none", "value": "10",
    }  # fmt: skip
    for who, url, data, kept in ((story.people.hugo, "/carpool/trips/new/", trip, "Marché du samedi"),
                                 (story.people.claire, "/carpool/parcels/new/", parcel, "Pain de seigle")):  # fmt: skip
        client = Client()
        client.force_login(who)
        page = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200
        said = page.content.decode()
        assert re.search(r'<ul class="errorlist" id="id_day_error"><li>Ce jour est passé', said), url
        assert f'value="{yesterday}"' in said and kept in said  # nothing typed is lost
        # The phone's date picker offers no day gone by: the day's input starts today.
        today = timezone.localdate().isoformat()
        assert re.search(rf'<input type="date" name="day" value="{yesterday}"[^>]* min="{today}"', said), said
    assert Trip.objects.count() == 1 and Parcel.objects.count() == 1  # the story's own only


def test_a_recipient_without_an_account_shows_as_their_e_mail_in_full_to_the_sender_and_driver_only(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Not as the guest account's name: the sender and the driver read the address they deliver to, anyone
    else who sees the parcel (a coordinator, the carrier planning its order) reads it masked."""
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=code)
    guest = parcel.recipient.get_username()
    pages = (f"/carpool/parcels/{parcel.pk}/", f"/carpool/parcels/{parcel.pk}/note/")
    for person, shown in ((story.people.claire, MARIE), (story.people.hugo, MARIE),
                          (story.people.camille, "m•••@example.org")):  # fmt: skip
        client = Client()
        client.force_login(person)
        for url in pages:
            page = client.get(url).content.decode()
            assert guest not in page, (person, url)
            assert shown in page, (person, url)
            if shown != MARIE:
                assert MARIE not in page and "marie.dupont" not in page, url


def test_the_api_names_a_recipient_without_an_account_as_the_pages_do_never_by_the_guest_account(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The parcel, the parcels' list and the chain of responsibility, for each reader the parcel's page
    has: the sender and the driver read Marie's address, the coordinator reads it masked, someone else
    reads nothing of the parcel."""
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    services.handover_accept_with_code(handover=delivery, by=story.people.hugo, code=code)
    guest = parcel.recipient.get_username()
    outsider = somebody("paul@ailleurs.example.org")
    for reader, shown in ((story.people.claire, MARIE), (story.people.hugo, MARIE),
                          (story.people.camille, "m•••@example.org"), (outsider, None)):  # fmt: skip
        _token, key = api_token_create(user=reader, name="app", scope="read")
        api = Client(headers={"authorization": f"Bearer {key}"})
        one = api.get(f"/api/v1/carpool/parcels/{parcel.pk}")
        chain = api.get(f"/api/v1/carpool/parcels/{parcel.pk}/handovers")
        listed = [p for p in api.get("/api/v1/carpool/parcels").json() if p["id"] == parcel.pk]
        if shown is None:
            assert (one.status_code, chain.status_code, listed) == (404, 404, [])
            continue
        assert one.status_code == 200 and chain.status_code == 200, reader
        answers = (one.content.decode(), chain.content.decode(), str(listed))
        assert all(guest not in text for text in answers), reader
        assert (one.json()["recipient"], one.json()["holder"], listed[0]["recipient"]) == (shown, shown, shown)
        assert [h["taker"] for h in chain.json()] == [story.territory.honey_farm.name, shown]  # the driver by his farm
        if shown != MARIE:
            assert all("marie.dupont" not in text for text in answers), reader


def test_a_parcel_requested_through_the_api_for_a_recipient_without_an_account_names_them_by_their_e_mail(
    story: Story,
) -> None:
    _token, key = api_token_create(user=story.people.claire, name="app", scope="write")
    body = {
        "origin": {"name": "Courpière (63)", "lat": 45.756, "lon": 3.589},
        "destination": {"name": "Clermont-Ferrand (63)", "lat": 45.78, "lon": 3.096},
        "day": TUESDAY.isoformat(), "ready_at": "07:00", "due_by": "11:00", "kg": "2", "litres": "5",
        "category": "bread-cereals", "description": "Pain", "recipient": MARIE,
    }  # fmt: skip
    made = Client(headers={"authorization": f"Bearer {key}"}).post("/api/v1/carpool/parcels", body,
                                                                  content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["recipient"] == MARIE and not made.json()["recipient"].startswith("destinataire-")
