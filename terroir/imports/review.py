"""Coordinators' decisions on pairs of records: a batch of review decisions, the split of an automatic
merge, and why two records were merged, in words.

A decision is stored on the pair (linkage never overwrites it) and the directory follows at once: the
groups are formed again from the stored pairs and entries split or merged accordingly (merging.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from terroir.contributions.audit import audit_record
from terroir.directory.models import Actor, Place, PlaceKind
from terroir.directory.references import merge_refusals
from terroir.lib.hours_prose import days_short
from terroir.lib.text import fold

from .merge import distance_m, similarity
from .merging import records_merge
from .models import EntryMerge, ImportRun, RecordPair

BATCH_MAX = 200


class ReviewRefused(ValueError):
    """A decision that cannot be taken; the message says why, in the reader's language."""


@dataclass
class Decided:
    """What a batch of decisions did: the pairs decided, and why the others were not."""

    pairs: list[RecordPair] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _refusal(pair: RecordPair | None, pair_id: int) -> str:
    if pair is None:
        return _("Pair %(id)s does not exist (any more): a later import may have removed it.") % {"id": pair_id}
    names = {"id": pair.pk, "a": pair.first.name, "b": pair.second.name}
    if pair.status == RecordPair.Status.LINKED:
        return _("%(a)s / %(b)s were merged automatically: split them from the list of merges.") % names
    return _("%(a)s / %(b)s: already decided (%(status)s).") % {**names, "status": pair.get_status_display()}


def _audit(pair: RecordPair, action: str, by: Any) -> None:
    audit_record(by=by, action=action, target=f"pair:{pair.pk}", summary=f"{pair.first.name} / {pair.second.name}")


@transaction.atomic
def record_pairs_decide(*, pair_ids: Sequence[int], same: bool, by: Any) -> Decided:
    """Decide pairs waiting for review (same or different), each decision in the audit log, then bring
    the directory in line once. Pairs unknown or no longer waiting are left as they are, with the reason."""
    ids = list(dict.fromkeys(pair_ids))[:BATCH_MAX]
    found = RecordPair.objects.select_for_update().select_related("first", "second").in_bulk(ids)
    result = Decided()
    now = timezone.now()
    for pair_id in ids:
        pair = found.get(pair_id)
        if pair is None or pair.status != RecordPair.Status.REVIEW:
            result.refused.append(_refusal(pair, pair_id))
            continue
        refusals = _merge_refusals(pair) if same else []
        if refusals:
            result.refused.extend(refusals)  # stays waiting for review, with the reason
            continue
        pair.status = RecordPair.Status.SAME if same else RecordPair.Status.DIFFERENT
        pair.decided_by, pair.decided_at = by, now
        result.pairs.append(pair)
    if not result.pairs:
        return result
    RecordPair.objects.bulk_update(result.pairs, ["status", "decided_by", "decided_at"])
    decision = "same" if same else "different"
    for pair in result.pairs:
        _audit(pair, f"merge_{decision}", by)
    sign = "=" if same else "≠"
    note = ", ".join(f"{p.first_id} {sign} {p.second_id}" for p in result.pairs)
    record_types = sorted({p.first.record_type for p in result.pairs})
    entries = [_entries_of(p) for p in result.pairs] if same else []
    records_merge(record_types=record_types, relink=False, by=by, note=f"records {note}"[:200])
    if entries:
        _refusals_clear(entries)
    return result


def _entries_of(pair: RecordPair) -> tuple[str, frozenset[int | None]]:
    name = "actor_id" if pair.first.record_type == "producer" else "place_id"
    return pair.first.record_type, frozenset((getattr(pair.first, name), getattr(pair.second, name)))


