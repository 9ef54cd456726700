"""Pooled logistics: depots, vehicles, the week's delivery orders, and planning runs.

Logistics data belongs to a carrier organisation (`owner`; a depot's `operator`): its people see and plan
only their own, coordinators see everything. A row without owner (made before owners existed, or by a
coordinator planning for the whole territory) is the coordinators' alone.

A planning run keeps the problem it was given (the JSON format of docs/logistics.md, a snapshot: editing
an order afterwards does not change a plan already made), its progress, the plan and its evaluation.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Category, Place

from .costs import VehicleType

DAYS_ALL = 0b1111111


class Depot(models.Model):
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    address = models.CharField(_("address"), max_length=255, blank=True)
    opens = models.TimeField(_("opens"), default=datetime.time(5, 0))
    closes = models.TimeField(_("closes"), default=datetime.time(20, 0))
    # Its owner, like the other logistics rows' `owner`: the carrier whose vehicles start there.
    operator = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("depot")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="depot_hours")]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("depot"))
    end_depot = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("ends its day at"), help_text=_("When not the depot it starts from (a relay platform)."),
    )  # fmt: skip
    vehicle_type = models.CharField(_("type"), max_length=30, choices=[
        (VehicleType.CAR, _("car")), (VehicleType.VAN, _("van")),
        (VehicleType.REFRIGERATED_VAN, _("refrigerated van")), (VehicleType.TRUCK, _("truck")),
        (VehicleType.REFRIGERATED_TRUCK, _("refrigerated truck")),
    ], default=VehicleType.REFRIGERATED_VAN)  # fmt: skip
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"), validators=[MinValueValidator(1)])
    capacity_crates = models.PositiveIntegerField(_("capacity (crates)"), null=True, blank=True)
    cold_kg = models.PositiveIntegerField(_("refrigerated capacity (kg)"), default=0)
    per_km = models.DecimalField(_("cost per km (€)"), max_digits=6, decimal_places=3, default=0.8)
    per_hour = models.DecimalField(_("driver cost per hour (€)"), max_digits=6, decimal_places=2, default=18)
    fixed_per_day = models.DecimalField(_("fixed cost per day (€)"), max_digits=7, decimal_places=2, default=0)
    starts = models.TimeField(_("working day starts"), default=datetime.time(6, 0))
    ends = models.TimeField(_("working day ends"), default=datetime.time(16, 0))
    weekdays = models.PositiveSmallIntegerField(_("days it works"), default=0b0001110)  # bit 0 = Monday
    max_reloads = models.PositiveSmallIntegerField(_("returns to reload per day"), default=1)
    driver = models.CharField(_("driver"), max_length=120, blank=True)
    driver_phone = models.CharField(_("driver's phone"), max_length=30, blank=True)
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("vehicle")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name="vehicle_hours")]

    def __str__(self) -> str:
        return self.name


class OrderKind(models.TextChoices):
    SHIPMENT = "shipment", _("from the farm to the customer")
    DELIVERY = "delivery", _("from the depot to the customer")
    COLLECTION = "collection", _("from the farm to the depot")


class DeliveryMode(models.TextChoices):
    """How a producer has this customer's goods delivered: only the pooled and relay ones are planned."""

    POOLED = "pooled", _("the pooled round")
    SELF = "self", _("the producer delivers them")
    RELAY = "relay", _("through a relay platform")
    CARPOOL = "carpool", _("a carpool trip")


def delivery_mode_errors(*, mode: str, kind: str, relay: Depot | None) -> dict[str, str]:
    """The one rule of a delivery's mode, for the order form and the orders' import alike: a relay platform
    is named when, and only when, the goods pass through one, and only goods from a farm to a customer can."""
    errors: dict[str, str] = {}
    if mode == DeliveryMode.RELAY:
        if relay is None:
            errors["relay"] = str(_("Name the relay platform the goods pass through."))
        if kind != OrderKind.SHIPMENT:
            errors["delivery_mode"] = str(_("Only goods going from the farm to the customer pass through a relay "
                                            "platform."))  # fmt: skip
    elif relay is not None:
        errors["relay"] = str(_("A relay platform is named only for goods delivered through one."))
    return errors


