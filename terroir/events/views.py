"""Event pages: the list of coming events, an event's page (sign-up, the organiser's decisions), the form
to create one, and the iCalendar feeds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import actor_ids_of
from terroir.directory.filters import parse_bbox
from terroir.directory.forms import CommuneField, form_errors_add
from terroir.directory.french import elided
from terroir.directory.models import Actor, Place
from terroir.directory.search import InvalidParameter

from . import calendars, services
from .models import Event, Participation
from .presenters import when_said


def _datetime_input() -> forms.DateTimeInput:
    # The browser's picker gives ISO local times, whatever the page's language.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventFields(forms.Form):
    """What an event is, as its organiser writes it (EventForm to create one adds who organises it)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Event.Kind.choices)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=_datetime_input())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=_datetime_input())
    place = forms.IntegerField(label=gettext_lazy("Place of the directory"), required=False)
    address = forms.CharField(label=gettext_lazy("Or an address"), required=False, max_length=255)
    commune = CommuneField(label=gettext_lazy("Commune"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(
        label=gettext_lazy("Public (on the map and in the calendars)"), required=False, initial=True
    )
    open_signup = forms.BooleanField(label=gettext_lazy("Every producer who signs up takes part"), required=False)

    def __init__(self, *args: Any, user: Any, organiser_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = set(actor_ids_of(user)) | ({organiser_id} if organiser_id else set())
        # The places the organisations run or sell at, and the one the page was opened from (or the event's).
        asked = self.initial.get("place")
        places = Place.objects.filter(Q(operator_id__in=mine) | Q(producers__in=mine) | Q(pk=asked or 0))
        choices = [("", "—")] + [(p.pk, p.name) for p in places.distinct().order_by("name")[:200]]
        self.fields["place"].widget = forms.Select(choices=choices)


class EventForm(EventFields):
    organiser = forms.ModelChoiceField(label=gettext_lazy("Organised by"), queryset=Actor.objects.none())
    field_order = ["organiser"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        organisers = self.fields["organiser"]
        organisers.queryset = Actor.objects.filter(pk__in=actor_ids_of(user)).order_by("name")  # type: ignore[attr-defined]
        organisers.empty_label = None  # type: ignore[attr-defined]  # most people act for one organisation


class EventEditForm(EventFields):
    signups_closed = forms.BooleanField(
        label=gettext_lazy("Sign-up closed (producers already signed up stay)"), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it cancelled?"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Shown on the event's page and sent to the producers signed up."),
    )  # fmt: skip


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    initial = {"place": request.GET.get("place", "")[:12]} if request.GET.get("place", "").isdigit() else {}
    form = EventForm(request.POST or None, user=request.user, initial=initial)
    if not form.fields["organiser"].queryset.exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only an organisation organises an event: create yours from your space first."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(
                by=request.user, organiser=data["organiser"], title=data["title"], kind=data["kind"],
                starts_at=data["starts_at"], ends_at=data["ends_at"], place_id=data["place"],
                address=data["address"], commune_code=data["commune"] or "", description=data["description"],
                public=data["public"], open_signup=data["open_signup"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The event is saved as a draft: publish it when it is ready."))
            return redirect(event)
    return render(request, "events/new.html", {"form": form}, status=400 if form.errors else 200)


def _organised(request: HttpRequest, event_id: int) -> Event:
    found = _event_visible(request, event_id)
    if not services.is_organiser(request.user, found):
        raise PermissionDenied(_("Only the organiser manages this event."))
    return found


@login_required
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _organised(request, event_id)
    if found.status == Event.Status.CANCELLED or found.ends_at <= timezone.now():
        messages.error(request, _("A cancelled or past event is no longer changed."))
        return redirect(found)
    initial = {
        "title": found.title, "kind": found.kind, "starts_at": found.starts_at, "ends_at": found.ends_at,
        "place": found.place_id or "", "address": found.address, "description": found.description,
        "commune": found.commune.code if found.commune and not found.place_id else "", "public": found.public,
        "open_signup": found.open_signup, "signups_closed": found.signups_closed,
    }  # fmt: skip
    form = EventEditForm(request.POST or None, user=request.user, organiser_id=found.organiser_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_update(
                event=found, by=request.user, title=data["title"], kind=data["kind"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], place_id=data["place"], address=data["address"],
                commune_code=data["commune"] or "", description=data["description"], public=data["public"],
                open_signup=data["open_signup"], signups_closed=data["signups_closed"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect(found)
    return render(request, "events/edit.html", {"form": form, "event": found}, status=400 if form.errors else 200)


def event_list(request: HttpRequest) -> HttpResponse:
    rows = services.upcoming(services.events_visible(request.user), public_only=False, cancelled=True)
    mine = actor_ids_of(request.user)
    drafts = Event.objects.filter(status=Event.Status.DRAFT, organiser_id__in=mine) if mine else Event.objects.none()
    return render(request, "events/list.html", {"events": rows, "drafts": drafts, "can_create": bool(mine)})


def _event_visible(request: HttpRequest, event_id: int) -> Event:
    found = get_object_or_404(Event.objects.select_related("place__commune", "commune", "organiser"), pk=event_id)
    if not services.can_see(request.user, found):
        raise Http404
    return found


def event(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    organiser = services.is_organiser(request.user, found)
    participations = found.participations.select_related("producer")
    mine = actor_ids_of(request.user)
    context = {
        "event": found,
        "organiser": organiser,
        "taking_part": [p for p in participations if p.status == Participation.Status.ACCEPTED],
        "waiting": [p for p in participations if p.status == Participation.Status.PENDING] if organiser else [],
        "my_participations": [p for p in participations if p.producer_id in mine],
        # A producer that withdrew may sign up again.
        "can_sign_up": [
            a
            for a in services.producers_of(request.user)
            if a.pk not in {p.producer_id for p in participations if p.status != Participation.Status.WITHDRAWN}
        ],
        "open": found.status == Event.Status.PUBLISHED and found.ends_at > timezone.now() and not found.signups_closed,
        "editable": organiser and found.status != Event.Status.CANCELLED and found.ends_at > timezone.now(),
        "cancel_form": CancelForm() if organiser and found.status != Event.Status.CANCELLED else None,
    }
    return render(request, "events/event.html", context)


@login_required
@require_POST
def event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    try:
        services.event_publish(event=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The event is published."))
    return redirect(found)


@login_required
@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    form = CancelForm(request.POST)
    try:
        services.event_cancel(event=found, by=request.user, reason=form.data.get("reason", "")[:2000])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The event is cancelled."))
    return redirect(found)


@login_required
@require_POST
def signup(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    producer = services.producers_of(request.user).filter(pk=request.POST.get("producer") or 0).first()
    if producer is None:
        raise PermissionDenied(_("You do not act for this producer."))
    try:
        participation = services.participation_signup(event=found, producer=producer, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if participation.status == Participation.Status.ACCEPTED:
            messages.success(request, _("%(producer)s takes part.") % {"producer": producer.name})
        else:
            messages.success(request, _("Sign-up sent: the organiser will answer."))
    return redirect(found)


@login_required
@require_POST
def withdraw(request: HttpRequest, event_id: int, participation_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    participation = get_object_or_404(Participation, pk=participation_id, event=found)
    services.participation_withdraw(participation=participation, by=request.user)
    messages.success(request, _("%(producer)s no longer takes part.") % {"producer": participation.producer.name})
    return redirect(found)


@login_required
@require_POST
def decide(request: HttpRequest, event_id: int, participation_id: int) -> HttpResponse:
    found = _event_visible(request, event_id)
    participation = get_object_or_404(Participation.objects.select_related("event"), pk=participation_id, event=found)
    try:
        services.participation_decide(participation=participation, accept=request.POST.get("accept") == "1",
                                      by=request.user)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(found)


def _calendar(events: Any, *, name: str, filename: str) -> HttpResponse:
    response = HttpResponse(calendars.ical(events, name=name), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    return response


def calendar_all(request: HttpRequest) -> HttpResponse:
    return _calendar(services.upcoming(), name=_("Local food events"), filename="evenements")


def calendar_producer(request: HttpRequest, producer_id: int) -> HttpResponse:
    producer = get_object_or_404(Actor, pk=producer_id, is_producer=True)
    rows = services.upcoming().filter(participations__producer=producer,
                                      participations__status=Participation.Status.ACCEPTED)  # fmt: skip
    name = elided(_("Events of %(name)s") % {"name": producer.name}, producer.name)
    return _calendar(rows, name=name, filename=f"evenements-producteur-{producer.pk}")


def calendar_place(request: HttpRequest, place_id: int) -> HttpResponse:
    place = get_object_or_404(Place, pk=place_id)
    return _calendar(services.upcoming().filter(place=place), name=_("Events at %(name)s") % {"name": place.name},
                     filename=f"evenements-lieu-{place.pk}")  # fmt: skip


def map_features(request: HttpRequest) -> JsonResponse:
    """The coming public events as GeoJSON points, for the search map's layer beside the places: those in
    `bbox` (WEST,SOUTH,EAST,NORTH, the map's view) when asked, the 500 soonest."""
    box = None
    if request.GET.get("bbox"):
        try:
            box = parse_bbox("bbox", request.GET["bbox"])
        except InvalidParameter as exc:
            return JsonResponse({"error": {"code": "invalid", "message": str(exc)}}, status=400)
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [e.at_lon, e.at_lat]},  # type: ignore[attr-defined]
        "properties": {
            "id": e.pk, "title": e.title, "kind": e.get_kind_display(), "where": e.where,
            "when": when_said(e.starts_at, e.ends_at), "starts_at": e.starts_at.isoformat(),
            "ends_at": e.ends_at.isoformat(), "url": e.get_absolute_url(),
        },
    } for e in services.placed(services.upcoming(), box)[:500]]  # fmt: skip
    return JsonResponse({"type": "FeatureCollection", "features": features})


def map_layer() -> dict[str, str]:
    """The search map's layer of coming events (registered in the directory's extensions)."""
    return {"key": "events", "url": reverse("events:map"), "label": _("Upcoming events"), "details": _("See the event")}
