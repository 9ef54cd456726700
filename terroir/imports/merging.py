"""Merging the kept source records into the directory: link, group, choose each field, write.

Runs after every import, over every record of the platform (a source's producers are looked for in
all the other sources too). Coordinators' decisions are stored on the pairs and never overwritten;
only groups whose members or values changed are written again, so re-importing an unchanged source
touches no directory entry.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from terroir.directory.index import actors_reindex, map_cells_rebuild, map_cells_refresh, places_reindex
from terroir.directory.models import Actor, Category, Commune, Label, Offer, Place
from terroir.lib.progress import Progress, ProgressReport

from .linkage import best_links, directory_model, link
from .merge import Candidate, Chosen, clusters, fields_choose, linkage_columns
from .models import FieldOrigin, RecordPair, SourceRecord

# Above this many moved places, the map's cells are recomputed at once rather than one by one.
MAP_REFRESH_LIMIT = 200
MAX_LENGTHS = {"name": 200, "address": 255, "opening_hours": 255, "phone": 30, "website": 200, "email": 254}


@dataclass
class MergeSummary:
    linked: int = 0  # pairs merged automatically
    review: int = 0  # pairs waiting for a coordinator
    merged: int = 0  # records that joined an entry another record gives too
    entries_created: int = 0
    entries_updated: int = 0
    entries_removed: int = 0


@dataclass
class _Row:
    id: int
    data: dict[str, Any]
    digest: str
    merged_digest: str
    entity: int | None
    missing: bool
    updated_at: str
    source: str
    ref: str
    priority: int

    def candidate(self) -> Candidate:
        return Candidate(self.id, self.source, self.priority, self.missing, self.updated_at, self.data)


RECORD_TYPES = ("producer", "place")


@transaction.atomic
def records_merge(
    *,
    record_types: Sequence[str] = RECORD_TYPES,
    relink: bool = True,
    progress: ProgressReport | None = None,
) -> MergeSummary:
    """Link every source record, group the duplicates and bring the directory in line with them.
    Without `relink`, the stored pairs are grouped again (after a coordinator's decision)."""
    summary = MergeSummary()
    for record_type in record_types:
        _merge(record_type, summary, relink=relink, progress=progress)
    return summary


@transaction.atomic
def record_pair_decide(*, pair: RecordPair, same: bool, by: Any) -> RecordPair:
    """A coordinator says whether the two records describe the same thing; the directory follows."""
    pair.status = RecordPair.Status.SAME if same else RecordPair.Status.DIFFERENT
    pair.decided_by, pair.decided_at = by, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    records_merge(record_types=[pair.first.record_type], relink=False)
    return pair


def _merge(record_type: str, summary: MergeSummary, *, relink: bool, progress: ProgressReport | None) -> None:
    entity_field = "actor_id" if record_type == "producer" else "place_id"
    columns = ("id", "data", "digest", "merged_digest", entity_field, "missing", "updated_at", "source__name", "ref")
    records = SourceRecord.objects.filter(record_type=record_type).order_by("id")
    rows = {
        r[0]: _Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6].isoformat(), r[7], r[8], r[9])
        for r in records.values_list(*columns, "source__priority").iterator(chunk_size=5000)
    }
    if not rows:
        return
    if relink:
        said = (lambda message: progress(Progress("merge", message))) if progress else None
        if said:
            said(f"looking for duplicates among {len(rows)} {record_type} records")
        found = link(
            [{"unique_id": str(i), **linkage_columns(r.data)} for i, r in rows.items()],
            model=directory_model(),
            threshold=settings.TERROIR_MERGE_REVIEW,
            progress=said,
        )
        sources = {str(i): r.source for i, r in rows.items()}
        trusted = best_links([p for p in found if p.probability >= settings.TERROIR_MERGE_AUTO], sources.__getitem__)
        scored = {_ordered(int(p.left), int(p.right)): (p.probability, (p.left, p.right) in trusted) for p in found}
        pairs = _pairs_store(record_type, scored, summary)
    else:
        pairs = list(RecordPair.objects.filter(first__record_type=record_type).order_by("-probability"))
    same = [(p.first_id, p.second_id) for p in pairs if p.status == RecordPair.Status.SAME]
    linked = [(p.first_id, p.second_id) for p in pairs if p.status == RecordPair.Status.LINKED]
    apart = [(p.first_id, p.second_id) for p in pairs if p.status == RecordPair.Status.DIFFERENT]
    groups = clusters(rows, same + linked, apart)
    if progress:
        progress(Progress("merge", f"{len(rows)} {record_type} records make {len(groups)} directory entries"))
    _entries_write(record_type, rows, groups, summary)


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _pairs_store(
    record_type: str, found: dict[tuple[int, int], tuple[float, bool]], summary: MergeSummary
) -> list[RecordPair]:
    """Store the linkage's pairs (probability, trusted): trusted ones are merged, the others wait for
    review. Decided pairs keep their decision; undecided ones no longer found go. Returns the pairs
    sorted by falling probability."""
    existing = {(p.first_id, p.second_id): p for p in RecordPair.objects.filter(first__record_type=record_type)}
    now = timezone.now()
    create, update = [], []
    for key, (probability, trusted) in found.items():
        status = RecordPair.Status.LINKED if trusted else RecordPair.Status.REVIEW
        pair = existing.get(key)
        if pair is None:
            create.append(RecordPair(first_id=key[0], second_id=key[1], probability=probability, status=status))
            continue
        if not pair.decided and pair.status != status:
            pair.status = status
        elif abs(pair.probability - probability) < 1e-9:
            continue
        pair.probability, pair.updated_at = probability, now
        update.append(pair)
    gone = [p.pk for key, p in existing.items() if key not in found and not p.decided]
    for start in range(0, len(gone), 900):
        RecordPair.objects.filter(pk__in=gone[start : start + 900]).delete()
    RecordPair.objects.bulk_create(create, batch_size=1000)
    RecordPair.objects.bulk_update(update, ["probability", "status", "updated_at"], batch_size=1000)
    kept = [p for key, p in existing.items() if key in found or p.decided] + create
    summary.linked += sum(p.status == RecordPair.Status.LINKED for p in kept)
    summary.review += sum(p.status == RecordPair.Status.REVIEW for p in kept)
    return sorted(kept, key=lambda p: -p.probability)


