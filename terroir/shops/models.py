"""Producers' shops (magasins de producteurs) such as Le Local in Ambert: a directory place of the
producers' shop kind, owned by an organisation; its associates (who own and staff it) and consignment
depositors (who leave products and pay a commission); their products; the till's sales; the rota.

Money is Decimal in cents (amounts) and fractions of one (rates: 0.2500 is 25 %)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Place
from terroir.directory.presenters import clock_text

DEFAULT_COMMISSION = Decimal("0.2500")


class Shop(models.Model):
    place = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="shop", verbose_name=_("place"))
    # The organisation that owns the shop (a SAS of farms at Le Local): its members manage it.
    owner = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="shops_owned", verbose_name=_("owner"))
    default_commission = models.DecimalField(
        _("default commission rate"), max_digits=5, decimal_places=4, default=DEFAULT_COMMISSION
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["place__name"]
        verbose_name = _("producers' shop")
        constraints = [
            models.CheckConstraint(condition=Q(default_commission__gte=0, default_commission__lt=1),
                                   name="shop_commission_range"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.place.name

    def get_absolute_url(self) -> str:
        return reverse("shops:shop", args=[self.pk])


class SellerKind(models.TextChoices):
    ASSOCIATE = "associate", _("associate")
    DEPOSITOR = "depositor", _("consignment depositor")


class Seller(models.Model):
    """A producer selling in the shop: an associate, or a depositor paying a commission on their sales."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sellers")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="shop_sellers", verbose_name=_("producer"))
    kind = models.CharField(_("as"), max_length=20, choices=SellerKind.choices)
    # Empty: the shop's default for a depositor, nothing for an associate.
    commission_rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    # A producer who left the shop: their last day of selling there. Their sales and statements stay; their
    # products cannot be sold after it, and they leave the current lists.
    ended_on = models.DateField(_("last day at the shop"), null=True, blank=True)

    class Meta:
        ordering = ["actor__name"]
        # One seller per producer and shop is the services' rule, not a unique constraint: when the directory
        # merges two producers that both sell in a shop (terroir.directory.references.entry_merge), both
        # sellers move to the producer kept, with their products and sales, instead of the merge failing.
        indexes = [models.Index(fields=["shop", "actor"])]
        constraints = [
            models.CheckConstraint(condition=Q(commission_rate__isnull=True) | Q(commission_rate__gte=0,
                                                                                 commission_rate__lt=1),
                                   name="seller_commission_range"),
        ]  # fmt: skip
        verbose_name = _("seller")

    def __str__(self) -> str:
        return self.actor.name

    def sells_on(self, day: datetime.date) -> bool:
        return self.ended_on is None or day <= self.ended_on

    @property
    def rate(self) -> Decimal:
        if self.commission_rate is not None:
            return self.commission_rate
        return self.shop.default_commission if self.kind == SellerKind.DEPOSITOR else Decimal("0")


class CommissionRate(models.Model):
    """A commission rate from a date on: the shop's default (no seller) or a seller's own. Statements read
    the rate in force on each sale's day, so a change never rewrites a past period: it applies from a date
    that is not in the past, and the rows are only ever added (or replaced on that same date)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="commission_rates")
    seller = models.ForeignKey("Seller", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="commission_rates")  # fmt: skip
    valid_from = models.DateField(_("applies from"))
    # A seller's row without a rate: the shop's default of each day (a depositor without a rate of their own).
    rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__isnull=True) | Q(rate__gte=0, rate__lt=1),
                                   name="commission_rate_range"),
            models.CheckConstraint(condition=Q(seller__isnull=False) | Q(rate__isnull=False),
                                   name="commission_default_has_rate"),
            models.UniqueConstraint(fields=["shop", "valid_from"], condition=Q(seller__isnull=True),
                                    name="commission_default_once_a_day"),
            models.UniqueConstraint(fields=["seller", "valid_from"], condition=Q(seller__isnull=False),
                                    name="commission_seller_once_a_day"),
        ]  # fmt: skip
        verbose_name = _("commission rate")

    def __str__(self) -> str:
        return f"{self.seller_id or 'default'} {self.valid_from} {self.rate}"


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("producer"))
    # The till's reference for the product (its PLU or barcode), what till exports carry.
    code = models.CharField(_("till code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit_price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, default="piece")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="product_code_unique")]
        verbose_name = _("product")

    def __str__(self) -> str:
        return self.name


class TillImport(models.Model):
    """A till export read into sales; its digest stops the same file being counted twice."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="till_imports")
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=40)
    digest = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["shop", "digest"], name="till_import_once")]

    def __str__(self) -> str:
        return self.file_name


