"""Meeting days ("speed dating") between producers and buyers: the day, its participants, whom each wants
to meet, and the meetings scheduled (terroir.meetings.scheduling decides them).

The tables keep the names they had when meeting days were part of the needs board (`needs_event`…):
the models moved in the migrations' state only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor


class Event(models.Model):
    """A producer–buyer meeting day ("speed dating"): rounds of `slot_minutes` at `tables` tables."""

    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("first round at"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per meeting"), default=15)
    slots = models.PositiveSmallIntegerField(_("rounds"))
    tables = models.PositiveSmallIntegerField(_("tables"))
    location = models.CharField(_("where"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    scheduled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "needs_event"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(condition=Q(slots__gte=1, tables__gte=1, slot_minutes__gte=1), name="event_sizes"),
        ]
        verbose_name = _("meeting day")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:event", args=[self.pk])


class Participant(models.Model):
    class Side(models.TextChoices):
        PRODUCER = "producer", _("producer")
        BUYER = "buyer", _("buyer")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    # Empty while somebody invited by e-mail has not joined with their organisation yet.
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invited_email = models.EmailField(blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)

    class Meta:
        db_table = "needs_participant"
        ordering = ["side", "actor__name", "invited_email"]
        constraints = [
            models.UniqueConstraint(fields=["event", "actor"], name="participant_unique"),
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | ~Q(invited_email=""), name="participant_known_or_invited"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.actor is not None:
            return self.actor.name
        invited = _("invited")
        return f"{self.invited_email} ({invited})"


class MeetingWish(models.Model):
    """`participant` wants to meet `other` (of the other side)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="wishes")
    other = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "needs_meetingwish"
        constraints = [models.UniqueConstraint(fields=["participant", "other"], name="meeting_wish_unique")]

    def __str__(self) -> str:
        return f"{self.participant} → {self.other}"


class Meeting(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    producer = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    table = models.PositiveSmallIntegerField()
    mutual = models.BooleanField(default=False)

    class Meta:
        db_table = "needs_meeting"
        ordering = ["slot", "table"]
        constraints = [
            models.UniqueConstraint(fields=["event", "slot", "table"], name="meeting_table_once"),
            models.UniqueConstraint(fields=["event", "slot", "producer"], name="meeting_producer_once"),
            models.UniqueConstraint(fields=["event", "slot", "buyer"], name="meeting_buyer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.producer} × {self.buyer} ({self.slot + 1}/{self.table + 1})"
