"""Merging the kept source records into the directory: link, group, choose each field, write.

Runs after every import, over every record of the platform (a source's producers are looked for in
all the other sources too). Coordinators' decisions are stored on the pairs and never overwritten;
only groups whose members or values changed are written again, so re-importing an unchanged source
touches no directory entry.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.fields.json import KT
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.contributions.models import Revision, Suggestion
from terroir.contributions.revisions import entry_edit, entry_merge, entry_split, owned_fields
from terroir.directory.editing import fields_of, products_of_many, value_clean, value_of, values_of
from terroir.directory.index import (
    KeysChecking,
    ids_reserve,
    keys_checked_meanwhile,
    rows_insert,
    rows_update,
    rows_writer,
)
from terroir.directory.models import Actor, Category, Commune, Entity, Label, Offer, Place
from terroir.directory.references import merge_refusals
from terroir.directory.services import (
    actors_bulk_update,
    actors_place_ids,
    actors_values_create,
    offers_values_replace,
    places_bulk_update,
    places_index,
    places_links_add,
    places_values_create,
)
from terroir.lib.geo import Precision
from terroir.lib.progress import Progress, ProgressReport
from terroir.lib.text import fold

from .merge import (
    CANDIDATE_PROBABILITY,
    Candidate,
    Chosen,
    clusters,
    fields_choose,
    linkage_columns,
    pairs_decide,
)
from .models import EntryMerge, FieldOrigin, ImportRun, RecordPair, SourceRecord

MAX_LENGTHS = {"name": 200, "address": 255, "opening_hours": 255, "phone": 30, "website": 200, "email": 254,
               "order_url": 200}  # fmt: skip


@dataclass
class MergeSummary:
    linked: int = 0  # pairs merged automatically
    review: int = 0  # pairs waiting for a coordinator
    merged: int = 0  # records that joined an entry another record gives too
    entries_created: int = 0
    entries_updated: int = 0
    entries_removed: int = 0
    # Entries the linkage made one that a merge guard kept apart (ImportRun.merges_refused).
    refused: list[dict[str, Any]] = field(default_factory=list)
    # Automatic pairs of those entries' records sent to review instead (counted there, not as linked).
    refused_pairs: int = 0


@dataclass
class _Row:
    id: int
    data: dict[str, Any] | None  # None until read (_data_read): an unchanged group never needs it
    digest: str
    merged_digest: str
    entity: int | None
    missing: bool
    updated_at: str
    source: str
    ref: str
    priority: int

    def candidate(self) -> Candidate:
        assert self.data is not None, "the record's data was not read"
        return Candidate(self.id, self.source, self.priority, self.missing, self.updated_at, self.data)


def _data_read(rows: dict[int, _Row], ids: Sequence[int]) -> None:
    """The stored data of these records, read into their rows (each a JSON document to decode: a re-import
    of an unchanged file reads none)."""
    wanted = sorted(i for i in ids if rows[i].data is None)
    for start in range(0, len(wanted), 900):
        for pk, data in SourceRecord.objects.filter(pk__in_ids=wanted[start : start + 900]).values_list("id", "data"):
            rows[pk].data = data


# A new record's columns as the import keeps it (`NewRecords.add`), before the merge sets its entry.
NEW_RECORD_COLUMNS = (
    "source_id", "ref", "record_type", "name", "data", "raw", "digest", "first_run_id", "last_run_id", "missing",
    "updated_at", "fingerprint", "reading",
)  # fmt: skip


@dataclass(slots=True)
class _NewRecord:
    """A record an import creates, not written yet (`NewRecords`)."""

    record_type: str
    name: str
    digest: str
    updated_at: str  # isoformat, as the merge reads a stored record's
    data: dict[str, Any]  # as the database gives it back: its JSON text decoded
    row: tuple[Any, ...]  # NEW_RECORD_COLUMNS' values, as the database driver takes them
    pk: int = 0
    entry: int | None = None  # its entry, once the merge wrote it
    merged_digest: str = ""


class NewRecords:
    """The records an import creates, kept aside by its "records kept" step and written once, by the merge,
    with their entries set (`write`). Written first and pointed at their entries after (each record's entry
    and merged digest), every new record was written twice: on PostgreSQL a new version of each 1.4 kB row
    and of its index entries, three times the cost of the COPY itself (docs/performance.md, round 14).
    Their keys are taken before the merge (`reserve`), as the COPY would have given them, so that the merge
    reads them as the stored records, in the same order; the pairs the linkage finds and the field origins
    name them before they are written (checked at the commit: the records' keys are deferred)."""

    def __init__(self, *, source: str, priority: int) -> None:
        self.source, self.priority = source, priority
        self.records: dict[str, _NewRecord] = {}  # by reference, in the order given
        self.by_pk: dict[int, _NewRecord] = {}

    def __len__(self) -> int:
        return len(self.records)

    def add(
        self, ref: str, record_type: str, name: str, digest: str, data_text: str, updated_at: dt.datetime,
        row: tuple[Any, ...],
    ) -> bool:  # fmt: skip
        """Keep a new record (`row` as NEW_RECORD_COLUMNS name them, `data_text` its data's JSON); a reference
        given again replaces the record it gave first (the reading rejects a repeated reference: a guard).
        Returns whether the record's data changed from the one it replaces (True for a new one)."""
        before = self.records.get(ref)
        self.records[ref] = _NewRecord(record_type, name, digest, updated_at.isoformat(), json.loads(data_text), row)
        return before is None or before.digest != digest

    def reserve(self) -> None:
        """Their primary keys, taken now (in their order) for the rows `write` writes."""
        for pk, record in zip(ids_reserve(SourceRecord, len(self.records)), self.records.values(), strict=True):
            record.pk = pk
            self.by_pk[pk] = record

    def of_type(self, record_type: str) -> list[tuple[int, str, _NewRecord]]:
        """(primary key, reference, record) of the records of a type, by key."""
        return [(r.pk, ref, r) for ref, r in self.records.items() if r.record_type == record_type]

    def write(self) -> None:
        """Write every record with the entry the merge gave it (none when no merge ran)."""
        if self.records and not self.by_pk:
            self.reserve()
        columns = ("id", *NEW_RECORD_COLUMNS, "merged_digest", "place_id", "actor_id")
        rows = [
            (r.pk, *r.row, r.merged_digest, None if r.record_type == "producer" else r.entry,
             r.entry if r.record_type == "producer" else None)
            for r in self.records.values()
        ]  # fmt: skip
        self.records, self.by_pk = {}, {}
        rows_insert(SourceRecord, columns, rows)


RECORD_TYPES = ("producer", "place")


@transaction.atomic
def records_merge(
    *,
    record_types: Sequence[str] = RECORD_TYPES,
    relink: bool = True,
    progress: ProgressReport | None = None,
    by: Any = None,
    note: str = "",
    run: ImportRun | None = None,
    new: NewRecords | None = None,
) -> MergeSummary:
    """Link every source record, group the duplicates and bring the directory in line with them.
    Without `relink`, the stored pairs are grouped again (after a coordinator's decision). The changes
    to existing entries are revisions by `by`, saying `note` (which import made them); the pairs linkage
    creates or changes are marked as `run`'s. `new`: the records the import creates, not written yet
    (`NewRecords`): merged with the others, then written with their entries."""
    summary = MergeSummary()
    writer = _Writer(by=by if by is not None and by.is_authenticated else None, note=note, new=new)
    if new is not None:
        new.reserve()
    types = list(record_types)
    ahead: _Linking | None = None
    checking: KeysChecking | None = None
    try:
        for index, record_type in enumerate(types):
            linking = ahead or _linking_start(record_type, writer, relink=relink, progress=progress)
            ahead = None
            found = linking.found()
            if linking.relink and index + 1 < len(types):
                # The next type's linkage (DuckDB, in a thread that does not touch the database) runs while
                # this type's pairs are decided and its entries written (the client's Python and the
                # server): on two cores, the linkage's threads averaged little more than one while the
                # server waited, and the writes leave one idle while the client and the server take turns.
                # The next type's records are read now: this type's writes change no record of another
                # type (`_records_point` points this type's records only).
                ahead = _linking_start(types[index + 1], writer, relink=relink, progress=progress, background=True)
            _merge(linking, found, summary, writer, run=run, progress=progress, checking=checking)
            if checking is not None:
                checking.wait()
            checking = None
            if ahead is not None:
                # The keys this type's writes left to the commit (its offers' producers and categories, the
                # stored records pointed at its entries), checked by the server while the next type is linked
                # and its pairs decided; not those to records, which name the import's new records, written
                # last (NewRecords).
                checking = keys_checked_meanwhile(but_to=(SourceRecord,))
    finally:
        # An error above: the threads' results are not used, but they are not left running.
        if ahead is not None:
            ahead.wait()
        if checking is not None:
            checking.wait(raising=False)
    if new is not None:
        _records_write(new)
        writer.new = None
    _links_write(writer)
    if run is not None and summary.refused:
        ImportRun.objects.filter(pk=run.pk).update(merges_refused=summary.refused)
    return summary


@transaction.atomic
def record_pair_decide(*, pair: RecordPair, same: bool, by: Any) -> RecordPair:
    """A coordinator says whether the two records describe the same thing; the directory follows."""
    pair.status = RecordPair.Status.SAME if same else RecordPair.Status.DIFFERENT
    pair.decided_by, pair.decided_at = by, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    note = f"records {pair.first_id} {'=' if same else '≠'} {pair.second_id}"
    records_merge(record_types=[pair.first.record_type], relink=False, by=by, note=note)
    return pair


class _Linking:
    """A record type's records read for its merge and, when they are linked again, their linkage: run at once,
    or in a thread (`background`) whose progress lines are kept and told, in order, by the caller's thread
    once the pairs are asked for (`found`): the progress and the language it is told in are the caller's."""

    def __init__(
        self, record_type: str, rows: dict[int, _Row], *, relink: bool, reused: bool,
        said: Any, background: bool,
    ) -> None:  # fmt: skip
        self.record_type, self.rows, self.relink, self.reused = record_type, rows, relink, reused
        self.said, self.background = said, background
        self.compared: dict[str, dict[str, Any]] = {}
        self._found: list[Any] = []
        self._error: BaseException | None = None
        self._told: list[tuple[bool, str]] = []  # (a linkage step, the line) kept for the caller's thread
        self._thread: threading.Thread | None = None

    def tell(self, line: str, *, step: bool = False) -> None:
        """A progress line (a linkage's `step`: its msgid), told now or kept for the caller's thread."""
        if not self.said:
            return
        if self.background:
            self._told.append((step, line))
        else:
            self.said(_(line) if step else line)

    def link(self) -> None:
        from .linkage import directory_model, link

        record_type, compared = self.record_type, self.compared

        def told(step: str) -> None:
            self.tell(step, step=True)

        def run() -> None:
            try:
                self._found = link(
                    [{"unique_id": uid, **c} for uid, c in compared.items()],
                    model=directory_model(),
                    # Places are also looked for below review: the rules find village markets the linkage
                    # scores low. Producers' rules need what the linkage scores high anyway.
                    threshold=min(
                        CANDIDATE_PROBABILITY if record_type == "place" else 1.0, settings.TERROIR_MERGE_REVIEW
                    ),
                    progress=told if self.said else None,  # the linkage's steps are msgids
                )
            except BaseException as error:  # told to the caller's thread by `found`
                self._error = error

        if self.background:
            self._thread = threading.Thread(target=run, name=f"linkage-{record_type}", daemon=True)
            self._thread.start()
        else:
            run()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def found(self) -> list[Any]:
        """The linkage's pairs (none when the records are not linked again), once it has run; its progress
        lines told first."""
        self.wait()
        told, self._told = self._told, []
        for step, line in told:
            self.said(_(line) if step else line)
        if self._error is not None:
            raise self._error
        return self._found


def _linking_start(
    record_type: str, writer: _Writer, *, relink: bool, progress: ProgressReport | None, background: bool = False
) -> _Linking:
    """A record type's records read for its merge (`_merge`) and, when they are linked again, their
    linkage started (`_Linking`)."""
    entity_field = "actor_id" if record_type == "producer" else "place_id"
    columns = ("id", "digest", "merged_digest", entity_field, "missing", "updated_at", "source__name", "ref")
    records = SourceRecord.objects.filter(record_type=record_type).order_by("id")
    rows = {
        r[0]: _Row(r[0], None, r[1], r[2], r[3], r[4], r[5].isoformat(), r[6], r[7], r[8])
        for r in records.values_list(*columns, "source__priority").iterator(chunk_size=5000)
    }
    # The records the import creates, not written yet (NewRecords), after the stored ones: their keys come
    # last, unless another import's records were committed since they were taken (then sorted, as read).
    pending = writer.new
    new = pending.of_type(record_type) if pending is not None else []
    later = bool(new) and bool(rows) and max(rows) > new[0][0]
    if pending is not None:
        for pk, ref, record in new:
            rows[pk] = _Row(pk, record.data, record.digest, "", None, False, record.updated_at, pending.source, ref,
                            pending.priority)  # fmt: skip
    if later:
        rows = dict(sorted(rows.items()))
    reused = False
    if rows and relink and all(r.digest == r.merged_digest for r in rows.values()):
        # No record is new or changed since the last merge (a re-import of an unchanged file): the linkage
        # would find the pairs it stored then, so they are taken as they are (its fixed costs, sampling
        # and scoring every record, are most of a re-import's time otherwise).
        relink, reused = False, True
    said = (lambda message: progress(Progress("merge", message))) if progress else None
    linking = _Linking(record_type, rows, relink=relink and bool(rows), reused=reused, said=said, background=background)
    if not linking.relink:
        return linking
    linking.tell(ngettext("looking for duplicates among %(n)s record (%(type)s)",
                          "looking for duplicates among %(n)s records (%(type)s)", len(rows))
                 % {"n": len(rows), "type": _record_types_said(record_type)})  # fmt: skip
    datas: dict[int, dict[str, Any]] = {}
    for pk, data in records.values_list("id", "data").iterator(chunk_size=5000):
        if pk in rows:  # a record another import committed since is not this merge's
            rows[pk].data = datas[pk] = data
    datas.update((pk, record.data) for pk, _ref, record in new)
    if later:
        datas = dict(sorted(datas.items()))
    names = dict(Commune.objects.values_list("code", "name"))
    linking.compared = {
        str(i): linkage_columns(
            data, source=rows[i].source, ref=rows[i].ref, commune_name=names.get(data.get("commune_code") or "", "")
        )
        for i, data in datas.items()
    }
    linking.link()
    return linking


def _merge(
    linking: _Linking, found: list[Any], summary: MergeSummary, writer: _Writer, *, run: ImportRun | None,
    progress: ProgressReport | None, checking: KeysChecking | None = None,
) -> None:  # fmt: skip
    """Decide a record type's pairs (`found`: its linkage's), group its records and write its entries.
    `checking`: the server's checks of the keys written before (`keys_checked_meanwhile`), waited for before
    this merge uses the database."""
    record_type, rows, relink, reused = linking.record_type, linking.rows, linking.relink, linking.reused
    if not rows:
        return
    if relink:
        # The linkage (splink, DuckDB, Arrow: 0.3 s of processor to load) is loaded by the first merge that
        # links, not by every process that starts Django (the app registry reaches this module).
        from .linkage import best_links

        compared = linking.compared
        # The probability finds and ranks candidates; the rules decide which merge without a coordinator.
        decisions = pairs_decide([(p.left, p.right) for p in found], compared)
        sources = {str(i): r.source for i, r in rows.items()}
        trusted = best_links([p for p in found if decisions[(p.left, p.right)].auto], sources.__getitem__)
        scored = {
            _ordered(int(p.left), int(p.right)): (
                p.probability, (p.left, p.right) in trusted, decisions[(p.left, p.right)].reasons_json()
            )
            for p in found
            # Below the review threshold, or places the rules see apart, are not asked about.
            if decisions[(p.left, p.right)].auto
            or (p.probability >= settings.TERROIR_MERGE_REVIEW and decisions[(p.left, p.right)].review)
        }  # fmt: skip
        if checking is not None:  # the database again: the previous type's key checks over first
            checking.wait()
        kept = _pairs_store(record_type, scored, summary, run)
    else:
        if checking is not None:
            checking.wait()
        # Only what grouping needs: a pair's reasons (JSON) and the rest are not read.
        kept = list(
            RecordPair.objects.filter(first__record_type=record_type)
            .order_by("-probability")
            .values_list("first_id", "second_id", "status")
        )
        if reused:
            summary.linked += sum(status == RecordPair.Status.LINKED for _a, _b, status in kept)
            summary.review += sum(status == RecordPair.Status.REVIEW for _a, _b, status in kept)
    same = [(a, b) for a, b, status in kept if status == RecordPair.Status.SAME]
    linked = [(a, b) for a, b, status in kept if status == RecordPair.Status.LINKED]
    apart = [(a, b) for a, b, status in kept if status == RecordPair.Status.DIFFERENT]
    groups = clusters(rows, same + linked, apart)
    if progress:
        made = ngettext(
            "%(n)s record (%(type)s) makes %(entries)s directory entries",
            "%(n)s records (%(type)s) make %(entries)s directory entries",
            len(rows),
        )
        said_type = _record_types_said(record_type)
        progress(Progress("merge", made % {"n": len(rows), "type": said_type, "entries": len(groups)}))
    before = summary.refused_pairs
    _entries_write(record_type, rows, groups, summary, writer)
    if relink or reused:  # the pairs were counted above: a refused one is to review, not merged
        summary.linked -= summary.refused_pairs - before
        summary.review += summary.refused_pairs - before


def _record_types_said(record_type: str) -> str:
    """A record type as a progress line says it, in the reader's language ("place": "lieux")."""
    return {"place": _("places"), "producer": _("producers")}.get(record_type, record_type)


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _pairs_store(
    record_type: str, found: dict[tuple[int, int], tuple[float, bool, list[dict[str, Any]]]], summary: MergeSummary,
    run: ImportRun | None = None,
) -> list[tuple[int, int, str]]:  # fmt: skip
    """Store the linkage's pairs (probability, trusted, the rules' reasons): trusted ones are merged,
    the others wait for review. Decided pairs keep their decision; undecided ones no longer found go.
    Returns the pairs (first, second, status) sorted by falling probability."""
    existing = {(p.first_id, p.second_id): p for p in RecordPair.objects.filter(first__record_type=record_type)}
    now = timezone.now()
    written_at = RecordPair._meta.get_field("updated_at").get_db_prep_save(now, connection)
    as_json = RecordPair._meta.get_field("reasons").get_db_prep_save
    update = []
    # New pairs as plain rows (a 100,000-row import finds tens of thousands): their model instances, and
    # bulk_create compiling each field, cost more than the insert.
    create: list[tuple[Any, ...]] = []
    for key, (probability, trusted, reasons) in found.items():
        status = RecordPair.Status.LINKED if trusted else RecordPair.Status.REVIEW
        pair = existing.get(key)
        if pair is None:
            create.append(
                (key[0], key[1], probability, status, as_json(reasons, connection), run.pk if run else None, written_at)
            )
            continue
        if not pair.decided and pair.status != status:
            pair.status = status
        elif abs(pair.probability - probability) < 1e-9 and pair.reasons == reasons:
            continue
        pair.probability, pair.reasons, pair.updated_at, pair.run = probability, reasons, now, run
        update.append(pair)
    gone = [p.pk for key, p in existing.items() if key not in found and not p.decided]
    for start in range(0, len(gone), 900):
        RecordPair.objects.filter(pk__in_ids=gone[start : start + 900]).delete()
    rows_insert(
        RecordPair, ("first_id", "second_id", "probability", "status", "reasons", "run_id", "updated_at"), create
    )
    RecordPair.objects.bulk_update(update, ["probability", "status", "reasons", "updated_at", "run"], batch_size=1000)
    kept = [
        (p.first_id, p.second_id, p.status, p.probability) for key, p in existing.items() if key in found or p.decided
    ]
    kept += [(first, second, status, probability) for first, second, probability, status, *_rest in create]
    summary.linked += sum(status == RecordPair.Status.LINKED for _a, _b, status, _p in kept)
    summary.review += sum(status == RecordPair.Status.REVIEW for _a, _b, status, _p in kept)
    return [(a, b, status) for a, b, status, _p in sorted(kept, key=lambda p: -p[3])]


Written = list[tuple[Any, list["_Row"], dict[str, Chosen]]]
# The directory field(s) each chosen value is written to.
TARGETS: dict[str, tuple[str, ...]] = {
    "name": ("name",), "description": ("description",), "address": ("address",), "postcode": ("postcode",),
    "commune_code": ("commune",), "position": ("lat", "lon"), "email": ("email",), "phone": ("phone",),
    "website": ("website",), "contact_public": ("contact_public",), "verified_at": ("verified_at",),
    "kind": ("kind",), "opening_hours": ("opening_hours",), "legal_form": ("legal_form",), "siret": ("siret",),
    "order_url": ("order_url",),
}  # fmt: skip
# An import sets these when it creates the entry, never after: they are the owner's consent.
PRIVACY = frozenset({"contact_public"})
# What a later import offers as a suggestion when the owner changed the field on the platform.
OFFERED = ("name", "description", "address", "postcode", "commune", "lat", "lon", "email", "phone", "website",
           "kind", "opening_hours", "legal_form", "siret", "order_url")  # fmt: skip


@dataclass
class _Writer:
    """Who and what an import's writes are attributed to in the entries' history."""

    by: Any = None
    note: str = ""
    revisions: list[Revision] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    # (place id, category slug) the places' sources say are sold there.
    place_categories: list[tuple[int, str]] = field(default_factory=list)
    # What the entries' writes leave to index once, after the links: the places written, the positions
    # they left and entered (map cells), the producers whose places show them.
    places: set[int] = field(default_factory=set)
    positions: list[tuple[float | None, float | None]] = field(default_factory=list)
    actors: set[int] = field(default_factory=set)
    # The producers it created shown at a place (`Actor.shown_at_place` written True with the row).
    shown: set[int] = field(default_factory=set)
    # The records the import creates, not written until both record types are merged (`NewRecords`).
    new: NewRecords | None = None
    # The operators the sources give (`_links_given(unwritten=True)`), once read for the producers' flags.
    operated: list[tuple[_PlaceKey, _ProducerKey]] | None = None


def _attribution(merges: Sequence[EntryMerge]) -> Any:
    """For a record, the entry it fed before merges took that entry away (the deepest one still
    merged), else the entry it feeds."""
    into: dict[int, list[tuple[int, set[int], int]]] = {}
    for merge in merges:
        into.setdefault(merge.kept_id, []).append((merge.pk, set(merge.records), merge.removed_id))

    def attributed(row: _Row) -> int | None:
        entity, seen = row.entity, set()
        while entity is not None and entity not in seen:
            seen.add(entity)
            deeper = [(pk, removed) for pk, records, removed in into.get(entity, ()) if row.id in records]
            if not deeper:
                return entity
            entity = max(deeper)[1]
        return entity

    return attributed


def _entries_write(
    record_type: str, rows: dict[int, _Row], groups: Sequence[Sequence[int]], summary: MergeSummary, writer: _Writer
) -> None:
    model: type[Actor] | type[Place] = Actor if record_type == "producer" else Place
    communes = set(Commune.objects.values_list("code", flat=True))
    merges = {m.removed_id: m for m in EntryMerge.objects.filter(record_type=record_type, restored_at=None)}
    attributed = _attribution(list(merges.values()))
    live = {r.entity for r in rows.values() if r.entity is not None}
    chosen_entities: set[int] = set()
    touched_before: set[int] = set()
    restoring: dict[int, EntryMerge] = {}
    decided: list[tuple[int | None, list[_Row]]] = []
    homes: dict[int, Counter[int | None]] = {}
    for group in groups:
        members = [rows[i] for i in group]
        before = Counter(r.entity for r in members if r.entity is not None)
        touched_before.update(before)
        # The entry most of the group fed stays (the oldest on a tie), so links to it hold; records
        # count for the entry they fed before a merge took it away, so that when a group splits,
        # each part gets its entry back with what people attached to it.
        fed = Counter(attributed(r) for r in members if r.entity is not None)
        free = [e for e in fed if e in live and e not in chosen_entities]
        back = [e for e in fed if e in merges and e not in chosen_entities]
        entity: int | None
        if free:
            entity = min(free, key=lambda e: (-fed[e], e))
        elif back:
            entity = max(back, key=lambda e: merges[e].pk)
            restoring[entity] = merges[entity]
        else:
            free = [e for e in before if e not in chosen_entities]
            entity = min(free, key=lambda e: (-before[e], e)) if free else None
        if entity is not None:
            chosen_entities.add(entity)
        for e, count in before.items():
            homes.setdefault(e, Counter())[entity] += count
        decided.append((entity, members))
    decided = _refused_apart(model, record_type, decided, touched_before - chosen_entities, homes, summary)
    chosen_entities.update(entity for entity, _members in decided if entity is not None)
    # The entry a split part leaves keeps values from the records that went: choose them again.
    rewrite = {m.kept_id for m in restoring.values()}
    pending: list[tuple[int | None, list[_Row]]] = []
    for entity, members in decided:
        unchanged = all(r.entity == entity and r.digest == r.merged_digest for r in members)
        if entity is not None and unchanged and entity not in restoring and entity not in rewrite:
            continue
        if len(members) > 1:
            summary.merged += sum(1 for r in members if r.entity != entity and r.merged_digest == "")
        pending.append((entity, members))
    _data_read(rows, [r.id for _entity, members in pending for r in members])
    summary.entries_removed += _entries_fold(
        model, record_type, rows, restoring, sorted(touched_before - chosen_entities), homes, writer, summary.refused
    )
    instances = _entity_objects(model, [e for e, _m in pending if e is not None])
    entity_kind = Entity.ACTOR if model is Actor else Entity.PLACE
    owned = owned_fields(entity_kind, list(instances))
    origin_field = "actor_id" if model is Actor else "place_id"
    previous = {
        (o[origin_field], o["field"]): o["value"]
        for o in FieldOrigin.objects.filter(**{f"{origin_field}__in_ids": list(instances)}).values(
            origin_field, "field", "value"
        )
    }
    # The new entries' keys, taken before their values are chosen: each entry's field origins go to the
    # database as its values are chosen (`_chosen_with_origins`).
    new_ids = ids_reserve(model, sum(1 for entity, _m in pending if entity is None or entity not in instances))
    work = _chosen_with_origins(record_type, pending, instances, new_ids, owned)
    created: list[tuple[_New, list[_Row], dict[str, Chosen]]] = []
    updated: Written = []
    old_positions: list[tuple[float | None, float | None]] = []
    befores: dict[int, dict[str, Any]] = {}
    place = model is Place
    for pk, instance, members, chosen in work:
        if instance is None:
            created.append((_new(place, chosen, {r.id: r for r in members}, communes, pk), members, chosen))
        else:
            old_positions.append((instance.lat, instance.lon))
            mine = owned.get(instance.pk, set())
            befores[instance.pk] = values_of(instance, _recorded(instance))
            kept = _fill(instance, chosen, {r.id: r for r in members}, communes, owned=mine)
            _offer(instance, chosen, kept, previous, writer, {r.id: r for r in members})
            updated.append((instance, members, chosen))
    if model is Actor:
        if created:
            # The flag the links will give them, written with the rows rather than by an UPDATE of each
            # row after the links (37,869 new producers of a 100,000-row file: 16 s of PostgreSQL's time).
            expected = _shown_expected(writer)
            for entry, members, _c in created:
                entry.values["shown_at_place"] = any((r.source, r.ref) in expected for r in members)
        actors_values_create(values=[entry.values for entry, _m, _c in created], ids=new_ids)
    else:
        if created:
            # A new farm written with the producer running it, rather than given it by an UPDATE of each new
            # row after (`places_links_add`): 38,435 farms of a 100,000-row file.
            operators = _new_places_operators(writer)
            for entry, members, _c in created:
                given = [operators[r.id] for r in members if r.id in operators]
                entry.values["operator_id"] = given[-1] if given else None
        places_values_create(values=[entry.values for entry, _m, _c in created], index=False, ids=new_ids)
    if model is Actor:
        writer.shown.update(entry.pk for entry, _m, _c in created if entry.values["shown_at_place"])
    summary.entries_created += len(created)
    summary.entries_updated += len(updated)
    written: Written = [*created, *updated]
    _records_point(record_type, written, writer.new)
    products: dict[int, list[dict[str, Any]]] = {}
    if record_type == "place":
        writer.place_categories += [
            (i.pk, slug) for i, _m, c in written if "categories" in c for slug in c["categories"].value
        ]
    if record_type == "producer":
        products = products_of_many([i.pk for i, _m, _c in updated])
        _offers_write([(i, c) for i, _m, c in written], {pk for pk, names in owned.items() if "products" in names})
        writer.actors.update(i.pk for i, _m, _c in written)
        after = products_of_many([i.pk for i, _m, _c in updated])
        for pk in befores:
            befores[pk]["products"] = products.get(pk, [])
            products[pk] = after.get(pk, [])
    now = timezone.now()
    for instance, _m, _c in updated:
        old = befores[instance.pk]
        new = values_of(instance, [n for n in old if n != "products"])
        if "products" in old:
            new["products"] = products[instance.pk]
        changes = {name: [old[name], new[name]] for name in old if old[name] != new[name]}
        if changes:
            instance.updated_at = now
            writer.revisions.append(
                Revision(
                    entity=entity_kind, entity_id=instance.pk, by=writer.by, origin=Revision.Origin.IMPORT,
                    changes=changes, note=writer.note[:200], at=now,
                )
            )  # fmt: skip
    Revision.objects.bulk_create(writer.revisions, batch_size=1000)
    Suggestion.objects.bulk_create(writer.suggestions, batch_size=1000)
    writer.revisions, writer.suggestions = [], []
    derived = {"id", "created_at", "search_key", "shown_at_place"}  # the index keeps the last two
    fields = [f.name for f in model._meta.concrete_fields if f.name not in derived]
    if model is Actor:
        actors_bulk_update(actors=[i for i, _m, _c in updated], fields=fields, index=False)
    else:
        places_bulk_update(places=[i for i, _m, _c in updated], fields=fields, old_positions=old_positions, index=False)
        writer.places.update(i.pk for i, _m, _c in written)
        writer.positions += [(entry.values["lat"], entry.values["lon"]) for entry, _m, _c in created]  # none closed
        writer.positions += [*old_positions, *((i.lat, i.lon) for i, _m, _c in updated)]


def _fold_target(orphan: int, homes: dict[int, Counter[int | None]]) -> int | None:
    """The entry that took most of the records of an entry no group keeps (the oldest on a tie)."""
    return max(
        (e for e in homes.get(orphan, Counter()) if e is not None and e != orphan),
        key=lambda e: (homes[orphan][e], -e),
        default=None,
    )


def _refused_apart(
    model: type[Actor] | type[Place],
    record_type: str,
    decided: list[tuple[int | None, list[_Row]]],
    orphans: set[int],
    homes: dict[int, Counter[int | None]],
    summary: MergeSummary,
) -> list[tuple[int | None, list[_Row]]]:
    """Before anything is written, each entry a group would fold into another that a merge guard refuses
    (what is attached to both cannot be mixed: two shops' accounts) keeps its own records as a group of
    their own, and the automatic pairs that joined them go to a coordinator's review: the records were
    never merged, so they are neither counted as merged nor listed among the automatic merges. The pair
    of entries and the guard's reasons go to `summary.refused` (ImportRun.merges_refused)."""
    for orphan in sorted(orphans):
        kept = _fold_target(orphan, homes)
        entry = model.objects.filter(pk=orphan).first()
        into = model.objects.filter(pk=kept).first() if kept is not None else None
        if entry is None or into is None:
            continue
        # The import's report is read in the platform's language (the worker has no reader).
        with translation.override(settings.LANGUAGE_CODE):
            reasons = merge_refusals(entry, into)
        if not reasons:
            continue
        summary.refused.append({"record_type": record_type, "kept": _named(into), "removed": _named(entry),
                                "reasons": [str(r) for r in reasons]})  # fmt: skip
        apart: list[_Row] = []
        regrouped: list[tuple[int | None, list[_Row]]] = []
        for entity, members in decided:
            own = [r for r in members if r.entity == orphan]
            if entity == kept and own:
                apart += own
                others = [r.id for r in members if r.entity != orphan]
                pairs = RecordPair.objects.filter(status=RecordPair.Status.LINKED).filter(
                    models.Q(first_id__in=[r.id for r in own], second_id__in=others)
                    | models.Q(second_id__in=[r.id for r in own], first_id__in=others)
                )
                summary.refused_pairs += pairs.update(status=RecordPair.Status.REVIEW, updated_at=timezone.now())
                members = [r for r in members if r.entity != orphan]
            regrouped.append((entity, members))
        homes[orphan] = Counter({orphan: len(apart)})
        decided = [*regrouped, (orphan, apart)] if apart else regrouped
    return decided


def _entries_fold(
    model: type[Actor] | type[Place],
    record_type: str,
    rows: dict[int, _Row],
    restoring: dict[int, EntryMerge],
    orphans: Sequence[int],
    homes: dict[int, Counter[int | None]],
    writer: _Writer,
    refused: list[dict[str, Any]],
) -> int:
    """Bring back the entries a split gives their records again, then merge each entry no group
    keeps into the entry that took most of its records: what people attached to it moves there, and
    the merge is recorded so that a later split brings it back. The values its owners set on the
    platform go along where the kept entry's own owners set nothing. A merge a guard refuses leaves both
    entries and is added to `refused`, with the guard's reasons. Returns the number of entries removed."""
    now = timezone.now()
    for merge in sorted(restoring.values(), key=lambda m: -m.pk):
        entry_split(trace=merge.trace, from_id=merge.kept_id)
        merge.restored_at = now
        merge.save(update_fields=["restored_at"])
    removed = 0
    keep_out = (SourceRecord._meta.label, FieldOrigin._meta.label)
    for orphan in orphans:
        kept = _fold_target(orphan, homes)
        entry = model.objects.filter(pk=orphan).first()
        into = model.objects.filter(pk=kept).first() if kept is not None else None
        if entry is None or into is None:
            continue  # nowhere to move what people attached to it: the entry stays
        # The import's report is read in the platform's language (the worker has no reader).
        with translation.override(settings.LANGUAGE_CODE):
            reasons = merge_refusals(entry, into)
        # Most refusals were found before anything was written (_refused_apart); an entry a split brings back
        # only now (entry_split above) is checked here, its records then staying with the kept entry.
        if reasons:  # what is attached to both cannot be mixed (two shops' accounts): both entries stay
            refused.append({"record_type": record_type, "kept": _named(into), "removed": _named(entry),
                            "reasons": [str(r) for r in reasons]})  # fmt: skip
            continue
        records = sorted(r.id for r in rows.values() if r.entity == orphan)
        removed += 1
        kind = Entity.ACTOR if model is Actor else Entity.PLACE
        owned = owned_fields(kind, [orphan, into.pk])
        carried = owned.get(orphan, set()) - owned.get(into.pk, set()) - {"products", "photos", "verified_at"}
        values = values_of(entry, [name for name in fields_of(entry) if name in carried])
        trace = entry_merge(entry=entry, into=into, keep_out=keep_out)
        if values:
            revision = entry_edit(
                entry=into, changes=values, by=writer.by, version=None, origin=Revision.Origin.IMPORT,
                check_permission=False,
            )  # fmt: skip
            if revision is not None and writer.note:
                revision.note = writer.note[:200]
                revision.save(update_fields=["note"])
        EntryMerge.objects.create(
            record_type=record_type, kept_id=into.pk, removed_id=orphan, records=records, trace=trace
        )
    return removed


def _named(entry: Actor | Place) -> dict[str, Any]:
    return {"id": entry.pk, "name": entry.name, "url": entry.get_absolute_url()}


def _entity_objects(model: type[Actor] | type[Place], ids: list[int]) -> dict[int, Any]:
    objects: dict[int, Any] = {}
    for start in range(0, len(ids), 900):
        objects.update(model.objects.in_bulk(ids[start : start + 900]))
    return objects


def _recorded(instance: Actor | Place) -> list[str]:
    """The fields an import writes that the entry's history records."""
    names = fields_of(instance)
    return [t for targets in TARGETS.values() for t in targets if t in names or t == "verified_at"]


def _proposed(place: bool, chosen: dict[str, Chosen], communes: set[str]) -> dict[str, Any]:
    """The chosen values as the entry's fields (`commune` by its code), cut to the fields' lengths."""

    def value(name: str, default: Any = "") -> Any:
        found = chosen.get(name)
        if found is None:
            return default
        limit = MAX_LENGTHS.get(name)
        return found.value[:limit] if limit and isinstance(found.value, str) else found.value

    proposed: dict[str, Any] = {
        name: value(name) for name in ("name", "description", "address", "postcode", "email", "phone", "website")
    }
    code = value("commune_code")
    proposed["commune"] = code if code in communes else None
    position = chosen.get("position")
    proposed["lat"], proposed["lon"] = (position.value[0], position.value[1]) if position else (None, None)
    proposed["contact_public"] = bool(value("contact_public", False))
    verified = value("verified_at", None)
    proposed["verified_at"] = dt.date.fromisoformat(verified[:10]) if verified else None
    if place:
        proposed["kind"], proposed["opening_hours"] = value("kind"), value("opening_hours")
    else:
        proposed["legal_form"], proposed["siret"] = value("legal_form"), value("siret")
        proposed["order_url"] = value("order_url")
    return proposed


def _named_by(chosen: dict[str, Chosen], members: dict[int, _Row]) -> _Row:
    """The record whose name the entry takes: its source and reference are the entry's."""
    naming = chosen.get("name")
    return members[naming.record_id if naming and naming.record_id is not None else min(members)]


@dataclass(slots=True)
class _New:
    """A new entry as the plain values it is written with (`actors_values_create`, `places_values_create`:
    a model instance each cost more than the writing), and its id once written."""

    values: dict[str, Any]
    pk: int = 0


def _new(place: bool, chosen: dict[str, Chosen], members: dict[int, _Row], communes: set[str], pk: int) -> _New:
    """A new entry's values (`pk`, its key taken): what `_fill` writes to an entry, every field as the sources
    give it."""
    values = _proposed(place, chosen, communes)
    values["commune_id"] = values.pop("commune")
    if not place:
        values["is_producer"] = True
    named_by = _named_by(chosen, members)
    # `updated_at` is left at its default: the moment of the write, worked out once for every new entry.
    values["source"], values["source_ref"] = named_by.source[:60], named_by.ref[:120]
    return _New(values, pk)


def _fill(
    instance: Actor | Place, chosen: dict[str, Chosen], members: dict[int, _Row], communes: set[str], *, owned: set[str]
) -> dict[str, Any]:
    """Write the chosen values to an entry that exists: a field changed on the platform (`owned`) keeps its
    value, privacy choices stay as they are, the date of the last check never goes back, and a commune's
    centre never replaces a position; returns what the sources say for the fields kept."""
    proposed = _proposed(isinstance(instance, Place), chosen, communes)
    position = chosen.get("position")
    if position and position.value[2] == Precision.COMMUNE and instance.lat is not None:
        # A commune's centre says less than the position the entry has: it never replaces it.
        proposed["lat"], proposed["lon"] = instance.lat, instance.lon
    if isinstance(instance, Actor):
        instance.is_producer = True
    kept: dict[str, Any] = {}
    for name, new in proposed.items():
        attribute = "commune_id" if name == "commune" else name
        current = getattr(instance, attribute)
        if name in PRIVACY:
            continue
        if name == "verified_at":
            if new is None or (current is not None and new <= current):
                continue
        elif name in owned or (name in ("lat", "lon") and {"lat", "lon"} & owned):
            if new != current:
                kept[name] = new
            continue
        setattr(instance, attribute, new)
    named_by = _named_by(chosen, members)
    instance.source, instance.source_ref = named_by.source[:60], named_by.ref[:120]
    return kept


def _offer(
    instance: Actor | Place,
    chosen: dict[str, Chosen],
    kept: dict[str, Any],
    previous: dict[tuple[int, str], str],
    writer: _Writer,
    members: dict[int, _Row],
) -> None:
    """Offer the owner, as a suggestion, what the sources now say for the fields they changed on the
    platform: once per value a source gives (a value the owner already replaced is not offered again)."""
    changes: dict[str, list[Any]] = {}
    sources: set[str] = set()
    for name, new in kept.items():
        key = {"commune": "commune_code", "lat": "position", "lon": "position"}.get(name, name)
        given = chosen.get(key)
        if name not in OFFERED or new in (None, "") or given is None:
            continue
        if previous.get((instance.pk, key)) == _shown(given.value):
            continue
        try:
            cleaned = value_clean(instance, name, new)
        except ValidationError:
            continue
        current = value_of(instance, name)
        if cleaned != current:
            changes[name] = [current, cleaned]
            if given.record_id in members:
                sources.add(members[given.record_id].source)
    if changes:
        comment = _("Given by the source %(sources)s for a field changed on the platform (%(note)s).") % {
            "sources": ", ".join(sorted(sources)), "note": writer.note,
        }  # fmt: skip
        writer.suggestions.append(
            Suggestion(
                entity=Entity.ACTOR if isinstance(instance, Actor) else Entity.PLACE, entity_id=instance.pk,
                changes=changes, origin=Suggestion.Origin.IMPORT, comment=comment[:2000],
            )
        )  # fmt: skip


def _records_point(
    record_type: str, written: list[tuple[Any, list[_Row], dict[str, Chosen]]], new: NewRecords | None = None
) -> None:
    """Each record of the entries written pointed at its entry, with the digest it was merged with: the new
    records not written yet (`new`) get theirs before they are written, the others by an UPDATE."""
    field = "actor_id" if record_type == "producer" else "place_id"
    rows = []
    pending = new.by_pk if new is not None else {}
    for instance, members, _chosen in written:
        for row in members:
            record = pending.get(row.id)
            if record is None:
                rows.append((row.id, instance.pk, row.digest))
            else:
                record.entry, record.merged_digest = instance.pk, row.digest
    rows_update(SourceRecord, (field, "merged_digest"), rows)


def _records_write(new: NewRecords) -> None:
    """The import's new records written, each with its entry (`NewRecords.write`)."""
    new.write()


# The entry's fields a chosen value goes to, as its owners' changes name them; and the fields an owner's
# change never overrides in the sources' eyes.
_ORIGIN_TARGETS: dict[str, frozenset[str]] = {
    **{name: frozenset(targets) for name, targets in TARGETS.items()},
    "categories": frozenset({"products"}), "labels": frozenset({"products"}),
}  # fmt: skip
_NEVER_OVERRIDDEN = frozenset({"verified_at", *PRIVACY})
_NONE: frozenset[str] = frozenset()


# The JSON of the values most origins that are not text hold (a flag, nothing): one lookup instead of an encoding.
_SHOWN_CONSTANTS: dict[Any, str] = {None: "null", True: "true", False: "false"}


# json.dumps(value, ensure_ascii=False, default=str), its encoder made once (dumps makes one per call).
_shown_encoded = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or type(value) is bool:
        return _SHOWN_CONSTANTS[value]
    return _shown_encoded(value)


def _chosen_with_origins(
    record_type: str,
    pending: Sequence[tuple[int | None, list[_Row]]],
    instances: dict[int, Any],
    new_ids: Sequence[int],
    owned: dict[int, set[str]],
) -> list[tuple[int, Any, list[_Row], dict[str, Chosen]]]:
    """Each entry's values chosen from its records (`fields_choose`) and its field origins written as they are
    chosen: (key, the entry that exists or None, records, chosen values) for every group, a new entry taking
    the next of `new_ids`. The origins of the entries that exist are replaced (a new one has none to delete).

    On PostgreSQL the origins go into one open COPY (`rows_writer`) while the next entries' values are
    chosen, so that the server writes them (about 15 rows an entry, with their unique index entries: the
    largest of the import's writes by rows) as the client works, where a list made whole and sent after
    kept one waiting for the other. Nothing here reads the database: the COPY holds the connection."""
    field = "actor" if record_type == "producer" else "place"
    cleared = [entity for entity, _m in pending if entity is not None and entity in instances]
    for start in range(0, len(cleared), 900):
        FieldOrigin.objects.filter(**{f"{field}_id__in_ids": cleared[start : start + 900]}).delete()
    fresh = iter(new_ids)
    work: list[tuple[int, Any, list[_Row], dict[str, Chosen]]] = []
    with rows_writer(FieldOrigin, (field + "_id", "field", "record_id", "value", "overridden")) as write:
        for entity, members in pending:
            chosen = fields_choose([r.candidate() for r in members])
            instance = instances.get(entity) if entity is not None else None
            pk = next(fresh) if instance is None else instance.pk
            write(_origins(pk, chosen, owned.get(pk)))
            work.append((pk, instance, members, chosen))
    if next(fresh, None) is not None:
        raise ValueError("_chosen_with_origins: more keys taken than new entries")
    return work


def _origins(pk: int, chosen: dict[str, Chosen], mine: set[str] | None) -> list[tuple[Any, ...]]:
    """The field origins of an entry (`pk`) as rows: each chosen value with its record; `mine`, the fields its
    owners changed on the platform (a new entry has none: most of them), whose origins are overridden."""
    changed: AbstractSet[str] = mine or _NONE
    rows = []
    for name, choice in chosen.items():
        overridden = (
            bool(changed) and name not in _NEVER_OVERRIDDEN and not _ORIGIN_TARGETS.get(name, _NONE).isdisjoint(changed)
        )
        value = choice.value
        rows.append((pk, name, choice.record_id, value if type(value) is str else _shown(value), overridden))
    return rows


def _offers_write(written: list[tuple[Actor | _New, dict[str, Chosen]]], owned: set[int]) -> None:
    """A producer offers every category its sources name, with every label they give it. A producer
    whose products were changed on the platform gets the categories it lacks, and nothing it has is
    removed or changed."""
    categories = dict(Category.objects.values_list("slug", "id"))
    labels = dict(Label.objects.values_list("slug", "id"))
    ids = [a.pk for a, _c in written if a.pk not in owned]
    kept = [a.pk for a, _c in written if a.pk in owned]
    has: set[tuple[int, int]] = set()
    for start in range(0, len(kept), 900):
        chunk = kept[start : start + 900]
        has.update(Offer.objects.filter(producer_id__in_ids=chunk).values_list("producer_id", "category_id"))
    # Plain values (producer, category, labels): an Offer instance each cost more than the writing.
    offers: list[tuple[int, int, list[int]]] = []
    for actor, chosen in written:
        slugs = chosen["categories"].value if "categories" in chosen else []
        label_ids = [labels[s] for s in (chosen["labels"].value if "labels" in chosen else []) if s in labels]
        pk = actor.pk
        for slug in slugs:
            category = categories.get(slug)
            if category is not None and (pk, category) not in has:
                offers.append((pk, category, label_ids))
    offers_values_replace(cleared=ids, offers=offers, index=False)


# A place as the sources' links name it: its entry's id, or ("record", id) for a place record no merge has
# written yet; a producer as its record's (source name, reference).
_PlaceKey = int | tuple[str, int]
_ProducerKey = tuple[str, str]


def _links_given(
    *, unwritten: bool = False, new: NewRecords | None = None
) -> tuple[list[tuple[_PlaceKey, _ProducerKey]], list[tuple[_PlaceKey, _ProducerKey]]]:
    """The links the sources give, as `_links_write` adds them: the producer running a place (`operator`, a
    producer record of the same source), the places a producer supplies (`supplies`: a place record of the
    same source by reference, or "source:reference", or by name when one place alone has it). Returns
    (place, producer) pairs: the operators', then the suppliers'. Only the place records already written
    into an entry, or with `unwritten` those not yet too. An operator is given only to a place that has
    none (`places_links_add`'s rule): the places run already are left out by the database, so that a
    re-import, whose farms all have theirs, asks for none of them again (38,435 farms of a 100,000-row
    file looked up by 900 ids a statement to find nothing: 2.9 s of the server's time). With `unwritten`,
    `new`: the records the import creates, not written yet (`NewRecords`), read as the stored ones."""
    places: dict[tuple[str, str], _PlaceKey] = {}
    named: dict[str, set[_PlaceKey]] = {}
    new_places = new.of_type("place") if unwritten and new is not None else []
    new_producers = new.of_type("producer") if unwritten and new is not None else []
    source_new = new.source if new is not None else ""
    place_records = SourceRecord.objects.filter(record_type="place", missing=False)
    if not unwritten:
        place_records = place_records.filter(place__isnull=False)
    for pk, source, ref, name, entry in place_records.values_list(
        "id", "source__name", "ref", "name", "place_id"
    ).iterator(chunk_size=5000):
        key = ("record", pk) if entry is None else entry
        places[(source, ref)] = key
        named.setdefault(fold(name), set()).add(key)
    for pk, ref, record in new_places:
        places[(source_new, ref)] = ("record", pk)
        named.setdefault(fold(record.name), set()).add(("record", pk))
    # The one key of each record's data that is needed, read by the database: decoding every farm's
    # whole record cost a re-import more than the links.
    operated: list[tuple[_PlaceKey, _ProducerKey]] = [
        (("record", pk) if entry is None else entry, (source, operator))
        for pk, entry, source, operator in place_records.filter(
            data__operator__gt="", place__operator__isnull=True
        ).values_list("id", "place_id", "source__name", KT("data__operator"))
    ]
    operated += [
        (("record", pk), (source_new, record.data["operator"]))
        for pk, _ref, record in new_places
        if isinstance(record.data.get("operator"), str) and record.data["operator"]
    ]
    supplied: list[tuple[_PlaceKey, _ProducerKey]] = []
    producers = SourceRecord.objects.filter(record_type="producer", missing=False)
    given = producers.filter(data__supplies__0__isnull=False).values_list("source__name", "ref", "data__supplies")
    new_given = [(source_new, ref, record.data.get("supplies")) for _pk, ref, record in new_producers]
    for source, ref, supplies in [*given, *new_given]:
        for reference in supplies or ():
            other, _colon, other_ref = reference.partition(":")
            place = places.get((source, reference))
            if place is None and other_ref:
                place = places.get((other, other_ref))
            if place is None and len(named.get(fold(reference), ())) == 1:
                place = next(iter(named[fold(reference)]))
            if place is not None:
                supplied.append((place, (source, ref)))
    return operated, supplied


def _shown_expected(writer: _Writer) -> set[_ProducerKey]:
    """The producer records whose producer the links `_links_write` will add show at an open place (its
    ProducerPlace rows, `Actor.shown_at_place`): running a place that has no operator yet, or supplying
    one. A place no merge has written yet will be a new one, open (an import closes no place). What the
    merge of places does next (a new place record joining a closed place, or one run by someone else;
    two records of one name becoming one place) may make it wrong; the places' indexing corrects it.
    The operators read are kept for the new places (`_new_places_operators`)."""
    operated, supplied = _links_given(unwritten=True, new=writer.new)
    writer.operated = operated
    entries = sorted({place for place, _producer in [*operated, *supplied] if isinstance(place, int)})
    closed: set[_PlaceKey] = set()
    run: set[_PlaceKey] = set()
    for start in range(0, len(entries), 900):
        for pk, closed_at, operator in Place.objects.filter(pk__in_ids=entries[start : start + 900]).values_list(
            "pk", "closed_at", "operator_id"
        ):
            if closed_at is not None:
                closed.add(pk)
            if operator is not None:
                run.add(pk)
    shown = {producer for place, producer in operated if place not in closed and place not in run}
    shown.update(producer for place, producer in supplied if place not in closed)
    return shown


def _new_places_operators(writer: _Writer) -> dict[int, int]:
    """The producers the sources say run the place records no entry has yet, by record: (record id, actor id),
    for the places the merge creates, as `_links_write` would give them after (`places_links_add`, which sets
    an operator where a place has none: a new place has none). The producers are those merged already."""
    operated = writer.operated if writer.operated is not None else _links_given(unwritten=True, new=writer.new)[0]
    wanted = [(place[1], producer) for place, producer in operated if isinstance(place, tuple)]
    actors: dict[_ProducerKey, int] = {}
    if writer.new is not None:
        actors.update(
            ((writer.new.source, ref), record.entry)
            for _pk, ref, record in writer.new.of_type("producer")
            if record.entry is not None
        )
    stored: dict[str, list[str]] = {}
    for _record, (source, ref) in wanted:
        if (source, ref) not in actors:
            stored.setdefault(source, []).append(ref)
    for source, refs in stored.items():
        refs = sorted(set(refs))
        for start in range(0, len(refs), 900):
            actors.update(
                ((source, ref), actor)
                for ref, actor in SourceRecord.objects.filter(
                    source__name=source, ref__in=refs[start : start + 900], record_type="producer", missing=False,
                    actor__isnull=False,
                ).values_list("ref", "actor_id")
            )  # fmt: skip
    return {record: actors[producer] for record, producer in wanted if producer in actors}


def _links_write(writer: _Writer) -> None:
    """The links the sources give between entries (`_links_given`), added to the directory, and what is
    sold at a place (its records' categories)."""
    operated, given = _links_given()
    actors = {
        (source, ref): actor
        for source, ref, actor in SourceRecord.objects.filter(
            record_type="producer", missing=False, actor__isnull=False
        ).values_list("source__name", "ref", "actor_id")
    }
    operators: dict[int, int] = {}
    for place, producer in operated:
        actor = actors.get(producer)
        if actor is not None and isinstance(place, int):  # an entry: only those are given here
            operators[place] = actor
    supplied = [(place, actors[producer]) for place, producer in given if producer in actors and isinstance(place, int)]
    categories = dict(Category.objects.values_list("slug", "id"))
    sold = [(place, categories[slug]) for place, slug in writer.place_categories if slug in categories]
    writer.place_categories = []
    changed = places_links_add(operators=operators, producers=supplied, categories=sold, index=False)
    # Every place the merge wrote or linked, and every place showing a producer it wrote, indexed once; the
    # producers it created shown at a place checked, in case the merge of places left them at none.
    shown = actors_place_ids(sorted(writer.actors))
    places_index(place_ids=[*writer.places, *changed, *shown], positions=writer.positions, actors=writer.shown)
    writer.places, writer.positions, writer.actors, writer.shown = set(), [], set(), set()
