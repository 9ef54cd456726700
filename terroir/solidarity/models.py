"""Solidarity groceries (épiceries solidaires) buying from local producers at agreed prices, with a share
of each order paid by a partner (a CCAS, a Département, a foundation) through a programme that names the
groceries and producers it funds, its share rule and its budget for a period.

Money is Decimal to the cent; a percentage is a fraction of one (0.5000 is 50 %)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from terroir.directory.models import Actor, Place

from . import shares


class ShareKind(models.TextChoices):
    PERCENT = shares.PERCENT, _("a percentage of the price")
    PER_UNIT = shares.PER_UNIT, _("an amount per unit")


class Programme(models.Model):
    """A partner's funding: which groceries, which producers (none named: any), how much of each line it
    pays, its budget (the envelope) for the period between its dates."""

    name = models.CharField(_("name"), max_length=200)
    funder = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="solidarity_programmes",
                               verbose_name=_("funder"))  # fmt: skip
    groceries = models.ManyToManyField(Place, related_name="solidarity_programmes", verbose_name=_("groceries"))
    producers = models.ManyToManyField(Actor, blank=True, related_name="solidarity_supplied",
                                       verbose_name=_("producers"))  # fmt: skip
    share_kind = models.CharField(_("partner's share"), max_length=20, choices=ShareKind.choices)
    share_rate = models.DecimalField(_("share rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    share_amount = models.DecimalField(_("share per unit (€)"), max_digits=8, decimal_places=2, null=True, blank=True)
    share_cap = models.DecimalField(_("cap per unit (€)"), max_digits=8, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField(_("budget (€)"), max_digits=12, decimal_places=2)
    starts = models.DateField(_("from"))
    ends = models.DateField(_("to"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts", "name"]
        verbose_name = _("solidarity programme")
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")), name="programme_dates_order"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="programme_budget_positive"),
            models.CheckConstraint(condition=Q(share_rate__isnull=True) | Q(share_rate__gte=0, share_rate__lte=1),
                                   name="programme_rate_range"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("solidarity:programme", args=[self.pk])

    @property
    def share_percent(self) -> str:
        """0.5000 → "50" (the page says "50 %")."""
        return f"{((self.share_rate or Decimal(0)) * 100).normalize():f}"

    @property
    def rule(self) -> shares.Rule:
        return shares.Rule(kind=self.share_kind, rate=self.share_rate, amount=self.share_amount, cap=self.share_cap)


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    LITRE = "l", _("litre")
    PIECE = "piece", _("unit")


class AgreedPrice(models.Model):
    """A producer's price for one product to one grocery, or to every grocery of a programme, from a date.
    A changed price is a new row (the previous one ends the day before): orders keep the row they used."""

    producer = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="solidarity_prices",
                                 verbose_name=_("producer"))  # fmt: skip
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="prices",
                                  verbose_name=_("programme"))  # fmt: skip
    # Empty: the price for every grocery of the programme; a grocery's own price comes first.
    grocery = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("grocery"))  # fmt: skip
    product = models.CharField(_("product"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    price = models.DecimalField(_("price per unit (€)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "unit", "-valid_from"]
        indexes = [models.Index(fields=["programme", "producer", "valid_from"])]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="agreed_price_positive"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                                   name="agreed_price_dates_order"),
        ]  # fmt: skip
        verbose_name = _("agreed price")

    def __str__(self) -> str:
        return f"{self.product} {self.price} €/{self.unit}"


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("waiting for the producer")
    # In context: a French order (une commande) is "confirmée", "livrée", where other apps' words are masculine.
    CONFIRMED = "confirmed", pgettext_lazy("solidarity order", "confirmed")
    DECLINED = "declined", pgettext_lazy("solidarity order", "declined")
    DELIVERED = "delivered", pgettext_lazy("solidarity order", "delivered")
    CANCELLED = "cancelled", pgettext_lazy("solidarity order", "cancelled")


# The orders whose partner share is spent or promised: they count against the programme's budget.
COMMITTED = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED, OrderStatus.DELIVERED)


class Order(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="orders")
    grocery = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="solidarity_orders",
                                verbose_name=_("grocery"))  # fmt: skip
    producer = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="solidarity_orders",
                                 verbose_name=_("producer"))  # fmt: skip
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED)
    ordered_on = models.DateField(_("ordered on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # The sums of the lines (ordered quantities, then delivered ones once delivered): rule 4 of shares.py.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    partner_share = models.DecimalField(_("partner's share"), max_digits=12, decimal_places=2,
                                        default=Decimal("0.00"))  # fmt: skip
    grocery_share = models.DecimalField(_("grocery's share"), max_digits=12, decimal_places=2,
                                        default=Decimal("0.00"))  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ordered_on", "-pk"]
        indexes = [models.Index(fields=["programme", "ordered_on"]), models.Index(fields=["grocery", "ordered_on"]),
                   models.Index(fields=["producer", "ordered_on"])]  # fmt: skip
        verbose_name = _("solidarity order")

    def __str__(self) -> str:
        return f"{self.grocery} ← {self.producer} ({self.ordered_on})"

    def get_absolute_url(self) -> str:
        return reverse("solidarity:order", args=[self.pk])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    price = models.ForeignKey(AgreedPrice, on_delete=models.PROTECT, related_name="lines")
    # Copied from the agreed price when ordered: what the order was made at, whatever the list says later.
    product = models.CharField(_("product"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_price = models.DecimalField(_("price per unit (€)"), max_digits=8, decimal_places=2)
    quantity = models.DecimalField(_("quantity ordered"), max_digits=10, decimal_places=3)
    delivered = models.DecimalField(_("quantity delivered"), max_digits=10, decimal_places=3, null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    partner_share = models.DecimalField(_("partner's share"), max_digits=12, decimal_places=2)
    grocery_share = models.DecimalField(_("grocery's share"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(delivered__isnull=True) | Q(delivered__gte=0),
                                   name="order_line_delivered_positive"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def counted(self) -> Decimal:
        """The quantity the amounts follow: what was delivered once it was, what was ordered before."""
        return self.quantity if self.delivered is None else self.delivered
