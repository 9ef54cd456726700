"""What imports remember."""

from __future__ import annotations

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
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Records of the source that this file no longer has: flagged, not deleted.
    missing = models.PositiveIntegerField(default=0)
    commune_level = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Every problem with its line and original row (CSV, as report_write writes it).
    report = models.TextField(blank=True)

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

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="records")
    ref = models.CharField(max_length=200)
    record_type = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    data = models.JSONField()
    raw = models.JSONField()
    digest = models.CharField(max_length=40)
    first_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    missing = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "ref"], name="sourcerecord_unique_ref")]

    def __str__(self) -> str:
        return f"{self.source.name}:{self.ref} {self.name}"
