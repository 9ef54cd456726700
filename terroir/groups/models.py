"""Consumer groups and AMAP: a group of households who buy together from producers and pick up at one place
on a calendar of distributions.

A group is organised by an organisation of the directory (the AMAP association, the neighbourhood centre):
the people who act for it manage the group, with the members the group names organisers. Groups are public
(their page, their pickup place, their calendar); their members and what they buy are not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Place

from . import rules


class Group(models.Model):
    class Kind(models.TextChoices):
        AMAP = "amap", _("AMAP")
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood group")
        ONLINE = "online", _("online group")

    class Frequency(models.TextChoices):
        WEEKLY = rules.WEEKLY, _("every week")
        FORTNIGHTLY = rules.FORTNIGHTLY, _("every two weeks")
        MONTHLY = rules.MONTHLY, _("once a month")

    class WeekOfMonth(models.IntegerChoices):
        FIRST = 1, _("first")
        SECOND = 2, _("second")
        THIRD = 3, _("third")
        FOURTH = 4, _("fourth")
        LAST = rules.LAST, _("last")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.AMAP)
    organiser = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="groups_organised",
                                  verbose_name=_("organising organisation"))  # fmt: skip
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups",
                              verbose_name=_("pickup place"))  # fmt: skip
    description = models.TextField(_("description"), blank=True)
    # The distribution rule: weekday (0 = Monday), how often, and for a monthly one which week of the month.
    frequency = models.CharField(_("distributions"), max_length=12, choices=Frequency.choices,
                                 default=Frequency.WEEKLY)  # fmt: skip
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    week_of_month = models.SmallIntegerField(_("week of the month"), choices=WeekOfMonth.choices, null=True,
                                             blank=True)  # fmt: skip
    starts_on = models.DateField(_("calendar starts on"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("consumer group")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="group_ends_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="group_weekday_valid"),
            models.CheckConstraint(
                condition=Q(frequency=rules.MONTHLY, week_of_month__isnull=False) | ~Q(frequency=rules.MONTHLY),
                name="group_monthly_has_week",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:group", args=[self.pk])

    @property
    def weekday_name(self) -> str:
        return str(WEEKDAYS[self.weekday])

    @property
    def rule(self) -> rules.Rule:
        return rules.Rule(frequency=self.frequency, weekday=self.weekday, starts_on=self.starts_on,
                          week_of_month=self.week_of_month if self.frequency == rules.MONTHLY else None)  # fmt: skip


class GroupMember(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        ORGANISER = "organiser", _("organiser")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        ordering = ["group", "joined_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_unique")]
        verbose_name = _("group member")

    def __str__(self) -> str:
        return f"{self.user} @ {self.group}"


class Distribution(models.Model):
    """One pickup of a group: a date, its hours, and its place when not the group's pickup place."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="distributions")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    # Empty: the group's pickup place (so a group that moves takes its coming distributions along).
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("place"))  # fmt: skip
    cancelled = models.BooleanField(_("cancelled"), default=False)
    cancel_reason = models.CharField(_("why cancelled"), max_length=255, blank=True)

    class Meta:
        ordering = ["group", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="distribution_one_a_day"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="distribution_ends_after_start"),
        ]
        verbose_name = _("distribution")

    def __str__(self) -> str:
        return f"{self.group} {self.date.isoformat()}"

    @property
    def where(self) -> Place | None:
        return self.place if self.place_id is not None else self.group.place


# Season contracts and what members subscribe to. Below the base models above: other work builds on those.


class Contract(models.Model):
    """A season's contract between the group's members and one producer for one product: the options (basket
    sizes and their price per distribution), the distributions it delivers at (the group's calendar within its
    dates, less the exceptions) and the payment dates."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open for subscription")
        CLOSED = "closed", _("closed")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="contracts")
    producer = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="group_contracts",
                                 verbose_name=_("producer"))  # fmt: skip
    product = models.ForeignKey("directory.Category", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("season starts on"))
    ends_on = models.DateField(_("season ends on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    terms = models.TextField(_("terms"), blank=True)
    # The group's distributions within the season the producer does not deliver at (holidays, a gap).
    skipped = models.ManyToManyField(Distribution, blank=True, related_name="+", verbose_name=_("not delivered at"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_ends_after_start"),
        ]
        verbose_name = _("contract")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("groups:contract", args=[self.pk])


class ContractOption(models.Model):
    """What a member may subscribe to: a basket size ("petit panier") and its price per distribution."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=80)
    size = models.CharField(_("contents"), max_length=200, blank=True)
    price = models.DecimalField(_("price per distribution"), max_digits=8, decimal_places=2)
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contract", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "label"], name="contract_option_unique"),
            models.CheckConstraint(condition=Q(price__gt=0), name="contract_option_price_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class PaymentDate(models.Model):
    """One of the dates a contract's subscriptions are paid on (the instalments)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payment_dates")
    due_on = models.DateField(_("due on"))

    class Meta:
        ordering = ["contract", "due_on"]
        constraints = [models.UniqueConstraint(fields=["contract", "due_on"], name="payment_date_unique")]

    def __str__(self) -> str:
        return self.due_on.isoformat()


class Subscription(models.Model):
    """A member's subscription to a contract: one option, a quantity, from a date to a date within the season.
    The number of deliveries, the total and the instalments are fixed when the member subscribes."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="subscriptions")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="subscriptions")
    option = models.ForeignKey(ContractOption, on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    deliveries = models.PositiveSmallIntegerField(_("deliveries"))
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "member"], condition=Q(state="active"), name="subscription_one_active"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="subscription_quantity_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="subscription_ends_after_start"),
        ]
        verbose_name = _("subscription")

    def __str__(self) -> str:
        return f"{self.member} — {self.contract}"

    def get_absolute_url(self) -> str:
        return reverse("groups:subscription", args=[self.pk])


