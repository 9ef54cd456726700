"""Every carpool page × every role: anonymous (sent to log in), an outsider (signed in, no organisation), a
person of another organisation, the own side (Hugo drives the trip for the honey farm, Claire sends the
parcel for the cheese farm; Léa, Hugo's fellow member, sees the trip), and a coordinator. What is not
theirs does not exist for them (404); a write that is not theirs is refused (403) and changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from terroir.accounts.models import Membership
from terroir.carpool import services
from terroir.carpool.models import Handover, HandoverKind, Incident, Parcel, ParcelStatus, Ride, RideStatus, Trip
from terroir.conftest import person
from terroir.directory.models import Actor

from .conftest import Story
from .test_recipient_code import delivered_to_marie

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "outsider", "other_org", "fellow", "coordinator")


@pytest.fixture
def clients(story: Story) -> dict[str, Client]:
    other = Actor.objects.create(name="Transports du Forez", is_carrier=True, is_organisation=True)
    marc, lea, nina = person("marc@forez.example.org"), person("lea@durolle.example.org"), person("nina@example.org")
    Membership.objects.create(user=marc, actor=other, how="coordinator")
    Membership.objects.create(user=lea, actor=story.territory.honey_farm, how="member")
    people = {"outsider": nina, "other_org": marc, "fellow": lea, "coordinator": story.people.camille,
              "driver": story.people.hugo, "sender": story.people.claire, "recipient": story.people.sophie}  # fmt: skip
    result = {"anonymous": Client()}
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        result[role] = client
    return result


def picked(story: Story) -> Handover:
    ride = Ride.objects.get(parcel=story.parcel)
    services.ride_confirm(ride=ride, by=story.people.hugo)
    services.ride_confirm(ride=ride, by=story.people.claire)
    photo = services.Photo(b"\xff\xd8fake jpeg bytes")
    return services.handover_record(
        parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP, taker=story.people.hugo,
        place="Courpière", celsius=Decimal(3), photo=photo,
    )  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_reading_pages_by_role(role: str, story: Story, clients: dict[str, Client]) -> None:
    handover = picked(story)
    client = clients[role]
    trip, parcel = story.trip.pk, story.parcel.pk
    pages = {
        "/carpool/": 200, "/carpool/trips/new/": 200, "/carpool/parcels/new/": 200,
        f"/carpool/trips/{trip}/": 404, f"/carpool/parcels/{parcel}/": 404, f"/carpool/parcels/{parcel}/note/": 404,
        f"/carpool/handovers/{handover.pk}/photo/": 404, "/carpool/eligibility/": 403,
    }  # fmt: skip
    if role == "fellow":  # Léa sees her organisation's trip, not Claire's parcel
        pages[f"/carpool/trips/{trip}/"] = 200
    if role == "coordinator":
        pages = dict.fromkeys(pages, 200)
    for url, status in pages.items():
        answer = client.get(url)
        if role == "anonymous":
            assert answer.status_code == 302 and "/account/login/" in answer["Location"], url
        else:
            assert answer.status_code == status, (url, answer.status_code)


@pytest.mark.parametrize("who", ["driver", "sender", "recipient"])
def test_the_sides_of_a_ride_see_the_parcel_its_trip_and_the_note(who: str, story: Story, clients: Any) -> None:
    handover = picked(story)
    for url in (f"/carpool/parcels/{story.parcel.pk}/", f"/carpool/parcels/{story.parcel.pk}/note/",
                f"/carpool/trips/{story.trip.pk}/", f"/carpool/handovers/{handover.pk}/photo/"):  # fmt: skip
        assert clients[who].get(url).status_code == 200, url
    assert clients[who].get("/carpool/eligibility/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_writes_by_role_change_nothing_that_is_not_theirs(role: str, story: Story, clients: dict[str, Client]) -> None:
    client = clients[role]
    ride = Ride.objects.get(parcel=story.parcel)
    parcel, trip = story.parcel.pk, story.trip.pk
    writes = [
        (f"/carpool/rides/{ride.pk}/confirm/", {}), (f"/carpool/rides/{ride.pk}/decline/", {}),
        (f"/carpool/parcels/{parcel}/cancel/", {}), (f"/carpool/trips/{trip}/cancel/", {}),
        (f"/carpool/parcels/{parcel}/incident/", {"incident-kind": "late", "incident-note": "x"}),
        (f"/carpool/parcels/{parcel}/handover/",
         {"handover-kind": "pickup", "handover-place": "x", "handover-state": "good", "handover-celsius": "3"}),
    ]  # fmt: skip
    for url, data in writes:
        answer = client.post(url, data)
        if role == "anonymous":
            assert answer.status_code == 302 and "/account/login/" in answer["Location"], url
        elif role == "coordinator":
            assert answer.status_code in (302, 403), url  # sees everything, but is no side of the ride
        elif role == "fellow" and "/trips/" in url:
            assert answer.status_code == 302, url  # Léa may cancel her organisation's trip
        else:
            assert answer.status_code == 404, (url, answer.status_code)
    ride.refresh_from_db()
    assert ride.driver_confirmed_at is None and ride.sender_confirmed_at is None
    assert not Handover.objects.exists()
    if role != "fellow":
        assert Parcel.objects.get(pk=parcel).status == ParcelStatus.PROPOSED
        assert not Trip.objects.get(pk=trip).cancelled
    if role != "coordinator":
        assert not Incident.objects.exists()


def test_only_the_taker_signs_a_handover(story: Story, clients: dict[str, Client]) -> None:
    handover = picked(story)
    url = f"/carpool/handovers/{handover.pk}/accept/"
    for role in ("outsider", "other_org", "fellow"):
        assert clients[role].post(url, {"accept-state": "good", "accept-celsius": "3"}).status_code == 404
    for role in ("sender", "recipient", "coordinator"):
        clients[role].post(
            url, {"accept-state": "good", "accept-celsius": "3"}
        )  # they see the parcel: refused with a message
    assert Parcel.objects.get(pk=story.parcel.pk).holder == story.people.claire
    clients["driver"].post(url, {"accept-state": "good", "accept-celsius": "3"})
    assert Parcel.objects.get(pk=story.parcel.pk).holder == story.people.hugo


def test_the_own_sides_write_through_the_pages(story: Story, clients: dict[str, Client]) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    assert clients["driver"].post(f"/carpool/rides/{ride.pk}/confirm/").status_code == 302
    assert clients["sender"].post(f"/carpool/rides/{ride.pk}/confirm/").status_code == 302
    assert Ride.objects.get(pk=ride.pk).status == RideStatus.CONFIRMED
    image = SimpleUploadedFile("box.png", _png(), content_type="image/png")
    answer = clients["sender"].post(f"/carpool/parcels/{story.parcel.pk}/handover/", {
        "handover-kind": "pickup", "handover-place": "Courpière", "handover-state": "good",
        "handover-celsius": "3.5", "handover-photo": image,
    })  # fmt: skip
    assert answer.status_code == 302
    handover = Handover.objects.get()
    assert handover.taker == story.people.hugo and handover.photo.name.endswith(".jpg")


def test_a_handover_photo_that_is_no_image_is_refused(story: Story, clients: dict[str, Client]) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    services.ride_confirm(ride=ride, by=story.people.hugo)
    services.ride_confirm(ride=ride, by=story.people.claire)
    fake = SimpleUploadedFile("box.png", b"<script>not an image</script>", content_type="image/png")
    clients["sender"].post(f"/carpool/parcels/{story.parcel.pk}/handover/", {
        "handover-kind": "pickup", "handover-place": "Courpière", "handover-state": "good",
        "handover-celsius": "3.5", "handover-photo": fake,
    })  # fmt: skip
    assert not Handover.objects.exists()


def test_coordinators_edit_the_eligibility_table(story: Story, clients: dict[str, Client]) -> None:
    page = clients["coordinator"].get("/carpool/eligibility/")
    assert page.status_code == 200
    formset = page.context["formset"]
    data = {"rule-TOTAL_FORMS": str(len(formset.forms)), "rule-INITIAL_FORMS": str(len(formset.forms))}
    for k, form in enumerate(formset.forms):
        rule = form.instance
        data[f"rule-{k}-id"] = str(rule.pk)
        data[f"rule-{k}-condition"] = rule.condition
        if rule.allowed and rule.category.slug != "eggs":
            data[f"rule-{k}-allowed"] = "on"
        if rule.temperature_record:
            data[f"rule-{k}-temperature_record"] = "on"
        if rule.max_celsius is not None:
            data[f"rule-{k}-max_celsius"] = str(rule.max_celsius)
    assert clients["coordinator"].post("/carpool/eligibility/", data).status_code == 302
    from terroir.carpool.models import Eligibility

    assert not Eligibility.objects.get(category__slug="eggs").allowed
    assert Eligibility.objects.get(category__slug="dairy").allowed
    assert clients["sender"].post("/carpool/eligibility/", data).status_code == 403


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return out.getvalue()


def test_only_the_person_delivering_signs_with_a_recipient_s_code(
    story: Story, clients: dict[str, Client], mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    parcel, delivery, code = delivered_to_marie(story, mailoutbox, django_capture_on_commit_callbacks)
    form = {"code-code": code, "code-state": "good"}
    for url in (f"/carpool/handovers/{delivery.pk}/code/", f"/carpool/handovers/{delivery.pk}/code/resend/"):
        answer = clients["anonymous"].post(url, form)
        assert answer.status_code == 302 and "/account/login/" in answer["Location"]
        for role in ("outsider", "other_org", "fellow", "recipient"):
            assert clients[role].post(url, form).status_code == 404, (role, url)
        for role in ("sender", "coordinator"):
            assert clients[role].post(url, form).status_code == 403, (role, url)
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelStatus.ON_ITS_WAY
    assert clients["driver"].post(f"/carpool/handovers/{delivery.pk}/code/", form).status_code == 302
    assert Parcel.objects.get(pk=parcel.pk).status == ParcelStatus.DELIVERED


def test_the_parcel_and_its_note_write_its_value_as_an_amount_of_the_readers_language(
    story: Story, clients: Any
) -> None:
    """Through the site's money filter: "120,00 €" with a no-break space in French (the euro sign never
    alone at a line's start), "€120.00" in English — not "120 €" in both."""
    sender = clients["sender"]
    for url in (f"/carpool/parcels/{story.parcel.pk}/", f"/carpool/parcels/{story.parcel.pk}/note/"):
        assert "120,00\u00a0€" in sender.get(url, headers={"accept-language": "fr"}).content.decode(), url
        assert "€120.00" in sender.get(url, headers={"accept-language": "en"}).content.decode(), url