def _entries_write(
    record_type: str, rows: dict[int, _Row], groups: Sequence[Sequence[int]], summary: MergeSummary
) -> None:
    model: type[Actor] | type[Place] = Actor if record_type == "producer" else Place
    communes = set(Commune.objects.values_list("code", flat=True))
    work: list[tuple[int | None, list[_Row], dict[str, Chosen]]] = []
    chosen_entities: set[int] = set()
    touched_before: set[int] = set()
    for group in groups:
        members = [rows[i] for i in group]
        before = Counter(r.entity for r in members if r.entity is not None)
        touched_before.update(before)
        # The entry most of the group already feeds stays (the oldest on a tie), so links to it hold;
        # when a group splits, the entry stays with one part and the other gets a new one.
        free = [e for e in before if e not in chosen_entities]
        entity = min(free, key=lambda e: (-before[e], e)) if free else None
        if entity is not None:
            chosen_entities.add(entity)
        if entity is not None and all(r.entity == entity and r.digest == r.merged_digest for r in members):
            continue
        if len(members) > 1:
            summary.merged += sum(1 for r in members if r.entity != entity and r.merged_digest == "")
        work.append((entity, members, fields_choose([r.candidate() for r in members])))
    orphans = sorted(touched_before - chosen_entities)
    instances = _entity_objects(model, [e for e, _m, _c in work if e is not None])
    Written = list[tuple[Any, list[_Row], dict[str, Chosen]]]
    created: Written = []
    updated: Written = []
    positions: list[tuple[float | None, float | None]] = []
    for entity, members, chosen in work:
        instance = instances.get(entity) if entity is not None else None
        if instance is not None:
            positions.append((instance.lat, instance.lon))
        else:
            instance = model()
        _fill(instance, chosen, {r.id: r for r in members}, communes)
        positions.append((instance.lat, instance.lon))
        (updated if instance.pk else created).append((instance, members, chosen))
    model.objects.bulk_create([i for i, _m, _c in created], batch_size=500)
    fields = [f.name for f in model._meta.concrete_fields if f.name not in {"id", "created_at", "search_key"}]
    model.objects.bulk_update([i for i, _m, _c in updated], fields, batch_size=500)
    summary.entries_created += len(created)
    summary.entries_updated += len(updated)
    written = created + updated
    _records_point(record_type, written)
    _origins_write(record_type, written)
    if record_type == "producer":
        _offers_write([(i, c) for i, _m, c in written])
    removed = list(model.objects.filter(pk__in=orphans).values_list("lat", "lon"))
    model.objects.filter(pk__in=orphans).delete()
    summary.entries_removed += len(orphans)
    if record_type == "producer":
        actors_reindex(actor_ids=[i.pk for i, _m, _c in written])
        place_ids = list(
            Place.producers.through.objects.filter(actor_id__in=[i.pk for i, _m, _c in written]).values_list(
                "place_id", flat=True
            )
        )
        places_reindex(place_ids=place_ids)
        return
    places_reindex(place_ids=[i.pk for i, _m, _c in written])
    if len(positions) + len(removed) > MAP_REFRESH_LIMIT:
        map_cells_rebuild()
    else:
        map_cells_refresh(positions=positions + removed)