def _refusals_clear(entries: list[tuple[str, frozenset[int | None]]]) -> None:
    """A pair the coordinator said is one, merged now (its cause gone: the guard no longer refuses), leaves
    the refused merges its import listed (ImportRun.merges_refused): the run's page no longer sends the
    coordinator to decide it. A pair still refused stays listed, its entries both still there."""
    model: dict[str, type[Actor] | type[Place]] = {"producer": Actor}
    for run in ImportRun.objects.exclude(merges_refused=[]).only("pk", "merges_refused").select_for_update():
        kept = []
        for refused in run.merges_refused:
            pair = (refused.get("record_type"), frozenset((refused["kept"]["id"], refused["removed"]["id"])))
            found = model.get(str(pair[0]), Place).objects.filter(pk__in=pair[1]).count()
            if pair in entries and found < 2:
                continue  # merged: nothing left to decide
            kept.append(refused)
        if kept != run.merges_refused:
            ImportRun.objects.filter(pk=run.pk).update(merges_refused=kept)


def _merge_refusals(pair: RecordPair) -> list[str]:
    """Why the two entries of a pair's records cannot become one (terroir.directory.references.merge_refusals)."""
    model: type[Actor] | type[Place] = Actor if pair.first.record_type == "producer" else Place
    name = "actor_id" if model is Actor else "place_id"
    ids = [getattr(pair.first, name), getattr(pair.second, name)]
    if None in ids or ids[0] == ids[1]:
        return []
    entries = model.objects.in_bulk(ids)
    return merge_refusals(entries[ids[1]], entries[ids[0]]) if len(entries) == 2 else []


@transaction.atomic
def record_pair_split(*, pair_id: int, by: Any) -> RecordPair:
    """Undo an automatic merge: the two records are kept apart from now on (re-imports included) and
    the directory entry splits, each part getting back what was attached to it before the merge."""
    pair = RecordPair.objects.select_for_update().select_related("first", "second").filter(pk=pair_id).first()
    if pair is None:
        raise ReviewRefused(_refusal(None, pair_id))
    names = {"a": pair.first.name, "b": pair.second.name}
    if pair.split_at is not None:
        raise ReviewRefused(_("%(a)s / %(b)s: this merge was already split.") % names)
    if pair.status != RecordPair.Status.LINKED:
        raise ReviewRefused(_("%(a)s / %(b)s: not an automatic merge (%(status)s).")
                            % {**names, "status": pair.get_status_display()})  # fmt: skip
    now = timezone.now()
    pair.status, pair.decided_by, pair.decided_at, pair.split_at = RecordPair.Status.DIFFERENT, by, now, now
    pair.save(update_fields=["status", "decided_by", "decided_at", "split_at"])
    _audit(pair, "merge_split", by)
    note = f"records {pair.first_id} ≠ {pair.second_id} (split)"
    records_merge(record_types=[pair.first.record_type], relink=False, by=by, note=note)
    return pair


# --- Why two records were merged, in words ---------------------------------------------------------


def _percent(value: Any) -> str:
    return number_format(float(value) * 100, decimal_pos=0) + " %"


def _metres(value: Any) -> str:
    metres = float(value)
    return f"{number_format(metres, decimal_pos=0)} m" if metres < 1000 else f"{number_format(metres / 1000, 1)} km"


def _kinds(value: Any) -> str:
    """Kinds of place ("market / farm") as the pages name them ("marché / vente à la ferme")."""
    return " / ".join(
        str(PlaceKind(kind).label) if kind in PlaceKind.values else kind for kind in str(value).split(" / ")
    )


