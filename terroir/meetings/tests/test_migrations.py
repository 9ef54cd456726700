"""Meeting days moved from `needs` to `meetings` without moving a row: the tables keep their names, the
content types follow the models, and merge traces written before the move can still be split."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from terroir.directory.models import Actor
from terroir.directory.references import entry_merge, entry_split
from terroir.meetings import services
from terroir.meetings.models import Event, Meeting, MeetingWish, Participant

pytestmark = pytest.mark.django_db

move = importlib.import_module("terroir.meetings.migrations.0001_meeting_days_from_needs")
traces = importlib.import_module("terroir.imports.migrations.0007_entry_merge_traces_name_meetings")


def test_the_moved_models_keep_the_tables_of_the_needs_board() -> None:
    assert [m._meta.db_table for m in (Event, Participant, MeetingWish, Meeting)] == [
        "needs_event", "needs_participant", "needs_meetingwish", "needs_meeting",
    ]  # fmt: skip


def test_the_content_types_of_the_moved_models_follow_them_with_their_permissions() -> None:
    # A database from before the move: the type is the needs board's and a permission hangs on it.
    ContentType.objects.filter(app_label="meetings", model="event").delete()
    old = ContentType.objects.create(app_label="needs", model="event")
    granted = Permission.objects.create(content_type=old, codename="plan_event", name="Can plan a meeting day")
    ContentType.objects.get_or_create(app_label="meetings", model="event")  # made by post_migrate meanwhile
    move.content_types_move(apps, None)
    moved = ContentType.objects.get(app_label="meetings", model="event")
    assert moved.pk == old.pk and not ContentType.objects.filter(app_label="needs", model="event").exists()
    granted.refresh_from_db()
    assert granted.content_type_id == moved.pk


def test_a_merge_traced_before_the_move_splits_back_with_its_participants(territory: Any, people: Any) -> None:
    gone = Actor.objects.create(name="Rucher de la Durolle", is_producer=True)
    kept = territory.honey_farm
    buyer = Actor.objects.get(name="SAS Supermarché des Volcans")
    when: dict[str, Any] = {
        "date": dt.date(2027, 3, 18),
        "start_time": dt.time(14),
        "slot_minutes": 15,
        "slots": 3,
        "tables": 2,
    }
    days = [services.event_create(by=people.camille, title=title, **when) for title in ("Ambert", "Thiers")]
    alone = services.participant_add(event=days[0], actor=gone, by=people.camille)
    twin = services.participant_add(event=days[1], actor=gone, by=people.camille)  # folded: `kept` is there too
    services.participant_add(event=days[1], actor=kept, by=people.camille)
    store = services.participant_add(event=days[1], actor=buyer, by=people.camille)
    services.wishes_set(participant=store, others=[twin], by=people.camille)

    trace = entry_merge(entry=gone, into=kept)
    before = traces.trace_relabel(trace, source="meetings", target="needs")
    assert ["needs.Participant", "actor", [alone.pk]] in before["moved"]
    assert "needs.meetingwish" in str(before["moved"]) and "meetings." not in str(before["moved"])

    after = traces.trace_relabel(before, source="needs", target="meetings")
    assert after == trace
    back = entry_split(trace=after, from_id=kept.pk)
    assert isinstance(back, Actor)
    assert set(Participant.objects.filter(actor=back).values_list("event_id", flat=True)) == {d.pk for d in days}
    assert MeetingWish.objects.filter(participant=store, other__actor=back).exists()
