"""Events open to the public where producers are present: a market's special date, a local-product day in a
shop, a festival or a sale at a big event. An organisation organises and publishes one; producers sign up
and the organiser accepts them (or the event takes everybody who signs up).

Not the producer–buyer meeting days of terroir.meetings (`meetings.Event`): those are closed, scheduled
meetings between professionals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Commune, Place


class Event(models.Model):
    class Kind(models.TextChoices):
        MARKET_DAY = "market_day", _("special market date")
        LOCAL_PRODUCT_DAY = "local_product_day", _("local-product day in a shop")
        FESTIVAL = "festival", _("festival or big-event sale")
        FARM_OPEN_DAY = "farm_open_day", _("open day at a farm")
        OTHER = "other", _("other event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="events_organised",
                                  verbose_name=_("organiser"))  # fmt: skip
    # Either a place of the directory, or an address in a commune (a field, a village hall). At a place, the
    # commune is the place's too: the event still says where it was if the place leaves the directory.
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
                              verbose_name=_("place"))  # fmt: skip
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("commune"))  # fmt: skip
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    public = models.BooleanField(_("public"), default=True)
    # Producers who sign up take part at once, without the organiser accepting each one.
    open_signup = models.BooleanField(_("open to every producer"), default=False)
    # The organiser stops taking sign-ups (the stands are all taken); those already in stay.
    signups_closed = models.BooleanField(_("sign-up closed"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A cancelled event stays on its page with the reason, for those who had planned to come.
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The language the organiser's people used when they created it: the one their e-mails are written in
    # (no language is kept per person). Empty: the site's.
    language = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
        ]
        verbose_name = _("event")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:event", args=[self.pk])

    @property
    def where(self) -> str:
        """Where it happens, in words: the place's name, or the address and commune."""
        if self.place is not None:
            commune = self.place.commune.name if self.place.commune else ""
            return ", ".join(part for part in (self.place.name, commune) if part)
        return ", ".join(part for part in (self.address, self.commune.name if self.commune else "") if part)

    @property
    def position(self) -> tuple[float, float] | None:
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon
        if self.place is not None and self.place.lat is not None and self.place.lon is not None:
            return self.place.lat, self.place.lon
        if self.commune is not None and self.commune.lat is not None and self.commune.lon is not None:
            return self.commune.lat, self.commune.lon
        return None


class Participation(models.Model):
    """A producer taking part in an event (or asking to)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the organiser")
        ACCEPTED = "accepted", _("taking part")
        REFUSED = "refused", _("not accepted")
        WITHDRAWN = "withdrawn", _("withdrawn")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="event_participations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    signed_up_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The language of the person who signed the producer up: the producer's people are written in it.
    language = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["producer__name"]
        constraints = [models.UniqueConstraint(fields=["event", "producer"], name="participation_unique")]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.event}"
