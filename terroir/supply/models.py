"""The bridges between capability apps of one layer, which never import each other.

- Agreements: a buyer's accepted offer with its schedule, and the delivery orders made from it: an
  accepted answer (terroir.needs) becomes an agreement whose parts — one per producer, several for a joint
  answer — make each delivery week's orders in the planner (terroir.logistics).
- Carpool orders: an order whose producer sends the goods by a carpool trip (terroir.logistics'
  `delivery_mode`) has its parcel (terroir.carpool), kept in step with the order (`supply.carpool`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.carpool.models import Parcel
from terroir.directory.models import Actor, Place
from terroir.logistics.models import DeliveryOrder
from terroir.needs.models import Answer, Frequency


class Agreement(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("running")
        CANCELLED = "cancelled", _("cancelled")

    # Deleting an organisation deletes its answers, and so their agreements (the planner's orders of its
    # producers go with it, logistics' own cascade): the directory's deletions never stop on an agreement.
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="agreement")
    # Whose planner gets the orders; none: the territory's coordinators plan them.
    carrier = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    price = models.DecimalField(_("price (€ per unit)"), max_digits=10, decimal_places=2)
    volume = models.DecimalField(_("volume per delivery"), max_digits=10, decimal_places=2)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    months = models.PositiveSmallIntegerField(_("months"), default=4095)  # bit 0 = January
    weekdays = models.PositiveSmallIntegerField(_("delivery days"))  # bit 0 = Monday
    window_start = models.TimeField(_("deliveries from"), default=dt.time(7, 0))
    window_end = models.TimeField(_("deliveries until"), default=dt.time(12, 0))
    delivery_place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("delivery place")
    )
    starts = models.DateField(_("first delivery"))
    ends = models.DateField(_("last delivery"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The last week whose orders exist: the worker's duty extends the agreements behind the horizon.
    generated_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        ordering = ["-accepted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(volume__gt=0), name="agreement_volume_positive"),
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")), name="agreement_window"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.answer.need}"

    def get_absolute_url(self) -> str:
        return reverse("supply:agreement", args=[self.pk])


class AgreementPart(models.Model):
    """One producer's share of each delivery: the whole volume for a producer alone, a member's share
    for a joint answer (the pooled round collects from each)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parts")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", verbose_name=_("producer"))
    volume = models.DecimalField(_("volume per delivery"), max_digits=10, decimal_places=2)
    lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["-lead", "-volume", "pk"]
        constraints = [models.UniqueConstraint(fields=["agreement", "producer"], name="agreement_part_unique")]

    def __str__(self) -> str:
        return f"{self.producer}: {self.volume}"


class AgreementOrder(models.Model):
    """The order a part made for a week. The row stays when a carrier deletes the order (`order` empty):
    the week is not made again."""

    part = models.ForeignKey(AgreementPart, on_delete=models.CASCADE, related_name="orders")
    week = models.DateField()  # its Monday
    order = models.OneToOneField(
        DeliveryOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="agreement_link"
    )

    class Meta:
        ordering = ["week", "part"]
        constraints = [models.UniqueConstraint(fields=["part", "week"], name="agreement_order_unique")]

    def __str__(self) -> str:
        return f"{self.part} {self.week}"


class OrderParcel(models.Model):
    """The carpool parcel an order's carpool choice made. When the order goes (deleted, or the producer
    chose another way), the parcel is cancelled first if it can still be; a parcel on its way keeps its own
    chain of responsibility (the parcel outlives the link)."""

    order = models.OneToOneField(DeliveryOrder, on_delete=models.CASCADE, related_name="carpool_link")
    parcel = models.OneToOneField(Parcel, on_delete=models.CASCADE, related_name="order_link")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.order} → {self.parcel}"


class AgreementChange(models.Model):
    """The history of an agreement: each change, who made it, from which week it applies, and what it was
    before and after (`changes`: field → [before, after], as JSON). A new schedule (frequency, delivery days)
    applies from the week of its `effective_from`: the weeks before keep their orders, the later ones are
    made again; the agreement's schedule before it is read from these rows (`services.segments`)."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("changed")
        SCHEDULE = "schedule", _("new schedule")
        CANCEL = "cancel", _("cancelled")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")  # fmt: skip
    effective_from = models.DateField(_("from the week of"))  # a Monday
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["agreement", "kind", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.kind} {self.effective_from}"
