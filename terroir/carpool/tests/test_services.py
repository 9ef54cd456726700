"""Carpooling end to end through the services: matching proposes, both sides confirm, the parcel changes
hands only by handovers its holder records and its taker signs, and the trail cannot be rewritten."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from terroir.carpool import matchmaking, services
from terroir.carpool.eligibility import eligibility_of, eligibility_seed
from terroir.carpool.models import (
    Acceptance,
    Condition,
    Eligibility,
    Handover,
    HandoverKind,
    Incident,
    IncidentKind,
    Parcel,
    ParcelStatus,
    Ride,
    RideStatus,
)
from terroir.carpool.presenters import reliability_said, ride_explained

from .conftest import TUESDAY, Story, category, parcel_fields, trip_fields

pytestmark = pytest.mark.django_db


def confirmed(story: Story) -> Ride:
    ride = Ride.objects.get(parcel=story.parcel)
    services.ride_confirm(ride=ride, by=story.people.hugo)
    return services.ride_confirm(ride=ride, by=story.people.claire)


def picked_up(story: Story) -> Handover:
    confirmed(story)
    handover = services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                        taker=story.people.hugo, place="Courpière", celsius=Decimal("3.5"))  # fmt: skip
    services.handover_accept(handover=handover, by=story.people.hugo, celsius=Decimal("3.6"))
    return handover


def test_the_eligibility_table_is_seeded_as_the_issue_says() -> None:
    rules = {rule.category.slug: rule for rule in Eligibility.objects.select_related("category")}
    for slug in ("bread-cereals", "vegetables", "fruit", "eggs"):
        assert rules[slug].allowed and rules[slug].condition == Condition.NONE
    for slug in ("dairy", "meat", "fish"):
        assert rules[slug].condition == Condition.REFRIGERATED and rules[slug].temperature_record
    dairy = eligibility_of(category("goat-cheese"))  # read up the tree
    assert dairy is not None and dairy.category.slug == "dairy"


def test_a_parcel_is_proposed_on_a_trip_and_both_sides_are_told(story: Story, mailoutbox: Any) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    assert ride.trip == story.trip and ride.status == RideStatus.PROPOSED and ride.date == TUESDAY
    assert story.parcel.status == ParcelStatus.PROPOSED
    assert {m.to[0] for m in mailoutbox} >= {story.people.hugo.email, story.people.claire.email}
    assert "Fiabilité du trajet\u202f: aucun trajet passé enregistré" in mailoutbox[0].body
    with translation.override("fr"):
        said = ride_explained(ride)
    assert said.startswith(f"+{ride.added_minutes} min, réfrigéré, arrive à ")
    assert " h " in said  # "10 h 40", the French way


def test_a_ride_is_confirmed_when_both_sides_confirm(story: Story, mailoutbox: Any) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    services.ride_confirm(ride=ride, by=story.people.hugo)
    assert Ride.objects.get(pk=ride.pk).status == RideStatus.PROPOSED
    with pytest.raises(services.PermissionDenied):
        services.ride_confirm(ride=ride, by=story.people.sophie)
    services.ride_confirm(ride=ride, by=story.people.claire)
    assert Ride.objects.get(pk=ride.pk).status == RideStatus.CONFIRMED
    assert Parcel.objects.get(pk=story.parcel.pk).status == ParcelStatus.CONFIRMED


def test_a_refrigerated_parcel_is_never_matched_to_an_ambient_trip(story: Story, people: Any, territory: Any) -> None:
    ambient = services.trip_offer(by=people.hugo, **trip_fields(condition=Condition.NONE, free_kg=500))
    services.parcel_cancel(parcel=story.parcel, by=people.claire)
    milk = services.parcel_request(by=people.claire, recipient=people.sophie, category=category("milk"),
                                   **parcel_fields(description="Lait cru"))  # fmt: skip
    Ride.objects.filter(trip=story.trip).delete()
    services.trip_cancel(trip=story.trip, by=people.hugo)
    assert matchmaking.day_match(day=TUESDAY) == []
    milk.refresh_from_db()
    assert milk.status == ParcelStatus.WAITING and milk.unmatched_reason == "cold_chain"
    bread = services.parcel_request(by=people.claire, recipient=people.sophie, category=category("bread"),
                                    **parcel_fields(description="Pain"))  # fmt: skip
    [ride] = matchmaking.day_match(day=TUESDAY)
    assert ride.parcel == bread and ride.trip == ambient


def test_a_family_without_a_rule_may_not_ride(people: Any, territory: Any) -> None:
    Eligibility.objects.filter(category__slug="honey").delete()
    with pytest.raises(services.Refused):
        services.parcel_request(by=people.claire, recipient=people.sophie, category=category("honey"),
                                **parcel_fields())  # fmt: skip


def test_a_handover_cannot_be_recorded_by_someone_who_does_not_hold_the_parcel(story: Story) -> None:
    confirmed(story)
    for outsider in (story.people.hugo, story.people.sophie, story.people.camille):
        with pytest.raises(services.Refused, match="détient"):
            services.handover_record(parcel=story.parcel, by=outsider, kind=HandoverKind.PICKUP,
                                     taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    assert not Handover.objects.exists()


def test_the_holder_changes_only_when_the_taker_signs(story: Story) -> None:
    confirmed(story)
    handover = services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                        taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    assert Parcel.objects.get(pk=story.parcel.pk).holder == story.people.claire  # still responsible
    with pytest.raises(services.Refused):
        services.handover_accept(handover=handover, by=story.people.sophie, celsius=Decimal(3))
    services.handover_accept(handover=handover, by=story.people.hugo, celsius=Decimal(3))
    parcel = Parcel.objects.get(pk=story.parcel.pk)
    assert parcel.holder == story.people.hugo and parcel.status == ParcelStatus.ON_ITS_WAY
    with pytest.raises(services.Refused, match="détient"):  # Claire no longer holds it
        services.handover_record(parcel=parcel, by=story.people.claire, kind=HandoverKind.DELIVERY,
                                 taker=story.people.sophie, place="Clermont", celsius=Decimal(3))  # fmt: skip
    delivery = services.handover_record(parcel=parcel, by=story.people.hugo, kind=HandoverKind.DELIVERY,
                                        taker=story.people.sophie, place="Clermont", celsius=Decimal(3))  # fmt: skip
    services.handover_accept(handover=delivery, by=story.people.sophie, celsius=Decimal("3.2"))
    parcel.refresh_from_db()
    assert parcel.holder == story.people.sophie and parcel.status == ParcelStatus.DELIVERED


def test_a_pickup_goes_to_the_driver_and_a_delivery_to_the_recipient(story: Story) -> None:
    with pytest.raises(services.Refused):  # not confirmed yet
        services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                 taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    confirmed(story)
    with pytest.raises(services.Refused, match="conducteur"):
        services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                 taker=story.people.sophie, place="Courpière", celsius=Decimal(3))  # fmt: skip
    with pytest.raises(services.Refused, match="température"):
        services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                 taker=story.people.hugo, place="Courpière")  # fmt: skip


def test_a_parcel_is_never_held_by_two_people_a_second_handover_waits_for_the_first(story: Story) -> None:
    confirmed(story)
    services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                             taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    with pytest.raises(services.Refused, match="attend la signature"):
        services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                 taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    # The database refuses a second handover of the same rank, whatever the code above it does.
    first = Handover.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(parcel=first.parcel, rank=1, kind=HandoverKind.PICKUP, giver=first.giver,
                                taker=story.people.sophie, at=first.at, place="ailleurs")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():  # and a second signature of one handover
        Acceptance.objects.create(handover=first, by=story.people.hugo, at=first.at)
        Acceptance.objects.create(handover=first, by=story.people.hugo, at=first.at)


def test_the_chain_is_append_only(story: Story) -> None:
    handover = picked_up(story)
    handover.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        handover.save()
    with pytest.raises(ValueError, match="append-only"):
        handover.delete()
    with pytest.raises(ValueError, match="append-only"):
        Handover.objects.filter(pk=handover.pk).update(note="rewritten")
    with pytest.raises(ValueError, match="append-only"):
        Incident.objects.all().delete()
    # Below the ORM too: the database's trigger refuses an UPDATE.
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE carpool_handover SET note = 'rewritten' WHERE id = %s", [handover.pk])
    assert Handover.objects.get(pk=handover.pk).note == ""


def test_a_temperature_over_the_familys_highest_is_an_incident_naming_the_holder(story: Story) -> None:
    picked_up(story)
    warm = Decimal("7.5")
    delivery = services.handover_record(parcel=story.parcel, by=story.people.hugo, kind=HandoverKind.DELIVERY,
                                        taker=story.people.sophie, place="Clermont", celsius=warm)  # fmt: skip
    [incident] = Incident.objects.all()
    assert incident.kind == IncidentKind.TEMPERATURE and incident.holder == story.people.hugo
    assert incident.celsius == Decimal("7.5")
    services.handover_accept(handover=delivery, by=story.people.sophie, celsius=Decimal("7.9"), state="damaged")
    assert Incident.objects.filter(holder=story.people.sophie).count() == 2  # damaged + temperature, on signing
    late = services.incident_record(parcel=story.parcel, by=story.people.claire, kind=IncidentKind.LATE, note="1 h")
    assert late.holder == story.people.sophie


def test_an_outsider_cannot_record_an_incident(story: Story, territory: Any) -> None:
    from terroir.conftest import person

    with pytest.raises(services.PermissionDenied):
        services.incident_record(parcel=story.parcel, by=person("nina@example.org"), kind=IncidentKind.LATE)


def test_reliability_counts_the_past_days_a_recurring_trip_really_ran(story: Story) -> None:
    handover = picked_up(story)
    later = TUESDAY + datetime.timedelta(days=7)
    other = Parcel.objects.create(**parcel_fields(day=later), sender=story.people.claire, holder=story.people.claire,
                                  recipient=story.people.sophie, category=category("bread"))  # fmt: skip
    Ride.objects.create(parcel=other, trip=story.trip, date=later, added_minutes=3, pickup_at=datetime.time(8, 20),
                        arrives_at=datetime.time(9, 30), status=RideStatus.CONFIRMED)  # fmt: skip
    result = matchmaking.reliability([story.trip], today=later + datetime.timedelta(days=1))[story.trip.pk]
    assert (result.ran, result.planned) == (1, 2)  # the second Tuesday had no pickup: it did not run
    with translation.override("fr"):
        assert reliability_said(result) == "a roulé 1 des 2 jours prévus (50 %)"
    assert handover.kind == HandoverKind.PICKUP


def test_a_declined_ride_sends_the_parcel_back_to_matching(
    story: Story, django_capture_on_commit_callbacks: Any
) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    with django_capture_on_commit_callbacks(execute=True):
        services.ride_decline(ride=ride, by=story.people.hugo)
    assert Ride.objects.get(pk=ride.pk).status == RideStatus.DECLINED
    # Matched again: the same trip is the only one (the decline does not ban it) — a new proposal.
    assert Ride.objects.filter(parcel=story.parcel, status=RideStatus.PROPOSED).count() == 1


def test_a_parcel_has_one_live_ride_at_most(story: Story) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ride.objects.create(parcel=story.parcel, trip=ride.trip, date=ride.date, added_minutes=1,
                            pickup_at=ride.pickup_at, arrives_at=ride.arrives_at)  # fmt: skip


def test_eligibility_is_the_coordinators_to_change(people: Any, territory: Any) -> None:
    from terroir.carpool.eligibility import eligibility_save

    eligibility_seed()
    with pytest.raises(services.PermissionDenied):
        eligibility_save(category=category("eggs"), allowed=False, condition="none", temperature_record=False,
                         max_celsius=None, by=people.claire)  # fmt: skip
    eligibility_save(category=category("eggs"), allowed=False, condition="none", temperature_record=False,
                     max_celsius=None, by=people.camille)  # fmt: skip
    eggs = eligibility_of(category("eggs"))
    assert eggs is not None and not eggs.allowed


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_to_hand_over_one_parcel_leave_one_handover(
    territory: Any, people: Any, mailoutbox: Any
) -> None:
    """Two threads (two phones) record the pickup at once: one handover is kept, the other refused."""
    eligibility_seed()
    trip = services.trip_offer(by=people.hugo, **trip_fields())
    parcel = services.parcel_request(by=people.claire, recipient=people.sophie, category=category("cow-cheese"),
                                     **parcel_fields())  # fmt: skip
    matchmaking.day_match(day=TUESDAY)
    ride = Ride.objects.get(parcel=parcel, trip=trip)
    services.ride_confirm(ride=ride, by=people.hugo)
    services.ride_confirm(ride=ride, by=people.claire)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            start.wait()
            services.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                     place="Courpière", celsius=Decimal(3))  # fmt: skip
            outcomes.append("recorded")
        except services.Refused:
            outcomes.append("refused")
        except Exception as exc:  # SQLite may answer "database is locked" to the second writer
            outcomes.append(f"failed: {type(exc).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("recorded") == 1, outcomes
    assert Handover.objects.filter(parcel=parcel).count() == 1
    assert Parcel.objects.get(pk=parcel.pk).holder == people.claire


def test_a_trip_or_a_parcel_on_a_day_gone_by_is_refused_by_the_service_and_today_is_taken(story: Story) -> None:
    """Dates counted from today, so the test holds whatever day it runs."""
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    with translation.override("fr"), pytest.raises(ValidationError) as trip_refused:
        services.trip_offer(by=story.people.hugo, **trip_fields(day=yesterday, weekdays=0))
    assert trip_refused.value.message_dict == {
        "day": ["Ce jour est passé\u202f: choisissez aujourd’hui ou un jour à venir."]
    }
    with pytest.raises(ValidationError) as parcel_refused:
        services.parcel_request(by=story.people.claire, recipient=story.people.sophie, category=category("cow-cheese"),
                                **parcel_fields(day=yesterday))  # fmt: skip
    assert list(parcel_refused.value.message_dict) == ["day"]
    with pytest.raises(ValidationError):
        services.parcel_change(parcel=story.parcel, by=story.people.claire, day=yesterday)
    assert Parcel.objects.get(pk=story.parcel.pk).day == TUESDAY  # nothing changed
    assert services.trip_offer(by=story.people.hugo, **trip_fields(day=today, weekdays=0)).day == today
    parcel = services.parcel_request(by=story.people.claire, recipient=story.people.sophie,
                                     category=category("cow-cheese"), **parcel_fields(day=today))  # fmt: skip
    assert parcel.day == today


def test_the_trip_parcel_and_note_pages_say_their_times_as_the_reader_tells_the_time(story: Story) -> None:
    """ "8 h–10 h 30" for a French reader, "8 am–10:30 am" in English: never "08:00–10:30"."""
    client = Client()
    client.force_login(story.people.claire)
    trip = client.get(story.trip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "8 h–10 h 30" in trip and "08:00" not in trip and "10:30" not in trip
    assert "8 am–10:30 am" in client.get(story.trip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    parcel = client.get(story.parcel.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "prêt à partir de 7 h" in parcel and "avant 11 h" in parcel
    assert "07:00" not in parcel and "11:00" not in parcel
    note = client.get(f"/carpool/parcels/{story.parcel.pk}/note/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "7 h–11 h" in note and "07:00" not in note
    home = client.get("/carpool/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "08:00" not in home
    # A short day as French writes it, "mar 8 déc.", never "mar 8 Déc" (Django's "M" is English-cased).
    short = date_format(story.parcel.day, "D j N")
    assert short in home and short in parcel and date_format(story.parcel.day, "j M") not in home + parcel + trip
