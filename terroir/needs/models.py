"""The needs board: what buyers need, which producers fit, what they answer, and each person's inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Category, Label, Place, Unit


class Frequency(models.TextChoices):
    ONCE = "once", _("once")
    WEEKLY = "weekly", _("every week")
    FORTNIGHTLY = "fortnightly", _("every two weeks")
    MONTHLY = "monthly", _("every month")


DELIVERIES_PER_MONTH = {Frequency.ONCE: 1.0, Frequency.WEEKLY: 52 / 12, Frequency.FORTNIGHTLY: 26 / 12,
                        Frequency.MONTHLY: 1.0}  # fmt: skip


class Need(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        CONTRACTED = "contracted", _("contracted")
        PARTLY = "partly", _("partly contracted")
        NOT = "not", _("not contracted")

    buyer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="needs", verbose_name=_("buyer"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity per delivery"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY)
    # Months of the year the need runs (bit 0 = January).
    months = models.PositiveSmallIntegerField(_("months"), default=4095)
    start_date = models.DateField(_("from"), null=True, blank=True)
    # Empty only while a draft: publishing needs it.
    delivery_place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("delivery place")
    )
    # Delivery days (bit 0 = Monday) and the daily time window.
    delivery_weekdays = models.PositiveSmallIntegerField(_("delivery days"), default=0b0011111)
    window_start = models.TimeField(_("deliveries from"), null=True, blank=True)
    window_end = models.TimeField(_("deliveries until"), null=True, blank=True)
    max_km = models.PositiveIntegerField(_("how far “local” may be (km by road)"), default=80)
    labels = models.ManyToManyField(Label, blank=True, related_name="+", verbose_name=_("required labels"))
    # Codes from terroir.directory.taxonomy.REQUIREMENTS (gtin, sanitary_approval, cold_chain…).
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    price = models.DecimalField(
        _("indicative price (€ per unit)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("details"), blank=True, max_length=5000)
    public = models.BooleanField(_("visible to visitors (otherwise to signed-in people only)"), default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=models.F("window_start")),
                name="need_window_ordered",
            ),
        ]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("needs:need", args=[self.pk])

    @property
    def monthly_quantity(self) -> float:
        return float(self.quantity) * DELIVERIES_PER_MONTH[Frequency(self.frequency)]


class Match(models.Model):
    """A producer found to fit a need when it was published, with its score and why."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="need_matches")
    score = models.FloatField()
    road_km = models.FloatField()
    reasons = models.JSONField(default=list)
    missing = models.JSONField(default=list)

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["need", "producer"], name="match_unique")]

    def __str__(self) -> str:
        return f"{self.producer} for {self.need}: {self.score:.2f}"


class Answer(models.Model):
    """A producer's answer to a need: interested, an offer, or declined with a reason."""

    class Kind(models.TextChoices):
        INTERESTED = "interested", _("interested")
        OFFER = "offer", _("offer")
        DECLINED = "declined", _("declined")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="answers")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="need_answers")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("answer"), max_length=20, choices=Kind.choices)
    price = models.DecimalField(_("price (€ per unit)"), max_digits=10, decimal_places=2, null=True, blank=True)
    volume = models.DecimalField(_("volume per delivery"), max_digits=10, decimal_places=2, null=True, blank=True)
    first_delivery = models.DateField(_("first delivery"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=3000)
    shortlisted = models.BooleanField(default=False)
    # The buyer accepted this offer (confirmed on a page of its own): from then on it is an agreement
    # (terroir.supply), changed or cancelled there, and the answer itself no longer changes.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-shortlisted", "created_at"]
        constraints = [models.UniqueConstraint(fields=["need", "producer"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.producer} → {self.need}: {self.kind}"


class AnswerShare(models.Model):
    """One member's share of a joint answer: several producers offer one need's volume together, the
    answer's producer leading (its people alone edit the shares) and each member confirming its own."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="shares")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="need_answer_shares")
    volume = models.DecimalField(_("share of the volume per delivery"), max_digits=10, decimal_places=2)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["answer", "-volume", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "producer"], name="answer_share_unique"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="answer_share_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.producer}: {self.volume}"


class Notification(models.Model):
    """One line of a person's inbox."""

    class Kind(models.TextChoices):
        MATCH = "match", _("a need fits you")
        ANSWER = "answer", _("a producer answered")
        SHORTLIST = "shortlist", _("you are shortlisted")
        CLOSED = "closed", _("a need is closed")
        MESSAGE = "message", _("a new message")
        JOINT = "joint", _("you are asked into a joint answer")
        SHARE = "share", _("a member answered about its share")
        ACCEPTED = "accepted", _("an offer is accepted")
        AGREEMENT = "agreement", _("an agreement changed")
        CANCELLED = "cancelled", _("an agreement is cancelled")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    need = models.ForeignKey(Need, null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class Alert(models.Model):
    """What a producer's person wants to hear about: needs of some products within a radius of the farm,
    by e-mail at once when a need fits, and/or in a digest of the new open needs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="need_alerts")
    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="need_alerts")
    # Empty: every product the producer offers.
    categories = models.ManyToManyField(Category, blank=True, related_name="+", verbose_name=_("products"))
    radius_km = models.PositiveIntegerField(_("within (km by road)"), default=80)
    email_on_match = models.BooleanField(_("an e-mail as soon as a need fits my farm"), default=True)
    digest = models.BooleanField(_("a weekly e-mail of the new needs around me"), default=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "producer"], name="alert_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.producer}"


class Message(models.Model):
    """One message of the conversation between a buyer and a producer about an answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Which side wrote it, kept when the author's account is deleted.
    from_buyer = models.BooleanField()
    body = models.TextField(max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]