class Sale(models.Model):
    """One till line: a refund is a negative quantity and amount."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sales")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="sales")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sales", verbose_name=_("product"))
    sold_on = models.DateField(_("date"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    ticket = models.CharField(_("ticket"), max_length=40, blank=True)
    till_import = models.ForeignKey(TillImport, null=True, blank=True, on_delete=models.CASCADE, related_name="sales")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # When the platform learnt of it: a till file received after its period's statement was sent makes a
    # correcting statement, the statement as sent staying as it was.
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-sold_on", "-pk"]
        indexes = [models.Index(fields=["shop", "sold_on"]), models.Index(fields=["seller", "sold_on"])]

    def __str__(self) -> str:
        return f"{self.sold_on} {self.product_id} {self.amount}"


class StatementSend(models.Model):
    """A seller's statement of a period as the shop sent it: the first of a period is the statement, each
    later one a correcting statement. Each covers the period's sales recorded after the previous send and
    up to its own `sent_at`, so a sent statement is drawn again as it was sent, whatever comes later; its
    figures are kept as sent too."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="statement_sends")
    first = models.DateField(_("from"))
    last = models.DateField(_("to"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    lines = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(_("sales"), max_digits=12, decimal_places=2)
    commission = models.DecimalField(_("commission"), max_digits=12, decimal_places=2)
    due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["seller", "first", "last"])]
        constraints = [models.CheckConstraint(condition=Q(last__gte=models.F("first")), name="statement_send_order")]
        verbose_name = _("statement sent")

    def __str__(self) -> str:
        return f"{self.seller_id} {self.first}–{self.last} {self.sent_at:%Y-%m-%d}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningSlot(models.Model):
    """A weekly opening the associates staff: Tuesday 15 h–19 h, two people."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="opening_slots")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    needed = models.PositiveSmallIntegerField(_("people needed"), default=2)

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6, needed__gte=1), name="opening_slot_sizes"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="opening_slot_order"),
        ]
        verbose_name = _("opening slot")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {clock_text(self.starts)}–{clock_text(self.ends)}"

    @property
    def minutes(self) -> int:
        return (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)


class RotaMember(models.Model):
    """A person of an associate farm who staffs the shop (Le Local: 12 farmers of 9 farms)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="rota_members")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="rota_members",
                               verbose_name=_("farm"))  # fmt: skip
    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="rota_members")  # fmt: skip
    min_minutes = models.PositiveIntegerField(_("minutes per fortnight, at least"), default=360)
    max_minutes = models.PositiveIntegerField(_("minutes per fortnight, at most"), default=480)
    twice_a_day = models.BooleanField(_("willing to staff two openings in a day"), default=False)
    # The weekly openings this person can staff (none chosen: all of them).
    slots = models.ManyToManyField(OpeningSlot, blank=True, related_name="members")

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(max_minutes__gte=models.F("min_minutes")),
                                              name="rota_member_targets")]  # fmt: skip
        verbose_name = _("rota member")

    def __str__(self) -> str:
        return self.name


class Absence(models.Model):
    member = models.ForeignKey(RotaMember, on_delete=models.CASCADE, related_name="absences")
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="absence_order")]

    def __str__(self) -> str:
        return f"{self.member} {self.first_day}–{self.last_day}"


class RotaStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    RUNNING = "running", _("computing")
    OPTIMAL = "optimal", _("optimal")
    FEASIBLE = "feasible", _("fair, not proven the fairest")
    INFEASIBLE = "infeasible", _("impossible")
    FAILED = "failed", _("failed")


class Rota(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="rotas")
    first_day = models.DateField(_("first Monday"))
    weeks = models.PositiveSmallIntegerField(_("weeks"), default=4)
    status = models.CharField(max_length=20, choices=RotaStatus.choices, default=RotaStatus.QUEUED)
    stage = models.CharField(max_length=20, blank=True)
    reasons = models.JSONField(default=list, blank=True)  # the engine's reasons, names resolved
    max_deviation = models.FloatField(null=True, blank=True)  # minutes
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Which worker computes it and since when: the reaper fails a rota whose worker died.
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_day", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(weeks__gte=1, weeks__lte=26), name="rota_weeks")]
        verbose_name = _("rota")

    def __str__(self) -> str:
        return f"{self.shop} {self.first_day}"

    def get_absolute_url(self) -> str:
        return reverse("shops:rota", args=[self.shop_id, self.pk])

    @property
    def last_day(self) -> datetime.date:
        return self.first_day + datetime.timedelta(days=7 * self.weeks - 1)

    @property
    def pending(self) -> bool:
        return self.status in (RotaStatus.QUEUED, RotaStatus.RUNNING)


class Shift(models.Model):
    """One person on one opening of one date, at the hours the opening had when the rota was computed: a rota
    people were given keeps its hours when the weekly opening changes later (a rota still waiting for the
    worker takes the new ones)."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="shifts")
    slot = models.ForeignKey(OpeningSlot, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    member = models.ForeignKey(RotaMember, on_delete=models.CASCADE, related_name="shifts")

    class Meta:
        ordering = ["date", "starts", "member__name"]
        constraints = [models.UniqueConstraint(fields=["rota", "slot", "date", "member"], name="shift_unique")]

    def __str__(self) -> str:
        return f"{self.date} {clock_text(self.starts)}–{clock_text(self.ends)} {self.member}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A shift written one by one (a test, the admin) takes its opening's hours of now, as the worker does.
        if self.starts is None or self.ends is None:
            self.starts, self.ends = self.slot.starts, self.slot.ends
        super().save(*args, **kwargs)

    @property
    def minutes(self) -> int:
        return (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class Swap(models.Model):
    """A member asks another to take one of their shifts; it changes hands when the other accepts."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    asked_by = models.ForeignKey(RotaMember, on_delete=models.CASCADE, related_name="+")
    to = models.ForeignKey(RotaMember, on_delete=models.CASCADE, related_name="swaps_offered")
    status = models.CharField(max_length=20, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "to"], condition=Q(status="pending"), name="swap_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} → {self.to}"
