"""Meeting-day pages: the coordinator's event page (participants, scheduling, table plan), each
participant's wishes, printable personal schedules and iCalendar files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import actor_ids_of, coordinator_required, is_coordinator
from terroir.directory.forms import date_input, form_errors_add
from terroir.directory.models import Actor

from . import services
from .models import Event, Meeting, MeetingWish, Participant


class EventForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    date = forms.DateField(label=gettext_lazy("Date"), widget=date_input())
    start_time = forms.TimeField(label=gettext_lazy("First round at"), widget=forms.TimeInput(attrs={"type": "time"}))
    slot_minutes = forms.IntegerField(label=gettext_lazy("Minutes per meeting"), initial=15)
    slots = forms.IntegerField(label=gettext_lazy("Rounds"), initial=12)
    tables = forms.IntegerField(label=gettext_lazy("Tables"), initial=10)
    location = forms.CharField(label=gettext_lazy("Where"), required=False, max_length=255)


class ParticipantForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=gettext_lazy("Producer or buyer of the directory"),
        queryset=Actor.objects.filter(Q(is_producer=True) | Q(is_buyer=True)).order_by("name"),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Invite by e-mail"))
    side = forms.ChoiceField(label=gettext_lazy("as"), choices=Participant.Side.choices)


@coordinator_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect(event)
    rows = Event.objects.annotate(people=Count("participants"), booked=Count("meetings"))
    return render(request, "meetings/events.html", {"events": rows, "form": form}, status=400 if form.errors else 200)


@coordinator_required
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    found = get_object_or_404(Event, pk=event_id)
    invite = InviteForm(request.POST if "email" in request.POST else None)
    if invite.is_bound and invite.is_valid():
        services.participant_invite(
            event=found, email=invite.cleaned_data["email"], side=invite.cleaned_data["side"], by=request.user,
            link=lambda token: request.build_absolute_uri(reverse("meetings:event_join", args=[token])),
        )  # fmt: skip
        messages.success(request, _("Invitation sent."))
        return redirect(found)
    form = ParticipantForm(request.POST if "actor" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            services.participant_add(event=found, actor=form.cleaned_data["actor"], by=request.user)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect(found)
    participants = Participant.objects.filter(event=found).select_related("actor").annotate(marked=Count("wishes"))
    plan: dict[int, dict[int, Meeting]] = {}
    for meeting in Meeting.objects.filter(event=found).select_related("producer__actor", "buyer__actor"):
        plan.setdefault(meeting.slot, {})[meeting.table] = meeting
    rounds = [
        (services.slot_times(found, slot)[0], [plan.get(slot, {}).get(table) for table in range(found.tables)])
        for slot in sorted(plan)
    ]
    context = {
        "event": found, "form": form, "invite": invite, "participants": participants, "rounds": rounds,
        "tables": range(1, found.tables + 1), "outcome": request.session.pop(f"event-{found.pk}-outcome", None),
    }  # fmt: skip
    return render(request, "meetings/event.html", context, status=400 if form.errors or invite.errors else 200)


@login_required
def event_join(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation links to: take part with one of one's organisations."""
    user: Any = request.user
    organisations = list(Actor.objects.filter(id__in=actor_ids_of(user)).filter(Q(is_producer=True) | Q(is_buyer=True)))
    if request.method == "POST":
        chosen = next((a for a in organisations if str(a.pk) == request.POST.get("actor")), None)
        if chosen is None:
            messages.error(request, _("Choose one of your organisations."))
        else:
            try:
                participant = services.participant_join(token=token, actor=chosen, by=user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                return redirect("meetings:wishes", event_id=participant.event_id, participant_id=participant.pk)
    return render(request, "meetings/event_join.html", {"organisations": organisations})


@coordinator_required
@require_POST
def event_schedule(request: HttpRequest, event_id: int) -> HttpResponse:
    found = get_object_or_404(Event, pk=event_id)
    outcome = services.event_schedule(event=found, by=request.user)
    request.session[f"event-{found.pk}-outcome"] = {
        "meetings": outcome.meetings,
        "rounds_used": outcome.rounds_used,
        "lower_bound": outcome.lower_bound,
        "wishes": outcome.wishes,
        "capacity": outcome.capacity,
        "unplaced": [
            {"producer": p.label, "buyer": b.label, "mutual": mutual, "reason": services.reason_text(code)}
            for p, b, mutual, code in outcome.unplaced
        ],
    }
    messages.success(
        request,
        _("%(meetings)s in %(rounds)s (the fewest possible: %(bound)s).")
        % {
            "meetings": npgettext("meeting day", "%(n)s meeting", "%(n)s meetings", outcome.meetings)
            % {"n": outcome.meetings},
            "rounds": npgettext("meeting day", "%(n)s round", "%(n)s rounds", outcome.rounds_used)
            % {"n": outcome.rounds_used},
            "bound": outcome.lower_bound,
        },
    )
    return redirect(found)


@login_required
def wishes(request: HttpRequest, event_id: int, participant_id: int) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.select_related("actor", "event"), pk=participant_id,
                                    event_id=event_id)  # fmt: skip
    if not services.can_mark(request.user, participant):
        raise PermissionDenied(_("You do not act for this participant."))
    others = Participant.objects.filter(event_id=event_id).exclude(side=participant.side).select_related("actor")
    if request.method == "POST":
        chosen = [o for o in others if str(o.pk) in request.POST.getlist("others")]
        services.wishes_set(participant=participant, others=chosen, by=request.user)
        messages.success(request, _("Your wishes are saved."))
        return redirect(request.path)
    marked = set(MeetingWish.objects.filter(participant=participant).values_list("other_id", flat=True))
    context = {"participant": participant, "others": [(o, o.pk in marked) for o in others]}
    return render(request, "meetings/wishes.html", context)


@coordinator_required
def schedules(request: HttpRequest, event_id: int) -> HttpResponse:
    found = get_object_or_404(Event, pk=event_id)
    return render(request, "meetings/schedules.html", {"event": found, "people": services.personal_schedules(found)})


@login_required
def calendar(request: HttpRequest, event_id: int, participant_id: int | None = None) -> HttpResponse:
    found = get_object_or_404(Event, pk=event_id)
    participant = None
    if participant_id is not None:
        participant = get_object_or_404(Participant, pk=participant_id, event=found)
        if not services.can_mark(request.user, participant):
            raise PermissionDenied(_("You do not act for this participant."))
    elif not is_coordinator(request.user):
        raise PermissionDenied(_("This page is for the territory's coordinators."))
    response = HttpResponse(services.ical(found, participant), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rencontres-{found.pk}.ics"'
    return response