class DeliveryOrder(models.Model):
    """Goods to carry in a given week, and how the producer has them delivered (`delivery_mode`): orders
    the producer delivers themselves or sends by a carpool trip are kept but stay out of the rounds."""

    week = models.DateField(_("week of"), db_index=True)  # its Monday
    owner = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    kind = models.CharField(_("route"), max_length=12, choices=OrderKind.choices, default=OrderKind.SHIPMENT)
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", verbose_name=_("producer"))
    customer = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    delivery_place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("deliver at")
    )
    description = models.CharField(_("goods"), max_length=200, blank=True)
    # The goods' product family: whether they may ride a carpool trip, and in which conditions.
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("product family"))  # fmt: skip
    kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=1, validators=[MinValueValidator(0)])
    crates = models.PositiveIntegerField(_("crates"), default=0)
    cold = models.BooleanField(_("needs the cold chain"), default=False)
    value = models.DecimalField(_("value (€)"), max_digits=10, decimal_places=2, default=0,
                                validators=[MinValueValidator(0)])  # fmt: skip
    pickup_opens = models.TimeField(_("pick up from"), default=datetime.time(6, 0))
    pickup_closes = models.TimeField(_("pick up until"), default=datetime.time(12, 0))
    delivery_opens = models.TimeField(_("deliver from"), default=datetime.time(7, 0))
    delivery_closes = models.TimeField(_("deliver until"), default=datetime.time(12, 0))
    ready_at = models.TimeField(_("ready at the depot at"), null=True, blank=True)
    service_min = models.PositiveSmallIntegerField(_("minutes on site"), default=5)
    weekdays = models.PositiveSmallIntegerField(_("days it may travel"), default=0b0001110)
    required = models.BooleanField(_("must be delivered"), default=True)
    delivery_mode = models.CharField(_("delivered by"), max_length=10, choices=DeliveryMode.choices,
                                     default=DeliveryMode.POOLED)  # fmt: skip
    relay = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("relay platform")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("delivery order")
        ordering = ["week", "producer__name", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(kg__gte=0), name="order_kg_positive")]

    def __str__(self) -> str:
        return f"{self.producer} → {self.customer or _('depot')}"

    def clean(self) -> None:
        errors = delivery_mode_errors(mode=self.delivery_mode, kind=self.kind, relay=self.relay)
        if errors:
            raise ValidationError(errors)

    @property
    def planned(self) -> bool:
        """Whether the rounds carry it (the producer delivers the others themselves or by carpool)."""
        return self.delivery_mode in (DeliveryMode.POOLED, DeliveryMode.RELAY)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class WorkerRun(models.Model):
    """What every run the worker computes for a carrier has: who asked and when, its state and progress,
    why it failed, and the worker computing it ("host:pid") with its last heartbeat — a run whose worker
    died is failed by the reaper."""

    owner = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(max_length=40, blank=True)
    fraction = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=80, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class PlanningRun(WorkerRun):
    week = models.DateField(_("week of"), null=True, blank=True)
    time_limit_s = models.FloatField(default=10.0)
    problem = models.JSONField()  # docs/logistics.md
    labels = models.JSONField(default=dict)  # ids of the problem → names shown (orders, producers, vehicles…)
    plan = models.JSONField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("planning run")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.week or ''} #{self.pk}"


# A candidate relay site's real bounds, its one cleaning rule (the page's form and the API read them here).
# A short chain's relay platform at a city entrance handles hundreds of kilograms to a few tonnes a day (the
# demo's 600–1,500 kg; Actypôles-like sites); 50 t a day is two full articulated lorries in and out, past any
# such platform yet room for a regional food hub. The bound the API had (2,147,483,647 kg, the database's
# integer) let a slip of the keyboard make the study's capacity constraint void.
RELAY_CAPACITY_KG_DAY_MAX = 50_000
# 100,000 € a week is a large logistics hall's rent and staff; Le Local's shop costs about 121 € a week.
RELAY_COST_WEEK_MAX = 100_000


class RelayCandidate(models.Model):
    """A site where a relay platform could open: producers bring their goods there, a delivery service takes
    them on to the customers. An existing place of the directory (a relay platform, a depot) or any address
    with a position; what it would cost per week (rent, staff) and how much it can take."""

    name = models.CharField(_("name"), max_length=120)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("place"),
        help_text=_("A relay platform of the directory: its position, commune and hours are taken from it."),
    )  # fmt: skip
    depot = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("depot"),
        help_text=_("One of the carrier's depots: its position and address are taken from it."),
    )  # fmt: skip
    commune = models.ForeignKey(
        "directory.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("commune"),
    )  # fmt: skip
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    lon = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    fixed_cost_week = models.DecimalField(
        _("fixed cost per week (€)"), max_digits=9, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(RELAY_COST_WEEK_MAX)],
        help_text=_("Rent, energy, staff: Le Local pays 525 € a month for 100 m², about 121 € a week."),
    )  # fmt: skip
    capacity_kg_day = models.PositiveIntegerField(
        _("capacity (kg per day)"), validators=[MinValueValidator(1), MaxValueValidator(RELAY_CAPACITY_KG_DAY_MAX)]
    )
    cold_room = models.BooleanField(_("cold room"), default=False)
    opening_hours = models.CharField(
        _("opening hours"), max_length=255, blank=True,
        help_text=_("OpenStreetMap syntax, e.g. “Mo-Fr 05:00-12:00”; empty: Monday to Friday."),
    )  # fmt: skip
    owner = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("relay candidate site")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(fixed_cost_week__gte=0), name="relay_candidate_cost"),
        ]

    def __str__(self) -> str:
        return self.name


class SitingStudy(WorkerRun):
    """Which candidate sites to open for a week's orders, computed on the worker: the problem it was given
    (a snapshot, docs/logistics.md), its progress, and the scenarios of 0, 1, 2… platforms."""

    week = models.DateField(_("week of"))
    problem = models.JSONField()
    labels = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("siting study")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.week} #{self.pk}"


class DeliveryPreference(models.Model):
    """How a producer usually has a customer's goods delivered (a standing choice): new orders from this
    producer to this customer — typed, imported or made by an agreement — take it, and each order may
    still change its own."""

    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", verbose_name=_("producer"))
    customer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    delivery_mode = models.CharField(_("delivered by"), max_length=10, choices=DeliveryMode.choices,
                                     default=DeliveryMode.POOLED)  # fmt: skip
    relay = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("relay platform")
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delivery preference")
        ordering = ["customer__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["producer", "customer"], name="delivery_preference_unique")]

    def __str__(self) -> str:
        return f"{self.producer} → {self.customer}: {self.get_delivery_mode_display()}"

    def clean(self) -> None:
        errors = delivery_mode_errors(mode=self.delivery_mode, kind=OrderKind.SHIPMENT, relay=self.relay)
        if errors:
            raise ValidationError(errors)
