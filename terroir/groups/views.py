"""Consumer groups' pages: the public list and group pages with their calendar; joining; the organisers'
management (calendar, members, contracts, each distribution's baskets); members subscribing, their
subscriptions and absences; a producer's quantities per date (page and CSV). Who may see what: access.py."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.forms import form_errors_add
from terroir.directory.french import elided
from terroir.directory.models import Actor
from terroir.lib import spreadsheet
from terroir.lib.text import fold

from . import baskets, calendars, services
from .access import is_organiser, membership_of
from .forms import (
    AbsenceForm,
    CancelForm,
    ContractForm,
    DistributionForm,
    GenerateForm,
    GroupForm,
    MemberAbsenceForm,
    SubscribeForm,
    contract_initial,
)
from .models import Absence, Contract, Distribution, Group, GroupMember, Subscription

COMING_DISTRIBUTIONS = 12  # on the public page: about a season's quarter of weekly ones
QUANTITY_WEEKS = 8  # a producer's page shows this many weeks from today unless asked otherwise


def _allowed(request: HttpRequest, allowed: bool) -> HttpResponse | None:
    """None when the person may see the page; anonymous visitors are asked to sign in, others refused."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not allowed:
        raise PermissionDenied(_("This page is for the group's organisers."))
    return None


def _group(pk: int) -> Group:
    return get_object_or_404(Group.objects.select_related("place__commune", "organiser"), pk=pk)


def _contract(pk: int) -> Contract:
    return get_object_or_404(Contract.objects.select_related("group__place", "group__organiser", "producer", "product"),
                             pk=pk)  # fmt: skip


def is_contract_producer(user: Any, contract: Contract) -> bool:
    return contract.producer_id in actor_ids_of(user)


def group_list(request: HttpRequest) -> HttpResponse:
    groups = Group.objects.select_related("place__commune", "organiser")
    mine = actor_ids_of(request.user)
    # The producers the person acts for that deliver a group: their quantities page is linked from here.
    producers = Actor.objects.filter(pk__in=mine, group_contracts__isnull=False).distinct() if mine else []
    context = {"groups": groups, "can_create": bool(mine), "producers": producers}
    return render(request, "groups/list.html", context)


def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(pk)
    today = services.current_day()
    coming = list(group.distributions.filter(date__gte=today).select_related("place")[:COMING_DISTRIBUTIONS])
    member = membership_of(request.user, group)
    contracts = group.contracts.exclude(state=Contract.State.DRAFT).select_related("producer", "product")
    active = Subscription.objects.filter(member=member, state=Subscription.State.ACTIVE) if member else None
    context = {
        "group": group, "distributions": coming, "member": member, "organiser": is_organiser(request.user, group),
        "contracts": contracts.filter(ends_on__gte=today),
        "subscribed": set(active.values_list("contract_id", flat=True)) if active is not None else set(),
    }  # fmt: skip
    return render(request, "groups/group.html", context)


