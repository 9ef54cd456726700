"""Owners of entries nobody confirmed for twelve months are reminded, once a month at most."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from terroir.contributions import verification
from terroir.directory import editing

pytestmark = pytest.mark.django_db


def test_owners_of_overdue_entries_are_reminded_once_a_month(territory: Any, people: Any) -> None:
    out = StringIO()
    call_command("verification_remind", stdout=out)
    # Hugo's honey farm was never checked; Claire's farm and shop were checked in June 2026 (not overdue
    # yet); Sophie's supermarket and its company were never checked.
    assert sorted(m.to[0] for m in mail.outbox) == [people.hugo.email, people.sophie.email]
    hugo = next(m for m in mail.outbox if m.to == [people.hugo.email])
    assert "Rucher de la Durolle" in hugo.body and "/edit/actor/" in hugo.body
    assert "2 people reminded." in out.getvalue()
    call_command("verification_remind", stdout=StringIO())
    assert len(mail.outbox) == 2  # not again the next day
    verification.entry_verify(entry=territory.honey_farm, by=people.hugo)
    assert editing.verification_due(territory.honey_farm) is False


def test_a_dry_run_sends_nothing(territory: Any, people: Any) -> None:
    out = StringIO()
    call_command("verification_remind", "--dry-run", stdout=out)
    assert mail.outbox == [] and "2 people would be reminded." in out.getvalue()


def test_claire_is_reminded_a_year_after_her_last_check(territory: Any, people: Any) -> None:
    from terroir.contributions.verification import verification_reminders_send

    verification_reminders_send(today=dt.date(2027, 6, 15))
    assert people.claire.email in {m.to[0] for m in mail.outbox}
