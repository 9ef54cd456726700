"""What imports remember."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GeocodeAnswer(models.Model):
    """A geocoding service's answer to one address, so that re-importing a source asks nothing again.
    An address the service did not find is remembered too (without a position)."""

    key = models.CharField(max_length=40, unique=True)  # SHA-1 of the query
    query = models.TextField()
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)
    precision = models.CharField(max_length=10, blank=True)
    score = models.FloatField(default=0)
    citycode = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.query


class Source(models.Model):
    """A directory that is imported again and again (the organic network's, OpenStreetMap's…)."""

    name = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=200)
    # When sources disagree on a field, the value of the highest priority wins (then the most recently
    # verified); a coordinator raises the priority of the directories they trust most.
    priority = models.PositiveSmallIntegerField(default=50)
    # The mapping used by the latest import, as written.
    mapping = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.label


class ImportRun(models.Model):
    """One import of one file of a source: its figures, its problems, how it ended."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    # Who started it (none from the command line): the revisions the import writes are theirs.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Records read (a producer's row gives two: the producer and its farm); `lines`, the file's rows read (None:
    # a run from before they were counted apart). `rejected` counts records too.
    rows = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Records of the source that this file no longer has: flagged, not deleted.
    missing = models.PositiveIntegerField(default=0)
    commune_level = models.PositiveIntegerField(default=0)
    # What merging did after the records were kept: directory entries created and updated, records
    # merged into an entry another record already gave, pairs left for a coordinator to review.
    entries_created = models.PositiveIntegerField(default=0)
    entries_updated = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    review = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The worker running it ("host:pid"): a run whose worker died is failed, so the source is free again.
    worker = models.CharField(max_length=80, blank=True)
    # The web upload it imports (its token), and where it is: stage ("read", "save"), the file's rows done of
    # about how many it has.
    upload = models.CharField(max_length=40, blank=True, db_index=True)
    stage = models.CharField(max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # Every problem with its line and original row (CSV, as report_write writes it).
    report = models.TextField(blank=True)
    # Pairs of entries the linkage found to be one that a merge guard kept apart (two places that both hold
    # a shop's accounts): {"record_type", "kept", "removed": {"id", "name", "url"}, "reasons": [French text]}.
    # Both entries stay; the run's page and its merges page name them so that a coordinator can act.
    merges_refused = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # The same source imported twice at once: the second one is refused.
            models.UniqueConstraint(
                fields=["source"], condition=models.Q(status="running"), name="importrun_one_running_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class SourceRecord(models.Model):
    """A record as one source gives it, kept across imports: re-importing updates it, a record gone from
    the source is flagged `missing`. `data` holds the normalised fields, `raw` the row as written."""

    # Indexed by the unique (source, ref) index, whose first column it is: no index of its own.
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="records", db_index=False)
    ref = models.CharField(max_length=200)
    record_type = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    data = models.JSONField()
    raw = models.JSONField()
    digest = models.CharField(max_length=40)
    first_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    # The run that last wrote the record: created or changed it, found it again after it went missing, or,
    # when a run no longer gave it, the last run that did. An unchanged record is not written again: every
    # finished run of its source since gave it (a run that does not give a record flags it missing), so its
    # last run is its source's latest finished run, as `last_given_by` says. (Moving the last run of every
    # unchanged record rewrote each wide row: 27.8 s of a 57.5 s re-import of 100,000 rows on PostgreSQL.)
    last_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    missing = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # The directory entry this record was merged into (a place, or a producer). A record has at most one:
    # each key is indexed where it is set only (Meta.indexes), not for the other kind's records.
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="source_records",
        db_index=False,
    )  # fmt: skip
    actor = models.ForeignKey(
        "directory.Actor", null=True, blank=True, on_delete=models.SET_NULL, related_name="source_records",
        db_index=False,
    )  # fmt: skip
    # `digest` when the record was last merged: a record whose digest moved is merged again.
    merged_digest = models.CharField(max_length=40, blank=True)
    # The row this record was read from, as a digest of its values, the mapping, the reading code and the
    # communes table (read.RowFingerprints): a re-import finds the row unchanged by it and reads it no
    # further. Empty when the row must be read again every time (a point the file crowds, a geocoder's
    # commune-level answer, one of its records rejected). `reading` keeps what the reading said of the
    # record when it said anything (its problems, placed at commune level) for the run's report.
    fingerprint = models.CharField(max_length=40, blank=True)
    reading = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "ref"], name="sourcerecord_unique_ref")]
        # Every index is written again with each new version of a record's row: an import writes each record
        # twice (its COPY, then its entry and merged digest set by the merge). The entry's keys are read
        # for a given entry (its records, the cascade of its deletion): never as null.
        indexes = [
            models.Index(fields=["record_type", "id"], name="sourcerecord_type"),
            models.Index(fields=["place"], name="sourcerecord_place", condition=models.Q(place__isnull=False)),
            models.Index(fields=["actor"], name="sourcerecord_actor", condition=models.Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.source.name}:{self.ref} {self.name}"

    def last_given_by(self) -> ImportRun:
        """The last run of its source that gave this record."""
        if self.missing:
            return self.last_run
        latest = (
            ImportRun.objects.filter(source_id=self.source_id, status=ImportRun.Status.DONE, pk__gt=self.last_run_id)
            .order_by("-pk")
            .first()
        )
        return latest or self.last_run


class RecordPair(models.Model):
    """Two source records that may describe the same thing, as linkage scored them, and what a
    coordinator decided. A decision (same / different) is never overwritten by a later linkage."""

    class Status(models.TextChoices):
        LINKED = "linked", _("merged automatically")
        REVIEW = "review", _("to review")
        SAME = "same", _("same (decided)")
        DIFFERENT = "different", _("different (decided)")

    first = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when linkage created the pair, or changed its score or status (the run it happened in).
    updated_at = models.DateTimeField(default=timezone.now)
    # The import whose linkage created the pair or last changed it: its merges page lists these. Pairs
    # stored before this field (null) are found by time, between the run's start and the next run's.
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs")
    # Why the merge rules merged the pair or sent it to review (terroir.imports.merge.pair_decide):
    # [{"code": "siret", "value": "…"}, {"code": "name", "value": 0.97}, {"code": "distance_m", "value": 40}].
    reasons = models.JSONField(default=list, blank=True)
    # A pair merged automatically that a coordinator split: its status is "different" from then on, so
    # no later import merges the two records again; this says the decision undid an automatic merge.
    split_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="recordpair_unique"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="recordpair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "probability"], name="recordpair_status")]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id} {self.status} {self.probability:.3f}"

    @property
    def decided(self) -> bool:
        return self.status in {self.Status.SAME, self.Status.DIFFERENT}


class FieldOrigin(models.Model):
    """Where the value of one field of a directory entry comes from: the source record chosen among
    those merged into it (the others' values are in their records)."""

    # No index of their own: the unique constraints below start with them and serve their lookups (about ten
    # origins an entry, a million rows in a large import, each index kept up to date row by row).
    # Keys the database does not check (db_constraint=False): every merge rewrites an entry's origins, and
    # they go with their entry (or lose their record) by Django's cascade, which every delete of an entry
    # or a source runs (terroir/imports/tests/test_derived_rows.py). PostgreSQL checked each key of each
    # row at the import's commit, two a row: most of a 100,000-row import's commit (docs/performance.md,
    # round 11).
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.CASCADE, related_name="field_origins",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    actor = models.ForeignKey(
        "directory.Actor", null=True, blank=True, on_delete=models.CASCADE, related_name="field_origins",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    field = models.CharField(max_length=40)
    record = models.ForeignKey(
        SourceRecord, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    value = models.TextField(blank=True)
    # The field was edited on the platform: the entry keeps that value, `value` is what the sources say.
    overridden = models.BooleanField(default=False)

    class Meta:
        # Each on the rows it is about: an origin is a place's or an actor's, and a row entered in both indexes
        # (its other key null) cost every insert a third index entry, all at the same end of the other index.
        constraints = [
            models.UniqueConstraint(
                fields=["place", "field"], name="fieldorigin_place_field", condition=models.Q(place__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["actor", "field"], name="fieldorigin_actor_field", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} <- {self.record_id}"


class EntryMerge(models.Model):
    """A directory entry merged into another because their records turned out to describe one thing.
    `trace` is what terroir.directory.references.entry_merge moved (memberships, photos, answers…),
    so that splitting the records again brings the entry back with exactly those rows."""

    record_type = models.CharField(max_length=10)
    kept_id = models.BigIntegerField()
    removed_id = models.BigIntegerField()
    # The source records that fed the removed entry when it was merged.
    records = models.JSONField()
    trace = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["record_type", "restored_at"], name="entrymerge_active")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.removed_id} -> {self.kept_id}"


class SavedMapping(models.Model):
    """A mapping made on the column-mapping screen, kept by name: `text` is its TOML, the very text the
    command line reads (`import_preview FILE --mapping NAME.toml` once downloaded)."""

    name = models.SlugField(max_length=50, unique=True)
    text = models.TextField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
