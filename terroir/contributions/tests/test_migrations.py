"""Claims, the audit log, revisions and suggestions moved to `contributions` without moving a row: the
tables keep their names, and merge traces written before the move can still be split."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from terroir.contributions.models import AuditEntry, Claim, Revision, Suggestion
from terroir.directory.models import Actor
from terroir.directory.references import entry_merge, entry_split

pytestmark = pytest.mark.django_db

traces = importlib.import_module("terroir.imports.migrations.0008_entry_merge_traces_name_contributions")


def test_the_moved_models_keep_their_tables() -> None:
    assert [m._meta.db_table for m in (Revision, Suggestion, Claim, AuditEntry)] == [
        "directory_revision", "directory_suggestion", "accounts_claim", "accounts_auditentry",
    ]  # fmt: skip


def test_a_merge_traced_before_the_move_splits_back_with_its_claims(territory: Any, people: Any) -> None:
    gone = Actor.objects.create(name="Rucher de la Durolle", is_producer=True)
    kept = territory.honey_farm
    claim = Claim.objects.create(user=people.hugo, actor=gone, message="C'est ma ferme")

    trace = entry_merge(entry=gone, into=kept)
    assert ["contributions.Claim", "actor", [claim.pk]] in trace["moved"]
    backward = {new: old for old, new in traces.MOVED.items()}
    before = traces.trace_relabel(trace, backward)
    assert ["accounts.Claim", "actor", [claim.pk]] in before["moved"]
    assert "contributions." not in str(before["moved"])

    after = traces.trace_relabel(before, traces.MOVED)
    assert after == trace
    back = entry_split(trace=after, from_id=kept.pk)
    assert isinstance(back, Actor)
    claim.refresh_from_db()
    assert claim.actor_id == back.pk
