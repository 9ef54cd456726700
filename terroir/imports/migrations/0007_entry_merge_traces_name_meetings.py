"""Merge traces name the meeting-day models by their new app.

A trace (terroir.directory.references.entry_merge) names the models of the rows it moved ("needs.Participant")
and keeps folded rows serialized with their model ("needs.participant", and what their deletion took
along: wishes, meetings). Meeting days moved from `needs` to `meetings`: without this, splitting an entry
merged before the move would look up a model that no longer exists.
"""

import json

from django.db import migrations

MOVED = ("Event", "Participant", "MeetingWish", "Meeting")


def trace_relabel(trace, *, source, target):
    """The trace with the moved models' labels changed from app `source` to app `target`."""
    labels = {f"{source}.{name}": f"{target}.{name}" for name in MOVED}
    lowered = {old.lower(): new.lower() for old, new in labels.items()}
    moved = []
    for item in trace.get("moved", []):
        if item[0] == "folded":
            rows = json.loads(item[1])
            for row in rows:
                row["model"] = lowered.get(row.get("model"), row.get("model"))
            moved.append(["folded", json.dumps(rows)])
        else:
            moved.append([labels.get(item[0], item[0]), *item[1:]])
    return {**trace, "moved": moved}


def _relabel_all(apps, *, source, target):
    EntryMerge = apps.get_model("imports", "EntryMerge")
    for merge in EntryMerge.objects.iterator():
        trace = trace_relabel(merge.trace, source=source, target=target)
        if trace != merge.trace:
            merge.trace = trace
            merge.save(update_fields=["trace"])


def forward(apps, schema_editor):
    _relabel_all(apps, source="needs", target="meetings")


def backward(apps, schema_editor):
    _relabel_all(apps, source="meetings", target="needs")


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0006_run_progress'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
