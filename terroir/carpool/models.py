"""Food carpooling: trips people make anyway, parcels that ride along, and who holds each parcel.

A trip belongs to the person who drives it (and, when they act for one, an organisation); a parcel to the
person who sends it, who holds it until a pickup hands it over. Every handover (pickup, transfer at a
relay, delivery) is written by the person who gives the parcel and accepted by the one who takes it: the
giver stays responsible until the taker accepts, so at every moment exactly one person is. Handovers,
acceptances and incidents are append-only: the models refuse an update or a delete, the database refuses
an update (a trigger, migration 0002) and a second handover of the same rank (`parcel, rank` unique), a
second acceptance of one handover (one-to-one), and a second live ride of one parcel (a partial unique
constraint).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Category

from . import matching


class Condition(models.TextChoices):
    """How goods travel, from the least to the most protective (matching's NONE < INSULATED < REFRIGERATED)."""

    NONE = "none", _("ambient")
    INSULATED = "insulated", _("insulated box")
    REFRIGERATED = "refrigerated", _("refrigerated")


LEVEL = {Condition.NONE: matching.NONE, Condition.INSULATED: matching.INSULATED,
         Condition.REFRIGERATED: matching.REFRIGERATED}  # fmt: skip


class PriceRule(models.TextChoices):
    FREE = "free", _("free")
    PER_KM = "per_km", _("per km of detour")
    PER_PARCEL = "per_parcel", _("per parcel")


class Eligibility(models.Model):
    """Which product families may ride, and how: the coordinators' table (seeded by migration 0003). A
    parcel's family is read up the category tree to the nearest family that has a row; none: it may not ride."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("family"))
    allowed = models.BooleanField(_("may ride"), default=True)
    condition = models.CharField(_("least condition"), max_length=20, choices=Condition.choices,
                                 default=Condition.NONE)  # fmt: skip
    temperature_record = models.BooleanField(_("temperature recorded at each handover"), default=False)
    max_celsius = models.DecimalField(_("highest temperature (°C)"), max_digits=4, decimal_places=1, null=True,
                                      blank=True)  # fmt: skip

    class Meta:
        verbose_name = _("eligibility rule")
        ordering = ["category__path"]

    def __str__(self) -> str:
        return str(self.category)


# Room a trip offers, its one cleaning rule (the page's form, the API and a parcel's size read it here): a
# trip made anyway carries at most a lorry's load (20 t, 50 m³), and most a car's or van's few hundred kg.
FREE_KG_MAX = 20_000
FREE_LITRES_MAX = 50_000


class Trip(models.Model):
    driver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("driver"))  # fmt: skip
    organisation = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("on behalf of"))  # fmt: skip
    origin = models.CharField(_("from"), max_length=200)
    origin_lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    origin_lon = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    destination = models.CharField(_("to"), max_length=200)
    destination_lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    destination_lon = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    stops = models.JSONField(_("stops"), default=list, blank=True)  # [{"name", "lat", "lon"}] in order
    day = models.DateField(_("day"), help_text=_("The first day, for a recurring trip."))
    weekdays = models.PositiveSmallIntegerField(_("repeats on"), default=0)  # bit 0 = Monday; 0: once
    until = models.DateField(_("repeats until"), null=True, blank=True)
    leaves = models.TimeField(_("leaves at"))
    arrives_by = models.TimeField(_("arrives by"))
    free_kg = models.PositiveIntegerField(
        _("free weight (kg)"), validators=[MinValueValidator(1), MaxValueValidator(FREE_KG_MAX)]
    )
    free_litres = models.PositiveIntegerField(
        _("free volume (litres)"), validators=[MinValueValidator(1), MaxValueValidator(FREE_LITRES_MAX)]
    )
    condition = models.CharField(_("cold chain"), max_length=20, choices=Condition.choices, default=Condition.NONE)
    detour_minutes = models.PositiveSmallIntegerField(_("detour accepted (minutes)"), default=10,
                                                      validators=[MaxValueValidator(240)])  # fmt: skip
    price_rule = models.CharField(_("price"), max_length=20, choices=PriceRule.choices, default=PriceRule.FREE)
    price = models.DecimalField(_("amount (€)"), max_digits=7, decimal_places=2, default=0,
                                help_text=_("Per km of detour or per parcel."))  # fmt: skip
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trip")
        ordering = ["day", "leaves"]
        constraints = [
            models.CheckConstraint(condition=models.Q(arrives_by__gt=models.F("leaves")), name="carpool_trip_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"

    def get_absolute_url(self) -> str:
        return reverse("carpool:trip", args=[self.pk])

    def runs_on(self, date: datetime.date) -> bool:
        if self.cancelled or date < self.day:
            return False
        if date == self.day:
            return True
        return bool(self.weekdays & (1 << date.weekday())) and (self.until is None or date <= self.until)

    @property
    def recurring(self) -> bool:
        return bool(self.weekdays)

    def points(self) -> list[tuple[float, float]]:
        inner = [(float(s["lat"]), float(s["lon"])) for s in self.stops]
        return [(self.origin_lat, self.origin_lon), *inner, (self.destination_lat, self.destination_lon)]


class ParcelStatus(models.TextChoices):
    WAITING = "waiting", _("looking for a trip")
    PROPOSED = "proposed", _("trip proposed")
    CONFIRMED = "confirmed", _("confirmed")
    ON_ITS_WAY = "on_its_way", _("on its way")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


class Parcel(models.Model):
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("sender"))  # fmt: skip
    organisation = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("on behalf of"))  # fmt: skip
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("recipient"))  # fmt: skip
    # A recipient without a Terroir account: `recipient` is then a guest account (inactive, no address, no
    # password) and this address receives the one-time code they give at delivery to sign for the parcel.
    recipient_email = models.EmailField(_("recipient's e-mail"), blank=True)
    origin = models.CharField(_("from"), max_length=200)
    origin_lat = models.FloatField()
    origin_lon = models.FloatField()
    destination = models.CharField(_("to"), max_length=200)
    destination_lat = models.FloatField()
    destination_lon = models.FloatField()
    day = models.DateField(_("day"))
    ready_at = models.TimeField(_("ready from"))
    due_by = models.TimeField(_("to deliver by"))
    # A parcel no trip could take (heavier or larger than any trip's room) is refused when sent, not left
    # waiting for ever.
    kg = models.DecimalField(_("weight (kg)"), max_digits=7, decimal_places=2,
                             validators=[MinValueValidator(0.01), MaxValueValidator(FREE_KG_MAX)])  # fmt: skip
    litres = models.DecimalField(_("volume (litres)"), max_digits=7, decimal_places=1,
                                 validators=[MinValueValidator(0.1), MaxValueValidator(FREE_LITRES_MAX)])  # fmt: skip
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    condition = models.CharField(_("cold chain needed"), max_length=20, choices=Condition.choices,
                                 default=Condition.NONE)  # fmt: skip
    value = models.DecimalField(_("value (€)"), max_digits=9, decimal_places=2, default=0,
                                validators=[MinValueValidator(0)])  # fmt: skip
    description = models.CharField(_("what it holds"), max_length=200)
    status = models.CharField(max_length=20, choices=ParcelStatus.choices, default=ParcelStatus.WAITING)
    # Who is responsible for the goods now: the sender until a pickup is accepted, then each taker in turn.
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unmatched_reason = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parcel")
        ordering = ["-day", "ready_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_by__gt=models.F("ready_at")), name="carpool_parcel_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.origin} → {self.destination})"

    def get_absolute_url(self) -> str:
        return reverse("carpool:parcel", args=[self.pk])


class RideStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    CONFIRMED = "confirmed", _("confirmed by both")
    DECLINED = "declined", _("declined")


class Ride(models.Model):
    """A parcel on one day's occurrence of a trip, as the matching proposed it; both sides confirm."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="rides")
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="rides")
    date = models.DateField()
    added_minutes = models.PositiveSmallIntegerField()
    pickup_at = models.TimeField()
    arrives_at = models.TimeField()
    price = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=RideStatus.choices, default=RideStatus.PROPOSED)
    driver_confirmed_at = models.DateTimeField(null=True, blank=True)
    sender_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pickup_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcel"],
                condition=models.Q(status__in=["proposed", "confirmed"]),
                name="carpool_one_live_ride",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parcel} · {self.trip} · {self.date}"