def reason_text(reason: dict[str, Any]) -> str:
    """One reason of a merge decision ({"code": …, "value": …}) as a coordinator reads it."""
    code, value = str(reason.get("code", "")), reason.get("value")
    # The codes of terroir.imports.merge (pair_decide), stored on RecordPair.reasons.
    labels = {
        "siret": _("same SIRET"),
        "siren": _("same company (SIREN)"),
        "company": _("one company named before each establishment"),
        "osm_id": _("same OpenStreetMap object"),
        "website": _("same website"),
        "phone": _("same phone number"),
        "email": _("same email address"),
        "commune": _("same commune"),
        "communes_differ": _("different communes"),
        "kind": _("compatible kinds"),
        "kinds_differ": _("kinds that do not go together"),
        "days": _("open on the same days"),
        "days_differ": _("open on different days"),
        "market_days": _("the only market of its commune on those days in each list"),
        "days_within": _("one list gives some of the days of the other"),
        "name_address": _("named by the address the other gives"),
        "same_source": _("the same thing twice in one source"),
        "siret_differs": _("different SIRETs"),
    }
    try:
        if code == "name":
            return _("names alike (%(value)s)") % {"value": _percent(value)}
        if code == "name_generic":
            return _("only generic words in common (%(value)s)") % {"value": _percent(value)}
        if code == "names_differ":
            return _("names differ (%(value)s alike)") % {"value": _percent(value)}
        if code == "distance_m":
            return _("%(value)s apart") % {"value": _metres(value)}
        if code == "too_far_m":
            return _("too far apart for their kind (%(value)s)") % {"value": _metres(value)}
        if code == "ambiguous":
            return _("%(value)s candidates in the other source: a coordinator chooses") % {"value": value}
        if code == "probability":
            return _("probability %(value)s") % {"value": _percent(value)}
        if code in ("days", "days_within", "days_differ") and isinstance(value, str):
            value = days_short(value, get_language() or "fr")
        if code in ("kind", "kinds_differ") and isinstance(value, str):
            value = _kinds(value)
    except (TypeError, ValueError):
        pass
    label = labels.get(code, code.replace("_", " "))
    return label if value in (None, "", True) else f"{label} ({value})"


def observed_reasons(first: dict[str, Any], second: dict[str, Any]) -> list[dict[str, Any]]:
    """What the two records have in common, in the codes of a merge decision's reasons: shown for the
    pairs whose decision recorded no reasons."""
    reasons: list[dict[str, Any]] = []
    for name in ("siret", "website", "phone", "email"):
        if first.get(name) and str(first[name]).casefold() == str(second.get(name) or "").casefold():
            reasons.append({"code": name, "value": first[name]})
    if first.get("name") and second.get("name"):
        reasons.append({"code": "name", "value": round(similarity(fold(first["name"]), fold(second["name"])), 2)})
    if first.get("commune_code") and first.get("commune_code") == second.get("commune_code"):
        reasons.append({"code": "commune", "value": first["commune_code"]})
    metres = distance_m(first, second)
    if metres is not None:
        reasons.append({"code": "distance_m", "value": round(metres)})
    return reasons


def pair_reasons(pair: RecordPair) -> tuple[list[str], bool]:
    """The reasons of a pair in words, and whether the merge decision recorded them (else they are what
    the two records are seen to have in common)."""
    recorded = pair.reasons
    if isinstance(recorded, list) and recorded:
        return [reason_text(r) for r in recorded if isinstance(r, dict)], True
    return [reason_text(r) for r in observed_reasons(pair.first.data, pair.second.data)], False


def trace_summary(trace: dict[str, Any]) -> list[str]:
    """What an entry merge moved (terroir.directory.references.entry_merge's trace), counted by kind."""
    counts: Counter[str] = Counter()
    for item in trace.get("moved", []):
        if item and item[0] == "folded":
            counts[_("rows folded into the kept entry's")] += 1
        elif len(item) == 3:
            counts[str(item[0]).split(".")[-1]] += len(item[2])
    counts[_("revisions")] += len(trace.get("revisions", []))
    counts[_("suggestions")] += len(trace.get("suggestions", []))
    return [f"{name}: {count}" for name, count in counts.items() if count]


def entry_merges_of(pairs: Iterable[RecordPair]) -> dict[int, EntryMerge]:
    """For each pair, the entry merge its records caused (an entry folded into the one they feed), if any."""
    pairs = list(pairs)
    merges: dict[int, EntryMerge] = {}
    for record_type in {p.first.record_type for p in pairs}:
        typed = [p for p in pairs if p.first.record_type == record_type]
        entries = {r.actor_id or r.place_id for p in typed for r in (p.first, p.second)} - {None}
        found = EntryMerge.objects.filter(record_type=record_type, restored_at=None, kept_id__in=entries)
        for merge in found.order_by("-pk"):
            for pair in typed:
                if pair.pk not in merges and {pair.first_id, pair.second_id} & set(merge.records):
                    merges[pair.pk] = merge
    return merges
