"""What the observatory keeps: territories (named sets of communes with their coordinators) and the
national canteen declarations, by year."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Commune


def local_radius_default() -> float:
    """A territory's "local" radius unless set: the site's (TERROIR_LOCAL_RADIUS_KM, 150 km)."""
    return float(settings.TERROIR_LOCAL_RADIUS_KM)


class Territory(models.Model):
    """A named set of communes (a PAT, a pays, a département…) for which the indicators are computed.

    `sources` says how the communes were chosen (départements, EPCIs, INSEE codes, a PAT code) so that a
    coordinator can rebuild it when the communes reference changes."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The PAT of the national list (ma-cantine's code), when the territory is one.
    pat_code = models.CharField(_("PAT code"), max_length=10, blank=True, db_index=True)
    sources = models.JSONField(default=dict, blank=True)
    communes = models.ManyToManyField(Commune, related_name="+", verbose_name=_("communes"))
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="territories", verbose_name=_("coordinators")
    )
    created_at = models.DateTimeField(default=timezone.now)
    # "Local or not": a place's producer is local when its farm is within this distance of the place.
    local_radius_km = models.FloatField(
        _("local radius (km)"), default=local_radius_default,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("A producer is local to a place when its farm is within this distance, as the crow flies."),
    )  # fmt: skip

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name


class CanteenImport(models.Model):
    """One import of a file of canteen declarations: its progress, what it kept and the rows it reported."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # "host:pid" of the worker running it, for the reaper.
    worker = models.CharField(max_length=100, blank=True)
    years = models.JSONField(default=list, blank=True)
    rows = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    # [[line, reason], …] for the rows kept out of the figures or of the commune figures (first ones only).
    problems = models.JSONField(default=list, blank=True)
    problems_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.file_name


class CanteenDeclaration(models.Model):
    """A canteen's yearly declaration of its purchases (ma-cantine's open data), as shares of its food
    purchases in € excl. VAT. Re-importing a year replaces that year's rows."""

    year = models.PositiveSmallIntegerField(db_index=True)
    declaration_id = models.BigIntegerField()
    canteen_id = models.CharField(max_length=20)
    siret = models.CharField(max_length=14, blank=True)
    name = models.CharField(max_length=255, blank=True)
    # The INSEE code as the file gives it; `commune` only when it names a commune of the reference.
    insee_code = models.CharField(max_length=12, blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    department = models.CharField(max_length=3, blank=True, db_index=True)
    epci_code = models.CharField(max_length=9, blank=True, db_index=True)
    # ",1306,1308,": one LIKE '%,1306,%' finds a PAT's canteens on any database.
    pat_codes = models.CharField(max_length=300, blank=True)
    sector = models.CharField(max_length=300, blank=True)
    ratio_organic = models.FloatField()
    ratio_egalim_other = models.FloatField()
    run = models.ForeignKey(CanteenImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "canteen_id"], name="canteen_declaration_year")]
        indexes = [models.Index(fields=["commune", "year"], name="canteen_commune_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def ratio_egalim(self) -> float:
        return self.ratio_organic + self.ratio_egalim_other


class Objective(models.Model):
    """A target of the PAT written by a coordinator: an indicator of the registry (`indicator`, its key) to
    bring to `target` by the end of `year`, or, with no indicator, a goal in words only ("a producers'
    shop in Clermont-Ferrand")."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="objectives")
    # A key of observatory.registry; blank for a goal in words only. Not a database choice: indicators are
    # added without a migration.
    indicator = models.CharField(_("indicator"), max_length=60, blank=True)
    target = models.FloatField(_("target value"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("by the end of"))
    text = models.CharField(_("objective in words"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.text or f"{self.indicator} {self.target} ({self.year})"


class SnapshotRun(models.Model):
    """One computation of every indicator of a territory for a period (a month), on the worker: monthly by
    the schedule or asked by a coordinator. Its `details` keep the dashboard's tables, so the page reads
    them instead of computing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="snapshot_runs")
    period = models.DateField()  # the first day of the month
    scheduled = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    worker = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One computation at a time per territory: asking twice, or the schedule meeting a coordinator's
            # request, finds the one under way.
            models.UniqueConstraint(
                fields=["territory"], condition=models.Q(status__in=["queued", "running"]),
                name="observatory_one_active_snapshot_run",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.territory} {self.period:%Y-%m}"


class Snapshot(models.Model):
    """An indicator's value for a territory in a period (month): one row per period, a later computation
    of the same month replaces it. `value` None: no data that month."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="snapshots")
    indicator = models.CharField(max_length=60)
    period = models.DateField()
    value = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "indicator", "period"], name="observatory_one_snapshot_a_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period:%Y-%m} = {self.value}"


class CommuneSnapshot(models.Model):
    """The figures of each commune of a territory in a period (month), kept compactly: one row per
    territory and period, `values` maps an INSEE code to its figures in the order of `columns` (keys of
    observatory.commune_history.FIGURES). A territory of 500 communes and 9 figures is one row of ~40 kB
    a month, not 4,500 rows. A later computation of the same month replaces it."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="commune_snapshots")
    period = models.DateField()
    columns = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "period"], name="observatory_one_commune_snapshot_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.territory} {self.period:%Y-%m} ({len(self.values)} communes)"


class IsolationFlag(models.Model):
    """A producer said isolated by a coordinator or by its own people, with the reason ("la laiterie ne
    collecte plus"); `cleared_at` when the situation is settled."""

    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="isolation_flags")
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_producer = models.BooleanField(default=False)  # set by a member of the producer itself
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.producer}: {self.reason}"