class Instalment(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["subscription", "due_on"]

    def __str__(self) -> str:
        return f"{self.due_on.isoformat()}: {self.amount}"


class Absence(models.Model):
    """A member away at a distribution: their baskets go to another member or a named person (a transfer),
    or, with neither, are left to the group."""

    member = models.ForeignKey(GroupMember, on_delete=models.CASCADE, related_name="absences")
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="absences")
    transfer_to = models.ForeignKey(
        GroupMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers_received",
        verbose_name=_("given to the member"),
    )  # fmt: skip
    transfer_to_name = models.CharField(_("given to"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["distribution", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "distribution"], name="absence_unique"),
            models.CheckConstraint(
                condition=Q(transfer_to__isnull=True) | Q(transfer_to_name=""), name="absence_one_recipient"
            ),
        ]
        verbose_name = _("absence")

    def __str__(self) -> str:
        return f"{self.member} absent {self.distribution}"

    @property
    def left_to_group(self) -> bool:
        return self.transfer_to_id is None and not self.transfer_to_name


# --- One-off orders for a distribution, the volunteers' rota (GO) ---------------------------------------


class OrderRound(models.Model):
    """A one-off order for one distribution (Poitiers' monthly groups): the producers taking part list what
    they offer, the members order until it closes, the producers bring it to the distribution."""

    distribution = models.OneToOneField(Distribution, on_delete=models.CASCADE, related_name="order_round",
                                        verbose_name=_("distribution"))  # fmt: skip
    closes_at = models.DateTimeField(_("orders close at"))
    producers = models.ManyToManyField(Actor, related_name="order_rounds", verbose_name=_("producers taking part"))
    note = models.TextField(_("note to the members"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closes_at", "pk"]
        verbose_name = _("order round")

    def __str__(self) -> str:
        return f"{self.distribution} ({self.closes_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("groups:order", args=[self.distribution_id])


class OrderProduct(models.Model):
    """What one producer offers in a round: a name, a unit, a price per unit and, when stock is short, a
    maximum quantity for the whole group. `ordered` is the running total of the members' lines: the one row
    a new order changes with a conditional update, so two orders at once never pass the maximum."""

    round = models.ForeignKey(OrderRound, on_delete=models.CASCADE, related_name="products")
    producer = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+", verbose_name=_("producer"))
    name = models.CharField(_("product"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30)
    price = models.DecimalField(_("price per unit"), max_digits=8, decimal_places=2)
    max_quantity = models.DecimalField(_("maximum quantity"), max_digits=10, decimal_places=3, null=True,
                                       blank=True)  # fmt: skip
    ordered = models.DecimalField(_("ordered"), max_digits=10, decimal_places=3, default=0)

    class Meta:
        ordering = ["producer__name", "name", "pk"]
        verbose_name = _("product offered")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="order_product_price"),
            models.CheckConstraint(condition=Q(max_quantity__isnull=True) | Q(max_quantity__gt=0),
                                   name="order_product_max"),
            models.CheckConstraint(condition=Q(ordered__gte=0), name="order_product_ordered"),
            # The last guard: a maximum passed by any path is refused by the database itself.
            models.CheckConstraint(condition=Q(max_quantity__isnull=True) | Q(ordered__lte=F("max_quantity")),
                                   name="order_product_within_max"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class OrderLine(models.Model):
    """A member's quantity of one product; the price is the product's when the line was last changed."""

    product = models.ForeignKey(OrderProduct, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey(GroupMember, on_delete=models.CASCADE, related_name="order_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    price = models.DecimalField(_("price per unit"), max_digits=8, decimal_places=2)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "member", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "member"], name="order_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.quantity} × {self.product_id}"


class VolunteerTask(models.Model):
    """A task of one distribution that members take in turns: setting up, handing out, tidying."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="volunteer_tasks")
    name = models.CharField(_("task"), max_length=120)
    needed = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    # Empty: the distribution's own hours.
    starts_at = models.TimeField(_("from"), null=True, blank=True)
    ends_at = models.TimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["distribution", "starts_at", "pk"]
        verbose_name = _("volunteers' task")
        constraints = [
            models.CheckConstraint(condition=Q(needed__gte=1), name="volunteer_task_needed"),
            models.CheckConstraint(condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True)
                                   | Q(ends_at__gt=F("starts_at")), name="volunteer_task_order"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class VolunteerShift(models.Model):
    """A member signed up for a task."""

    task = models.ForeignKey(VolunteerTask, on_delete=models.CASCADE, related_name="shifts")
    member = models.ForeignKey(GroupMember, on_delete=models.CASCADE, related_name="volunteer_shifts")
    signed_up_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "signed_up_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["task", "member"], name="volunteer_shift_once")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.task_id}"
