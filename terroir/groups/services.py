"""Consumer groups with the database: every write passes here. Who may do what is asked of access.py,
which the pages use too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.contributions.audit import audit_record
from terroir.directory.models import Actor, Category, Place

from . import payments, rules
from .access import is_organiser, membership_of
from .models import (
    Absence,
    Contract,
    ContractOption,
    Distribution,
    Group,
    GroupMember,
    Instalment,
    PaymentDate,
    Subscription,
)

# How far ahead a calendar is generated at most in one call: a season and some (a typo in a year must not
# write a thousand rows).
MAX_GENERATED_DAYS = 400


def current_day() -> dt.date:
    """The day the services and pages count from (what is coming, what is over): one place for tests to set."""
    return timezone.localdate()


def _organiser_only(by: Any, group: Group) -> None:
    if not is_organiser(by, group):
        raise PermissionDenied(_("Only the group's organisers manage it."))


def _rule_checked(
    *, name: str, kind: str, frequency: str, weekday: int, week_of_month: int | None, starts_at: dt.time,
    ends_at: dt.time,
) -> None:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the group a name.")]
    if kind not in Group.Kind.values:
        errors["kind"] = [_("Unknown kind of group.")]
    if frequency not in Group.Frequency.values:
        errors["frequency"] = [_("Unknown distribution rule.")]
    if not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a day of the week.")]
    if frequency == rules.MONTHLY and week_of_month not in Group.WeekOfMonth.values:
        errors["week_of_month"] = [_("Say which week of the month (the first Thursday, the last Friday…).")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The distribution must end after it starts.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_create(
    *, by: Any, organiser: Actor, name: str, kind: str, place: Place | None, frequency: str, weekday: int,
    starts_on: dt.date, starts_at: dt.time, ends_at: dt.time, week_of_month: int | None = None,
    description: str = "",
) -> Group:  # fmt: skip
    """A group organised by `organiser` (the person acts for it, or is a coordinator)."""
    if not (is_coordinator(by) or organiser.pk in actor_ids_of(by)):
        raise PermissionDenied(_("You do not act for this organisation."))
    _rule_checked(name=name, kind=kind, frequency=frequency, weekday=weekday, week_of_month=week_of_month,
                  starts_at=starts_at, ends_at=ends_at)  # fmt: skip
    group = Group.objects.create(
        name=name.strip()[:200], kind=kind, organiser=organiser, place=place, description=description.strip(),
        frequency=frequency, weekday=weekday, week_of_month=week_of_month if frequency == rules.MONTHLY else None,
        starts_on=starts_on, starts_at=starts_at, ends_at=ends_at,
    )  # fmt: skip
    audit_record(by=by, action="group_create", target=f"groups.group:{group.pk}", summary=group.name)
    return group


@transaction.atomic
def group_update(
    *, group: Group, by: Any, name: str, kind: str, place: Place | None, frequency: str, weekday: int,
    starts_on: dt.date, starts_at: dt.time, ends_at: dt.time, week_of_month: int | None = None,
    description: str = "",
) -> Group:  # fmt: skip
    """Change the group; distributions already in the calendar stay as they are (generate again for the new
    rule's dates; cancel the ones the rule no longer holds)."""
    _organiser_only(by, group)
    _rule_checked(name=name, kind=kind, frequency=frequency, weekday=weekday, week_of_month=week_of_month,
                  starts_at=starts_at, ends_at=ends_at)  # fmt: skip
    group.name, group.kind, group.place, group.description = name.strip()[:200], kind, place, description.strip()
    group.frequency, group.weekday, group.starts_on = frequency, weekday, starts_on
    group.week_of_month = week_of_month if frequency == rules.MONTHLY else None
    group.starts_at, group.ends_at = starts_at, ends_at
    group.save()
    audit_record(by=by, action="group_update", target=f"groups.group:{group.pk}", summary=group.name)
    return group


@transaction.atomic
def distributions_generate(*, group: Group, start: dt.date, end: dt.date, by: Any) -> list[Distribution]:
    """The group's distributions from its rule between `start` and `end` (both included): the dates not in
    the calendar yet are added with the group's hours; those already there (moved, cancelled) are kept as
    they are. Returns the new ones. Running it twice adds nothing."""
    _organiser_only(by, group)
    if end < start:
        raise ValidationError({"end": [_("The end of the range comes before its start.")]})
    if (end - start).days > MAX_GENERATED_DAYS:
        raise ValidationError({"end": [_("Generate at most %(days)d days at a time.") % {"days": MAX_GENERATED_DAYS}]})
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one generation at a time per group
    known = set(Distribution.objects.filter(group=group, date__range=(start, end)).values_list("date", flat=True))
    created = Distribution.objects.bulk_create(
        Distribution(group=group, date=day, starts_at=group.starts_at, ends_at=group.ends_at)
        for day in rules.dates(group.rule, start, end)
        if day not in known
    )
    if created:
        span = f"{len(created)}: {created[0].date.isoformat()}…{created[-1].date.isoformat()}"
        audit_record(by=by, action="distributions_generate", target=f"groups.group:{group.pk}", summary=span)
    return created


@transaction.atomic
def distribution_cancel(*, distribution: Distribution, reason: str, by: Any) -> Distribution:
    _organiser_only(by, distribution.group)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the distribution is cancelled: the members will read it.")]})
    distribution.cancelled, distribution.cancel_reason = True, reason.strip()[:255]
    distribution.save(update_fields=["cancelled", "cancel_reason"])
    audit_record(by=by, action="distribution_cancel", target=f"groups.distribution:{distribution.pk}",
                 summary=distribution.cancel_reason)  # fmt: skip
    return distribution


@transaction.atomic
def distribution_update(
    *, distribution: Distribution, by: Any, starts_at: dt.time, ends_at: dt.time, place: Place | None
) -> Distribution:
    """Other hours or another place for one distribution (`place` None: the group's pickup place)."""
    _organiser_only(by, distribution.group)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("The distribution must end after it starts.")]})
    distribution.starts_at, distribution.ends_at = starts_at, ends_at
    distribution.place = None if place is not None and place.pk == distribution.group.place_id else place
    distribution.save(update_fields=["starts_at", "ends_at", "place"])
    audit_record(by=by, action="distribution_update", target=f"groups.distribution:{distribution.pk}")
    return distribution


