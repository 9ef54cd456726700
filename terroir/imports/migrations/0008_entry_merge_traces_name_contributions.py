"""Merge traces name the claims by their new app.

Claims (and the audit log, revisions and suggestions, which no foreign key ties to an entry) moved from
`accounts` and `directory` to `contributions`. A trace written before the move names a claim it moved or
folded `accounts.Claim`: without this, splitting an entry merged before the move would look up a model
that no longer exists.
"""

import json

from django.db import migrations

MOVED = {
    "accounts.Claim": "contributions.Claim",
    "accounts.AuditEntry": "contributions.AuditEntry",
    "directory.Revision": "contributions.Revision",
    "directory.Suggestion": "contributions.Suggestion",
}


def trace_relabel(trace, labels):
    """The trace with the models of `labels` (old label → new label) renamed."""
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


def _relabel_all(apps, labels):
    EntryMerge = apps.get_model("imports", "EntryMerge")
    for merge in EntryMerge.objects.iterator():
        trace = trace_relabel(merge.trace, labels)
        if trace != merge.trace:
            merge.trace = trace
            merge.save(update_fields=["trace"])


def forward(apps, schema_editor):
    _relabel_all(apps, MOVED)


def backward(apps, schema_editor):
    _relabel_all(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0007_entry_merge_traces_name_meetings"),
        ("contributions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