def _entity_objects(model: type[Actor] | type[Place], ids: list[int]) -> dict[int, Any]:
    objects: dict[int, Any] = {}
    for start in range(0, len(ids), 900):
        objects.update(model.objects.in_bulk(ids[start : start + 900]))
    return objects


def _fill(instance: Actor | Place, chosen: dict[str, Chosen], members: dict[int, _Row], communes: set[str]) -> None:
    def value(name: str, default: Any = "") -> Any:
        found = chosen.get(name)
        if found is None:
            return default
        limit = MAX_LENGTHS.get(name)
        return found.value[:limit] if limit and isinstance(found.value, str) else found.value

    instance.name = value("name")
    instance.description = value("description")
    instance.address = value("address")
    instance.postcode = value("postcode")
    code = value("commune_code")
    instance.commune_id = code if code in communes else None
    position = chosen.get("position")
    instance.lat, instance.lon = (position.value[0], position.value[1]) if position else (None, None)
    instance.email, instance.phone, instance.website = value("email"), value("phone"), value("website")
    instance.contact_public = bool(value("contact_public", False))
    verified = value("verified_at", None)
    instance.verified_at = verified[:10] if verified else None
    name = chosen.get("name")
    named_by = members[name.record_id if name and name.record_id is not None else min(members)]
    instance.source, instance.source_ref = named_by.source[:60], named_by.ref[:120]
    instance.updated_at = timezone.now()
    if isinstance(instance, Place):
        instance.kind = value("kind")
        instance.opening_hours = value("opening_hours")
    else:
        instance.is_producer = True
        instance.legal_form = value("legal_form")
        instance.siret = value("siret")


def _records_point(record_type: str, written: list[tuple[Any, list[_Row], dict[str, Chosen]]]) -> None:
    field = "actor" if record_type == "producer" else "place"
    batch = []
    for instance, members, _chosen in written:
        for row in members:
            record = SourceRecord(pk=row.id, merged_digest=row.digest)
            setattr(record, f"{field}_id", instance.pk)
            batch.append(record)
    SourceRecord.objects.bulk_update(batch, [f"{field}_id", "merged_digest"], batch_size=1000)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _origins_write(record_type: str, written: list[tuple[Any, list[_Row], dict[str, Chosen]]]) -> None:
    field = "actor" if record_type == "producer" else "place"
    ids = [i.pk for i, _m, _c in written]
    for start in range(0, len(ids), 900):
        FieldOrigin.objects.filter(**{f"{field}_id__in": ids[start : start + 900]}).delete()
    origins = []
    for instance, _members, chosen in written:
        for name, choice in chosen.items():
            origin = FieldOrigin(field=name, record_id=choice.record_id, value=_shown(choice.value))
            setattr(origin, f"{field}_id", instance.pk)
            origins.append(origin)
    FieldOrigin.objects.bulk_create(origins, batch_size=1000)


def _offers_write(written: list[tuple[Actor, dict[str, Chosen]]]) -> None:
    """A producer offers every category its sources name, with every label they give it."""
    categories = dict(Category.objects.values_list("slug", "id"))
    labels = dict(Label.objects.values_list("slug", "id"))
    ids = [a.pk for a, _c in written]
    for start in range(0, len(ids), 900):
        Offer.objects.filter(producer_id__in=ids[start : start + 900]).delete()
    offers, offer_labels = [], []
    for actor, chosen in written:
        slugs = chosen["categories"].value if "categories" in chosen else []
        label_ids = [labels[s] for s in (chosen["labels"].value if "labels" in chosen else []) if s in labels]
        for slug in slugs:
            if slug in categories:
                offers.append(Offer(producer_id=actor.pk, category_id=categories[slug]))
                offer_labels.append(label_ids)
    Offer.objects.bulk_create(offers, batch_size=1000)
    through = Offer.labels.through
    through.objects.bulk_create(
        [through(offer_id=o.pk, label_id=i) for o, ids_ in zip(offers, offer_labels, strict=True) for i in ids_],
        batch_size=1000,
    )