# Season contracts, subscriptions, absences and transfers.


def _fr(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def contract_deliveries(
    contract: Contract, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[Distribution]:
    """The distributions the contract delivers at: the group's, within the season (and within start…end when
    given), neither cancelled nor among the contract's exceptions."""
    first = max(contract.starts_on, start) if start else contract.starts_on
    last = min(contract.ends_on, end) if end else contract.ends_on
    skipped = set(contract.skipped.values_list("pk", flat=True)) if contract.pk else set()
    rows = Distribution.objects.filter(group_id=contract.group_id, date__range=(first, last), cancelled=False)
    return [d for d in rows.order_by("date") if d.pk not in skipped]


def _contract_checked(
    *, group: Group, producer: Actor, product: Category, title: str, starts_on: dt.date, ends_on: dt.date,
    options: list[tuple[str, str, Decimal]], payment_dates: list[dt.date], contract: Contract | None = None,
) -> None:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the contract a title.")]
    if not producer.is_producer:
        errors["producer"] = [_("The contract is with a producer of the directory.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The season must end after it starts.")]
    labels = [label.strip() for label, _size, _price in options]
    if not options:
        errors["options"] = [_("Give at least one option (a basket size and its price).")]
    elif len(set(labels)) != len(labels) or not all(labels):
        errors["options"] = [_("Each option needs its own name.")]
    elif any(price <= 0 for _label, _size, price in options):
        errors["options"] = [_("Each option needs a price above zero.")]
    if not payment_dates:
        errors["payment_dates"] = [_("Give at least one payment date.")]
    elif len(set(payment_dates)) != len(payment_dates):
        errors["payment_dates"] = [_("Two instalments fall on the same day.")]
    if errors:
        raise ValidationError(errors)
    others = Contract.objects.filter(group=group, producer=producer, product=product, starts_on__lte=ends_on,
                                     ends_on__gte=starts_on).exclude(pk=contract.pk if contract else 0)  # fmt: skip
    other = others.order_by("starts_on").first()
    if other is not None:
        raise ValidationError({"starts_on": [_(
            "Its dates overlap the contract “%(other)s” (%(other_start)s – %(other_end)s) for the same producer and "
            "product in this group: both would run from %(start)s to %(end)s. Change the dates, or the other "
            "contract's."
        ) % {"other": other.title, "other_start": _fr(other.starts_on), "other_end": _fr(other.ends_on),
             "start": _fr(max(starts_on, other.starts_on)), "end": _fr(min(ends_on, other.ends_on))}]})  # fmt: skip


def _contract_write(contract: Contract, options: list[tuple[str, str, Decimal]], payment_dates: list[dt.date]) -> None:
    kept = {option.label: option for option in contract.options.all()}
    wanted = [label.strip()[:80] for label, _size, _price in options]
    for rank, (label, size, price) in enumerate(options):
        option = kept.get(label.strip()[:80]) or ContractOption(contract=contract, label=label.strip()[:80])
        option.size, option.price, option.rank = size.strip()[:200], price, rank
        option.save()
    # An option somebody subscribed to stays (PROTECT): drop the others only.
    contract.options.exclude(label__in=wanted).filter(subscriptions__isnull=True).delete()
    contract.payment_dates.all().delete()
    PaymentDate.objects.bulk_create(PaymentDate(contract=contract, due_on=day) for day in sorted(payment_dates))


@transaction.atomic
def contract_create(
    *, group: Group, by: Any, producer: Actor, product: Category, title: str, starts_on: dt.date, ends_on: dt.date,
    options: list[tuple[str, str, Decimal]], payment_dates: list[dt.date], terms: str = "",
) -> Contract:  # fmt: skip
    """A draft contract of the group with `producer` for `product`. `options`: (name, contents, price per
    distribution). Refused when another contract of the group with this producer and product overlaps it."""
    _organiser_only(by, group)
    Group.objects.select_for_update().filter(pk=group.pk).first()  # two organisers creating at once: one check
    _contract_checked(group=group, producer=producer, product=product, title=title, starts_on=starts_on,
                      ends_on=ends_on, options=options, payment_dates=payment_dates)  # fmt: skip
    contract = Contract.objects.create(group=group, producer=producer, product=product, title=title.strip()[:200],
                                       starts_on=starts_on, ends_on=ends_on, terms=terms.strip())  # fmt: skip
    _contract_write(contract, options, payment_dates)
    audit_record(by=by, action="contract_create", target=f"groups.contract:{contract.pk}", summary=contract.title)
    return contract


@transaction.atomic
def contract_update(
    *, contract: Contract, by: Any, title: str, starts_on: dt.date, ends_on: dt.date,
    options: list[tuple[str, str, Decimal]], payment_dates: list[dt.date], terms: str = "",
) -> Contract:  # fmt: skip
    """Change a draft (an open or closed contract has subscriptions whose totals were fixed on its terms)."""
    _organiser_only(by, contract.group)
    contract = Contract.objects.select_for_update().select_related("group", "producer", "product").get(pk=contract.pk)
    Group.objects.select_for_update().filter(pk=contract.group_id).first()
    if contract.state != Contract.State.DRAFT:
        raise ValidationError(_("Only a draft contract is changed: its subscriptions were made on its terms."))
    _contract_checked(group=contract.group, producer=contract.producer, product=contract.product, title=title,
                      starts_on=starts_on, ends_on=ends_on, options=options, payment_dates=payment_dates,
                      contract=contract)  # fmt: skip
    contract.title, contract.starts_on, contract.ends_on = title.strip()[:200], starts_on, ends_on
    contract.terms = terms.strip()
    contract.save()
    _contract_write(contract, options, payment_dates)
    audit_record(by=by, action="contract_update", target=f"groups.contract:{contract.pk}", summary=contract.title)
    return contract


@transaction.atomic
def contract_skip(*, contract: Contract, distribution: Distribution, skipped: bool, by: Any) -> Contract:
    """Take a distribution out of the contract's deliveries (or back in): while it is a draft."""
    _organiser_only(by, contract.group)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.state != Contract.State.DRAFT:
        raise ValidationError(_("Only a draft contract is changed: its subscriptions were made on its terms."))
    if distribution.group_id != contract.group_id:
        raise ValidationError(_("This distribution is not the group's."))
    if skipped:
        contract.skipped.add(distribution)
    else:
        contract.skipped.remove(distribution)
    return contract


STATE_MOVES: dict[str, set[str]] = {
    Contract.State.DRAFT: {Contract.State.OPEN},
    Contract.State.OPEN: {Contract.State.CLOSED},
    Contract.State.CLOSED: {Contract.State.OPEN},
}


@transaction.atomic
def contract_set_state(*, contract: Contract, state: str, by: Any) -> Contract:
    """Open a draft for subscription, close it (no new subscriptions; baskets still delivered), reopen it."""
    _organiser_only(by, contract.group)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if state not in STATE_MOVES.get(contract.state, set()):
        raise ValidationError(_("A contract cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": contract.get_state_display(), "to": Contract.State(state).label
                                 if state in Contract.State.values else state})  # fmt: skip
    if state == Contract.State.OPEN and not contract_deliveries(contract):
        raise ValidationError(_("The contract delivers at no distribution: generate the group's calendar first."))
    contract.state = state
    contract.save(update_fields=["state"])
    audit_record(by=by, action="contract_state", target=f"groups.contract:{contract.pk}", summary=state)
    return contract


@dataclass(frozen=True)
class Quote:
    """What a subscription would cost: shown before the member confirms, then written as it is."""

    starts_on: dt.date
    ends_on: dt.date
    deliveries: int
    total: Decimal
    instalments: list[tuple[dt.date, Decimal]]


def subscription_quote(
    *, contract: Contract, option: ContractOption, quantity: int, starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, today: dt.date | None = None,
) -> Quote:  # fmt: skip
    """The deliveries, total and instalments of a subscription; refused outside the contract's dates."""
    today = today or current_day()
    start = starts_on or max(contract.starts_on, today)
    end = ends_on or contract.ends_on
    errors: dict[str, list[str]] = {}
    if option.contract_id != contract.pk:
        errors["option"] = [_("Choose one of the contract's options.")]
    if not 1 <= quantity <= 20:
        errors["quantity"] = [_("Choose a quantity from 1 to 20.")]
    if end < start:
        errors["ends_on"] = [_("The subscription must end after it starts.")]
    elif start < contract.starts_on or end > contract.ends_on:
        errors["starts_on"] = [_(
            "The subscription (%(start)s – %(end)s) runs outside the contract's dates (%(season_start)s – "
            "%(season_end)s)."
        ) % {"start": _fr(start), "end": _fr(end), "season_start": _fr(contract.starts_on),
             "season_end": _fr(contract.ends_on)}]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    deliveries = len(contract_deliveries(contract, start=start, end=end))
    if deliveries == 0:
        raise ValidationError({"starts_on": [_("The contract delivers at no distribution between these dates.")]})
    amount = payments.total(price=option.price, quantity=quantity, deliveries=deliveries)
    days = payments.instalment_dates(list(contract.payment_dates.values_list("due_on", flat=True)), today)
    return Quote(start, end, deliveries, amount, list(zip(days, payments.split(amount, len(days)), strict=True)))


@transaction.atomic
def subscription_create(
    *, contract: Contract, by: Any, option: ContractOption, quantity: int, starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, today: dt.date | None = None,
) -> Subscription:  # fmt: skip
    """`by` subscribes to the open contract of a group they are a member of."""
    member = membership_of(by, contract.group)
    if member is None:
        raise PermissionDenied(_("Join the group to subscribe to its contracts."))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.state != Contract.State.OPEN:
        raise ValidationError(_("This contract is not open for subscription."))
    if Subscription.objects.filter(contract=contract, member=member, state=Subscription.State.ACTIVE).exists():
        raise ValidationError(_("You already subscribe to this contract."))
    quote = subscription_quote(contract=contract, option=option, quantity=quantity, starts_on=starts_on,
                               ends_on=ends_on, today=today)  # fmt: skip
    subscription = Subscription.objects.create(
        contract=contract, member=member, option=option, quantity=quantity, starts_on=quote.starts_on,
        ends_on=quote.ends_on, deliveries=quote.deliveries, total=quote.total,
    )  # fmt: skip
    Instalment.objects.bulk_create(Instalment(subscription=subscription, due_on=day, amount=amount)
                                   for day, amount in quote.instalments)  # fmt: skip
    audit_record(by=by, action="subscription_create", target=f"groups.subscription:{subscription.pk}",
                 summary=f"{contract.title}: {quantity} × {option.label}")  # fmt: skip
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, by: Any, today: dt.date | None = None) -> list[Instalment]:
    """An organiser cancels a subscription (the member leaves, a mistake): its baskets are no longer made.
    A season's contract is a commitment, so only an organiser cancels; the instalments not yet due are then
    withdrawn (in an AMAP: the member's cheques given back) and returned, the ones due stay paid for the
    baskets delivered. Cancelling a cancelled subscription changes nothing."""
    _organiser_only(by, subscription.contract.group)
    if subscription.state == Subscription.State.CANCELLED:
        return []
    subscription.state = Subscription.State.CANCELLED
    subscription.save(update_fields=["state"])
    refunded = list(subscription.instalments.filter(due_on__gt=today or current_day()))
    Instalment.objects.filter(pk__in=[i.pk for i in refunded]).delete()
    summary = ", ".join(f"{i.due_on.isoformat()}: {i.amount}" for i in refunded)
    audit_record(by=by, action="subscription_cancel", target=f"groups.subscription:{subscription.pk}",
                 summary=f"instalments withdrawn: {summary or 'none'}")  # fmt: skip
    return refunded


@transaction.atomic
def member_join(*, group: Group, by: Any) -> GroupMember:
    """`by` joins the group as a member (joining again changes nothing)."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to join a group."))
    member, _created = GroupMember.objects.get_or_create(group=group, user=by)
    return member


@transaction.atomic
def member_set_role(*, member: GroupMember, role: str, by: Any) -> GroupMember:
    _organiser_only(by, member.group)
    if role not in GroupMember.Role.values:
        raise ValidationError(_("Unknown role."))
    member.role = role
    member.save(update_fields=["role"])
    audit_record(by=by, action="member_set_role", target=f"groups.groupmember:{member.pk}", summary=role)
    return member


@transaction.atomic
def absence_declare(
    *, distribution: Distribution, by: Any, transfer_to: GroupMember | None = None, transfer_to_name: str = "",
    member: GroupMember | None = None, today: dt.date | None = None,
) -> Absence:  # fmt: skip
    """`by` will be away at the distribution (or an organiser says so of `member`): the baskets go to another
    member or a named person, or with neither are left to the group. Declaring again replaces the recipient."""
    mine = membership_of(by, distribution.group)
    if member is None:
        member = mine
    elif member != mine:
        _organiser_only(by, distribution.group)
    if member is None:
        raise PermissionDenied(_("Only a member of the group is away from its distributions."))
    if distribution.date < (today or current_day()):
        raise ValidationError(_("This distribution is over."))
    if distribution.cancelled:
        raise ValidationError(_("This distribution is cancelled."))
    if transfer_to is not None and transfer_to_name.strip():
        raise ValidationError({"transfer_to_name": [_("Give the baskets to a member or to a named person, not both.")]})
    if transfer_to is not None and (transfer_to.group_id != distribution.group_id or transfer_to == member):
        raise ValidationError({"transfer_to": [_("Give the baskets to another member of the group.")]})
    absence, _created = Absence.objects.update_or_create(
        member=member, distribution=distribution,
        defaults={"transfer_to": transfer_to, "transfer_to_name": transfer_to_name.strip()[:120]},
    )  # fmt: skip
    return absence


@transaction.atomic
def absence_withdraw(*, absence: Absence, by: Any) -> None:
    """The member will be there after all."""
    if absence.member.user_id != getattr(by, "pk", None):
        _organiser_only(by, absence.distribution.group)
    absence.delete()