def group_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's distributions as iCalendar, public as its page: a calendar application subscribes."""
    group = _group(pk)
    response = HttpResponse(calendars.distributions_ical(group), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="distributions.ics"'
    return response


@login_required
def group_new(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, user=request.user,
                     initial={"frequency": "weekly", "weekday": 3, "starts_on": services.current_day()})  # fmt: skip
    if not form.fields["organiser"].queryset.exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("A group is organised by an organisation: create yours from your space first."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.group_create(
                by=request.user, organiser=data["organiser"], name=data["name"], kind=data["kind"],
                place=data["place"], frequency=data["frequency"], weekday=data["weekday"],
                week_of_month=data["week_of_month"], starts_on=data["starts_on"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], description=data["description"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The group is created: generate its calendar of distributions."))
            return redirect("groups:manage", group.pk)
    return render(request, "groups/group_form.html", {"form": form}, status=400 if form.errors else 200)


def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(pk)
    if (refused := _allowed(request, is_organiser(request.user, group))) is not None:
        return refused
    names = ("name", "kind", "place", "description", "frequency", "week_of_month", "weekday", "starts_at", "ends_at",
             "starts_on")  # fmt: skip
    initial = {name: getattr(group, name) for name in names}
    form = GroupForm(request.POST or None, user=request.user, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.group_update(
                group=group, by=request.user, name=data["name"], kind=data["kind"], place=data["place"],
                frequency=data["frequency"], weekday=data["weekday"], week_of_month=data["week_of_month"],
                starts_on=data["starts_on"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                description=data["description"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The group is saved."))
            return redirect("groups:manage", group.pk)
    return render(request, "groups/group_form.html", {"form": form, "group": group}, status=400 if form.errors else 200)


@login_required
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(pk)
    services.member_join(group=group, by=request.user)
    messages.success(request, elided(_("You are a member of %(group)s.") % {"group": group.name}, group.name))
    return redirect(group)


def manage(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(pk)
    if (refused := _allowed(request, is_organiser(request.user, group))) is not None:
        return refused
    today = services.current_day()
    form = GenerateForm(request.POST or None, initial={"first_day": today, "last_day": today + dt.timedelta(days=90)})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.distributions_generate(group=group, start=form.cleaned_data["first_day"],
                                                      end=form.cleaned_data["last_day"], by=request.user)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            added = ngettext("%(count)d distribution added to the calendar.",
                             "%(count)d distributions added to the calendar.", len(created))  # fmt: skip
            messages.success(request, added % {"count": len(created)})
            return redirect("groups:manage", group.pk)
    # By the name the others read (never the login, which the order by would give away).
    members = list(group.members.select_related("user"))
    baskets.members_named(members)
    members.sort(key=lambda m: (fold(baskets.member_name(m)), m.pk))
    context = {
        "group": group, "form": form,
        "distributions": group.distributions.filter(date__gte=today - dt.timedelta(days=7))[:40],
        "members": members,
        "contracts": group.contracts.select_related("producer", "product").order_by("-starts_on"),
    }  # fmt: skip
    return render(request, "groups/manage.html", context, status=400 if form.errors else 200)


@require_POST
def member_role(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    group = _group(pk)
    if (refused := _allowed(request, is_organiser(request.user, group))) is not None:
        return refused
    member = get_object_or_404(GroupMember, pk=member_id, group=group)
    services.member_set_role(member=member, role=request.POST.get("role", ""), by=request.user)
    return redirect("groups:manage", group.pk)


def _distribution(pk: int) -> Distribution:
    return get_object_or_404(Distribution.objects.select_related("group__place", "group__organiser", "place"), pk=pk)


def distribution_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The baskets of a distribution per producer (what each brings) and per member (who collects)."""
    distribution = _distribution(pk)
    if (refused := _allowed(request, is_organiser(request.user, distribution.group))) is not None:
        return refused
    initial = {"starts_at": distribution.starts_at, "ends_at": distribution.ends_at, "place": distribution.place}
    form = DistributionForm(request.POST or None, user=request.user, group=distribution.group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.distribution_update(distribution=distribution, by=request.user, starts_at=data["starts_at"],
                                         ends_at=data["ends_at"], place=data["place"])  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The distribution is saved."))
            return redirect("groups:distribution", distribution.pk)
    rows = baskets.baskets_of(distribution)
    context = {"distribution": distribution, "group": distribution.group, "per_producer": baskets.per_producer(rows),
               "per_member": baskets.per_member(rows), "cancel_form": CancelForm(), "form": form,
               "absence_form": MemberAbsenceForm(group=distribution.group),
               "coming": distribution.date >= services.current_day()}  # fmt: skip
    return render(request, "groups/distribution.html", context, status=400 if form.errors else 200)


@require_POST
def member_absence(request: HttpRequest, pk: int) -> HttpResponse:
    """An organiser records a member's absence at the distribution, or withdraws it (`withdraw`)."""
    distribution = _distribution(pk)
    if (refused := _allowed(request, is_organiser(request.user, distribution.group))) is not None:
        return refused
    form = MemberAbsenceForm(request.POST, group=distribution.group)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("groups:distribution", distribution.pk)
    member = form.cleaned_data["member"]
    name = baskets.member_name(member)
    if request.POST.get("withdraw"):
        found = Absence.objects.filter(member=member, distribution=distribution).first()
        if found is not None:
            services.absence_withdraw(absence=found, by=request.user)
        messages.success(request, _("%(name)s will collect their baskets.") % {"name": name})
        return redirect("groups:distribution", distribution.pk)
    try:
        services.absence_declare(distribution=distribution, by=request.user, member=member,
                                 transfer_to=form.cleaned_data["transfer_to"],
                                 transfer_to_name=form.cleaned_data["transfer_to_name"])  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, elided(_("The absence of %(name)s is noted.") % {"name": name}, name))
    return redirect("groups:distribution", distribution.pk)


@require_POST
def distribution_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = _distribution(pk)
    if (refused := _allowed(request, is_organiser(request.user, distribution.group))) is not None:
        return refused
    try:
        services.distribution_cancel(distribution=distribution, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The distribution is cancelled."))
    return redirect("groups:distribution", distribution.pk)


@login_required
@require_POST
def absence(request: HttpRequest, pk: int) -> HttpResponse:
    """The member says they will be away (or, with `withdraw`, that they will be there after all)."""
    distribution = _distribution(pk)
    member = membership_of(request.user, distribution.group)
    if member is None:
        raise PermissionDenied(_("Only a member of the group is away from its distributions."))
    if request.POST.get("withdraw"):
        found = Absence.objects.filter(member=member, distribution=distribution).first()
        if found is not None:
            services.absence_withdraw(absence=found, by=request.user)
            messages.success(request, _("You will collect your baskets on %(date)s.")
                             % {"date": distribution.date.strftime("%d/%m/%Y")})  # fmt: skip
        return redirect("groups:mine")
    form = AbsenceForm(request.POST, member=member)
    if form.is_valid():
        try:
            services.absence_declare(distribution=distribution, by=request.user,
                                     transfer_to=form.cleaned_data["transfer_to"],
                                     transfer_to_name=form.cleaned_data["transfer_to_name"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your absence is noted."))
    else:
        messages.error(request, _("Choose a member or write a name, not both."))
    return redirect("groups:mine")


def _contract_form_page(request: HttpRequest, group: Group, contract: Contract | None) -> HttpResponse:
    initial = contract_initial(contract) if contract else {"instalments": 1}
    form = ContractForm(request.POST or None, group=group, contract=contract, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if contract is None:
                contract = services.contract_create(
                    group=group, by=request.user, producer=data["producer"], product=data["product"],
                    title=data["title"], starts_on=data["starts_on"], ends_on=data["ends_on"], options=form.options(),
                    payment_dates=form.payment_dates(), terms=data["terms"],
                )  # fmt: skip
            else:
                contract = services.contract_update(
                    contract=contract, by=request.user, title=data["title"], starts_on=data["starts_on"],
                    ends_on=data["ends_on"], options=form.options(), payment_dates=form.payment_dates(),
                    terms=data["terms"],
                )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The contract is saved."))
            return redirect(contract)
    context = {"form": form, "group": group, "contract": contract}
    return render(request, "groups/contract_form.html", context, status=400 if form.errors else 200)


def contract_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(pk)
    if (refused := _allowed(request, is_organiser(request.user, group))) is not None:
        return refused
    return _contract_form_page(request, group, None)


def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    if (refused := _allowed(request, is_organiser(request.user, contract.group))) is not None:
        return refused
    if contract.state != Contract.State.DRAFT:
        messages.error(request, _("Only a draft contract is changed: its subscriptions were made on its terms."))
        return redirect(contract)
    return _contract_form_page(request, contract.group, contract)


def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's terms: public once open (like the group); a draft is for its organisers and producer."""
    contract = _contract(pk)
    organiser = is_organiser(request.user, contract.group)
    if contract.state == Contract.State.DRAFT and not (organiser or is_contract_producer(request.user, contract)):
        raise Http404
    member = membership_of(request.user, contract.group)
    mine = (Subscription.objects.filter(contract=contract, member=member, state=Subscription.State.ACTIVE).first()
            if member else None)  # fmt: skip
    deliveries = services.contract_deliveries(contract)
    skipped = set(contract.skipped.values_list("pk", flat=True))
    in_season = contract.group.distributions.filter(date__range=(contract.starts_on, contract.ends_on), cancelled=False)
    context = {
        "contract": contract, "group": contract.group, "organiser": organiser, "member": member, "mine": mine,
        "options": contract.options.all(), "payment_dates": contract.payment_dates.all(), "deliveries": deliveries,
        "calendar": [(d, d.pk not in skipped) for d in in_season] if organiser else [],
        "form": SubscribeForm(contract=contract) if member and not mine and contract.state == "open" else None,
    }  # fmt: skip
    return render(request, "groups/contract.html", context)


@require_POST
def contract_state(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    if (refused := _allowed(request, is_organiser(request.user, contract.group))) is not None:
        return refused
    try:
        services.contract_set_state(contract=contract, state=request.POST.get("state", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(contract)


@require_POST
def contract_skip(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    if (refused := _allowed(request, is_organiser(request.user, contract.group))) is not None:
        return refused
    distribution = get_object_or_404(Distribution, pk=request.POST.get("distribution") or 0, group=contract.group)
    try:
        services.contract_skip(contract=contract, distribution=distribution, by=request.user,
                               skipped=request.POST.get("skipped") == "1")  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(contract)


def subscribe(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's choice with its total and instalments to confirm (GET), then the subscription (POST)."""
    contract = _contract(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if membership_of(request.user, contract.group) is None:
        raise PermissionDenied(_("Join the group to subscribe to its contracts."))
    data = request.POST if request.method == "POST" else request.GET if "option" in request.GET else None
    form = SubscribeForm(data, contract=contract)
    quote = None
    if form.is_valid():
        option, quantity = form.cleaned_data["option"], form.cleaned_data["quantity"]
        try:
            if request.method == "POST":
                subscription = services.subscription_create(contract=contract, by=request.user, option=option,
                                                            quantity=quantity)  # fmt: skip
                messages.success(request, _("You subscribe to %(contract)s.") % {"contract": contract.title})
                return redirect(subscription)
            quote = services.subscription_quote(contract=contract, option=option, quantity=quantity)
        except ValidationError as exc:
            form_errors_add(form, exc)
    context = {"contract": contract, "group": contract.group, "form": form, "quote": quote}
    return render(request, "groups/subscribe.html", context, status=400 if form.errors else 200)


def subscription_page(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(
        Subscription.objects.select_related("contract__group", "contract__producer", "option", "member__user"), pk=pk
    )
    own = subscription.member.user_id == request.user.pk
    if (refused := _allowed(request, own or is_organiser(request.user, subscription.contract.group))) is not None:
        return refused
    context = {"subscription": subscription, "contract": subscription.contract, "group": subscription.contract.group,
               "instalments": subscription.instalments.all(), "own": own}  # fmt: skip
    return render(request, "groups/subscription.html", context)


def contract_subscriptions(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    if (refused := _allowed(request, is_organiser(request.user, contract.group))) is not None:
        return refused
    rows = list(contract.subscriptions.select_related("member__user", "option").prefetch_related("instalments"))
    baskets.members_named(s.member for s in rows)
    totals: dict[str, int] = {}
    for s in rows:
        if s.state == Subscription.State.ACTIVE:
            totals[s.option.label] = totals.get(s.option.label, 0) + s.quantity
    context = {"contract": contract, "group": contract.group, "subscriptions": rows, "totals": totals.items()}
    return render(request, "groups/subscriptions.html", context)


@require_POST
def subscription_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription.objects.select_related("contract__group"), pk=pk)
    if (refused := _allowed(request, is_organiser(request.user, subscription.contract.group))) is not None:
        return refused
    refunded = services.subscription_cancel(subscription=subscription, by=request.user)
    messages.success(request, _("The subscription is cancelled: its baskets are no longer made."))
    if refunded:
        amount = formats.number_format(sum((i.amount for i in refunded), Decimal(0)), 2, use_l10n=True)
        messages.info(request, ngettext(
            "%(count)d instalment not yet due (%(amount)s €) is withdrawn: give it back to the member.",
            "%(count)d instalments not yet due (%(amount)s €) are withdrawn: give them back to the member.",
            len(refunded),
        ) % {"count": len(refunded), "amount": amount})  # fmt: skip
    return redirect("groups:subscriptions", subscription.contract_id)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's groups, subscriptions and coming distributions (with the absence form for each)."""
    today = services.current_day()
    memberships = list(GroupMember.objects.filter(user_id=request.user.pk or 0).select_related("group__place"))
    subscriptions = (
        Subscription.objects.filter(member__in=memberships)
        .select_related("contract__producer", "contract__group", "option")
        .prefetch_related("instalments")
        .order_by("-contract__starts_on")
    )
    absences = {a.distribution_id: a for a in Absence.objects.filter(member__in=memberships).select_related(
        "transfer_to__user")}  # fmt: skip
    baskets.members_named(a.transfer_to for a in absences.values())
    coming = []
    for member in memberships:
        coming_rows = member.group.distributions.filter(date__gte=today, cancelled=False).select_related("order_round")
        for distribution in coming_rows[:6]:
            coming.append((distribution, absences.get(distribution.pk), AbsenceForm(member=member)))
    coming.sort(key=lambda row: row[0].date)
    context = {"memberships": memberships, "subscriptions": subscriptions, "coming": coming}
    return render(request, "groups/mine.html", context)


def _quantities(request: HttpRequest, pk: int) -> tuple[Actor, dt.date, dt.date, list[baskets.Quantity]] | HttpResponse:
    producer = get_object_or_404(Actor, pk=pk, is_producer=True)
    allowed = is_coordinator(request.user) or producer.pk in actor_ids_of(request.user)
    if (refused := _allowed(request, allowed)) is not None:
        return refused
    start = _day(request.GET.get("from")) or services.current_day()
    end = _day(request.GET.get("until")) or start + dt.timedelta(weeks=QUANTITY_WEEKS)
    end = min(max(end, start), start + dt.timedelta(days=services.MAX_GENERATED_DAYS))
    return producer, start, end, baskets.producer_quantities(producer, start, end)


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


def producer_quantities(request: HttpRequest, pk: int) -> HttpResponse:
    """What the producer brings to each distribution of the groups they have contracts with."""
    found = _quantities(request, pk)
    if isinstance(found, HttpResponse):
        return found
    producer, start, end, rows = found
    dates: dict[tuple[dt.date, int], list[baskets.Quantity]] = {}
    for row in rows:
        dates.setdefault((row.date, row.distribution.pk), []).append(row)
    contracts = Contract.objects.filter(producer=producer).select_related("group").order_by("-starts_on")
    context = {"producer": producer, "start": start, "end": end, "dates": list(dates.values()), "contracts": contracts}
    return render(request, "groups/quantities.html", context)


def producer_quantities_csv(request: HttpRequest, pk: int) -> HttpResponse:
    found = _quantities(request, pk)
    if isinstance(found, HttpResponse):
        return found
    producer, start, _end, rows = found
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    writer.writerow([_("Date"), _("Group"), _("Place"), _("From"), _("Until"), _("Contract"), _("Option"),
                     _("Contents"), _("Quantity"), _("Subscribers")])  # fmt: skip
    for row in rows:
        d, where = row.distribution, row.distribution.where
        writer.writerow([row.date.isoformat(), d.group.name, where.name if where else "", d.starts_at.strftime("%H:%M"),
                         d.ends_at.strftime("%H:%M"), row.contract.title, row.option, row.size, row.quantity,
                         row.subscribers])  # fmt: skip
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quantites-{producer.pk}-{start.isoformat()}.csv"'
    return response
