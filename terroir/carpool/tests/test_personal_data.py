"""People who signed handovers erase their account: the chain of responsibility keeps who held the goods
when, each erased person replaced by one stable pseudonym; what had not happened yet goes with them; the
database still refuses any other change; the right of access includes carpooling."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from terroir.carpool import services
from terroir.carpool.models import Acceptance, Handover, Incident, IncidentKind, Parcel, ParcelStatus, Pseudonym, Trip
from terroir.contributions import personal_data

from .conftest import Story, category, parcel_fields
from .test_services import picked_up

pytestmark = pytest.mark.django_db


def test_erasing_a_driver_who_signed_keeps_the_chain_with_one_stable_pseudonym(story: Story) -> None:
    people = story.people
    handover = picked_up(story)  # Claire gave, Hugo (the driver) took and signed: he holds the parcel
    services.incident_record(parcel=story.parcel, by=people.claire, kind=IncidentKind.LATE, note="20 min")
    hugo_pk = people.hugo.pk
    personal_data.user_delete(user=people.hugo, hand_over=[story.territory.honey_farm.pk])

    assert not get_user_model().objects.filter(pk=hugo_pk).exists()
    stand_in = Pseudonym.objects.get().user
    assert stand_in.username.startswith("anonyme-") and stand_in.email == "" and not stand_in.is_active
    assert not stand_in.has_usable_password()
    handover = Handover.objects.get(pk=handover.pk)
    assert (handover.giver, handover.taker) == (people.claire, stand_in)
    assert Acceptance.objects.get(handover=handover).by == stand_in
    assert Incident.objects.get().holder == stand_in and Incident.objects.get().by == people.claire
    parcel = Parcel.objects.get(pk=story.parcel.pk)
    assert parcel.holder == stand_in and parcel.status == ParcelStatus.ON_ITS_WAY  # the goods are still somewhere
    trip = Trip.objects.get(pk=story.trip.pk)
    assert trip.driver == stand_in and trip.cancelled  # his coming days will not run


def test_each_erased_person_has_their_own_pseudonym_and_a_waiting_parcel_goes_with_its_sender(
    story: Story,
) -> None:
    people = story.people
    handover = picked_up(story)
    other = services.parcel_request(by=people.claire, recipient=people.sophie, category=category("bread-cereals"),
                                    **parcel_fields(description="Pain"))  # fmt: skip
    personal_data.user_delete(user=people.hugo, hand_over=[story.territory.honey_farm.pk])
    personal_data.user_delete(user=people.claire, hand_over=[story.territory.cheese_farm.pk])
    handover = Handover.objects.get(pk=handover.pk)
    assert handover.giver != handover.taker
    assert {handover.giver_id, handover.taker_id} == set(Pseudonym.objects.values_list("user_id", flat=True))
    other.refresh_from_db()
    assert other.status == ParcelStatus.CANCELLED and other.sender_id == handover.giver_id


def test_the_database_still_refuses_any_change_but_a_person_replaced_by_a_pseudonym(story: Story) -> None:
    handover = picked_up(story)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE carpool_handover SET place = 'elsewhere' WHERE id = %s", [handover.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE carpool_handover SET giver_id = %s WHERE id = %s", [story.people.sophie.pk, handover.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE carpool_acceptance SET by_id = %s", [story.people.sophie.pk])
    assert Handover.objects.get(pk=handover.pk).giver == story.people.claire


def test_a_person_who_never_carpooled_leaves_no_pseudonym(territory: Any, people: Any) -> None:
    personal_data.user_delete(user=people.camille)
    assert not Pseudonym.objects.exists()


def test_the_right_of_access_includes_the_person_s_carpooling(story: Story) -> None:
    picked_up(story)
    mine = personal_data.user_data_export(user=story.people.hugo)["carpool"]
    assert [t["id"] for t in mine["trips"]] == [story.trip.pk]
    assert mine["handovers"][0]["gave"] is False and len(mine["signatures"]) == 1
    theirs = personal_data.user_data_export(user=story.people.claire)["carpool"]
    assert theirs["parcels"][0]["sent"] is True and theirs["handovers"][0]["gave"] is True
