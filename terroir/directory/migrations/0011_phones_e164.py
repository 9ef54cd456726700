"""Phones stored one way: E.164 (+33473123456), as the field registry (terroir.directory.fields) now stores
them. Before it, edits stored "04 73 12 34 56" and imports "+33473123456" in the same columns.

A value that is not a phone number anybody can read is kept as it was: nothing a person gave is lost; the
migration says how many were kept so that they can be looked at. logistics.0005 reuses `phones_normalise`
for the drivers' phones."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db import migrations

from terroir.directory.fields import phone_parse


@dataclass
class Normalised:
    changed: int = 0
    unchanged: int = 0
    kept: list[Any] = field(default_factory=list)  # the ids of rows whose phone could not be read

    def text(self, label: str) -> str:
        line = f"  {label}: {self.changed} phones written E.164, {self.unchanged} already were"
        if self.kept:
            ids = ", ".join(map(str, self.kept[:20])) + ("…" if len(self.kept) > 20 else "")
            line += f", {len(self.kept)} kept as given, not a phone number (ids {ids})"
        return line


def phones_normalise(model: Any, column: str = "phone", *, batch: int = 500) -> Normalised:
    """Rewrite the non-empty phones of `model` in E.164; what cannot be read stays as it is."""
    done = Normalised()
    pending = []
    rows = model.objects.exclude(**{column: ""}).only("pk", column).order_by("pk")
    for row in rows.iterator(chunk_size=batch):
        given = getattr(row, column)
        number = phone_parse(given)
        if number is None:
            done.kept.append(row.pk)
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 == given:
            done.unchanged += 1
            continue
        setattr(row, column, e164)
        pending.append(row)
        done.changed += 1
        if len(pending) >= batch:
            model.objects.bulk_update(pending, [column])
            pending = []
    if pending:
        model.objects.bulk_update(pending, [column])
    return done


def report(label: str, done: Normalised, write: Callable[[str], Any] = sys.stdout.write) -> None:
    if done.changed or done.kept:
        write("\n" + done.text(label))  # after "Applying directory.0011_phones_e164...", before its " OK"


def forward(apps: Any, schema_editor: Any) -> None:
    for name in ("Actor", "Place"):
        report(f"directory.{name}", phones_normalise(apps.get_model("directory", name)))


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_revisions_and_suggestions_to_contributions")]
    # Backwards there is nothing to undo: E.164 numbers are valid values for the earlier code too.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