class HandoverKind(models.TextChoices):
    PICKUP = "pickup", _("pickup")
    TRANSFER = "transfer", _("transfer at a relay")
    DELIVERY = "delivery", _("delivery")


class GoodsState(models.TextChoices):
    GOOD = "good", _("in good condition")
    DAMAGED = "damaged", _("damaged")


class Pseudonym(models.Model):
    """The account that stands for an erased person in the chain of responsibility: inactive, without an
    address or a password, named "anonyme-…", one per erased person (so their records still read as one
    person's). The database lets a person's column of an append-only row change only to a pseudonym's."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ValueError(f"{self.model.__name__} is append-only")

    def pseudonymise(self, *, person: Any, pseudonym: Pseudonym) -> int:
        """Replace `person` by their pseudonym in the rows' person columns (PERSONS): the one change an
        append-only row accepts (the database checks the new value is a pseudonym's)."""
        changed = 0
        for name in self.model.PERSONS:
            changed += models.QuerySet.update(self.filter(**{name: person}), **{name: pseudonym.user})
        return changed

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self.model.__name__} is append-only")


class AppendOnly(models.Model):
    """Written once, never changed nor deleted (an audit trail): save refuses an update, delete refuses,
    and so do their querysets."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} is append-only")


class Handover(AppendOnly):
    PERSONS = ("giver", "taker")  # who signed: replaced by a pseudonym when they leave

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="handovers")
    rank = models.PositiveSmallIntegerField()  # 1, 2, 3… in the parcel's chain
    kind = models.CharField(_("handover"), max_length=20, choices=HandoverKind.choices)
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    place = models.CharField(_("where"), max_length=200)
    state = models.CharField(_("condition of the goods"), max_length=20, choices=GoodsState.choices,
                             default=GoodsState.GOOD)  # fmt: skip
    celsius = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="carpool/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["parcel", "rank"]
        constraints = [models.UniqueConstraint(fields=["parcel", "rank"], name="carpool_handover_rank")]

    def __str__(self) -> str:
        return f"{self.parcel} #{self.rank} {self.kind}"


class Acceptance(AppendOnly):
    """The taker's signature: from then on they hold the parcel."""

    PERSONS = ("by",)  # who signed: replaced by a pseudonym when they leave

    handover = models.OneToOneField(Handover, on_delete=models.PROTECT, related_name="acceptance")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    state = models.CharField(_("condition of the goods"), max_length=20, choices=GoodsState.choices,
                             default=GoodsState.GOOD)  # fmt: skip
    celsius = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.handover} ✓"


class IncidentKind(models.TextChoices):
    LATE = "late", _("late")
    DAMAGED = "damaged", _("damaged")
    TEMPERATURE = "temperature", _("temperature broken")
    OTHER = "other", _("other")


class Incident(AppendOnly):
    PERSONS = ("by", "holder")  # who signed: replaced by a pseudonym when they leave

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("incident"), max_length=20, choices=IncidentKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    celsius = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    note = models.CharField(_("what happened"), max_length=300, blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.parcel} {self.kind}"


class SigningCode(models.Model):
    """The one-time code sent to a recipient without an account when their parcel's delivery is recorded:
    they give it to the person delivering, whose phone signs for them. Kept as a keyed digest; a few wrong
    tries, or its expiry, and it no longer signs."""

    handover = models.OneToOneField(Handover, on_delete=models.CASCADE, related_name="signing_code")
    digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.handover} code"
