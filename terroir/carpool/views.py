"""Carpool pages: offer a trip, request a parcel, confirm a ride, record handovers on a phone, the delivery
note, the coordinators' eligibility table. What a person may not see is a 404 (services.trips_of/parcels_of)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import modelformset_factory
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terroir.accounts.people import names_of
from terroir.accounts.permissions import coordinator_required, is_coordinator
from terroir.directory.photos import image_clean
from terroir.directory.uploads import upload_limit

from . import eligibility, services
from .forms import (
    AcceptForm,
    CodeForm,
    EligibilityForm,
    EligibilityNewForm,
    HandoverForm,
    IncidentForm,
    ParcelForm,
    TripForm,
)
from .matchmaking import reliability
from .models import Eligibility, Handover, HandoverKind, Parcel, ParcelStatus, Ride
from .presenters import clock, insiders, reliability_said, ride_explained, unmatched_said


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    trips = list(services.trips_of(user).filter(driver=user).order_by("-day")[:50])
    sent = list(services.parcels_of(user).filter(sender=user).order_by("-day")[:50])
    incoming = list(services.parcels_of(user).filter(recipient=user).exclude(sender=user).order_by("-day")[:50])
    held = list(services.parcels_of(user).filter(holder=user).exclude(sender=user).exclude(
        status=ParcelStatus.DELIVERED).order_by("-day")[:50])  # fmt: skip
    return render(request, "carpool/home.html", {
        "trips": trips, "sent": sent, "incoming": incoming, "held": held, "coordinator": is_coordinator(user),
    })  # fmt: skip


@login_required
def trip_new(request: HttpRequest) -> HttpResponse:
    form = TripForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.trip_offer(by=request.user, organisation=form.cleaned_data["organisation"],
                                       **form.trip_fields())  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your trip is offered: parcels that fit it will be proposed to you."))
            return redirect(trip)
    return render(request, "carpool/trip_form.html", {"form": form})


@login_required
def trip(request: HttpRequest, trip_id: int) -> HttpResponse:
    found = services.trip_get(request.user, trip_id)
    rides = list(found.rides.select_related("parcel", "trip").order_by("-date", "pickup_at"))
    return render(request, "carpool/trip.html", {
        "trip": found, "rides": [(ride, ride_explained(ride)) for ride in rides],
        "reliability": reliability_said(reliability([found]).get(found.pk)),
        "manager": services.may_manage_trip(request.user, found),
        "days": ", ".join(str(WEEKDAYS[d]) for d in range(7) if found.weekdays & (1 << d)),
    })  # fmt: skip


@login_required
@require_POST
def trip_cancel(request: HttpRequest, trip_id: int) -> HttpResponse:
    found = services.trip_get(request.user, trip_id)
    services.trip_cancel(trip=found, by=request.user)
    messages.success(request, _("The trip is cancelled; its parcels look for another one."))
    return redirect(found)


@login_required
def parcel_new(request: HttpRequest) -> HttpResponse:
    form = ParcelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            parcel = services.parcel_request(
                by=request.user, recipient=form.cleaned_data["recipient"], category=form.cleaned_data["category"],
                organisation=form.cleaned_data["organisation"], **form.parcel_fields(),
            )  # fmt: skip
        except (services.Refused, ValidationError) as exc:
            form.add_error(None, str(exc) if isinstance(exc, services.Refused) else exc)
        else:
            return redirect(parcel)
    return render(request, "carpool/parcel_form.html", {"form": form})


def _parcel_context(request: HttpRequest, parcel: Parcel) -> dict[str, Any]:
    user = request.user
    ride = services.live_ride(parcel)
    pending = services.pending_handover(parcel)
    chain = list(parcel.handovers.select_related("giver", "taker", "acceptance", "acceptance__by").order_by("rank"))
    incidents = list(parcel.incidents.select_related("by", "holder"))
    # The people of the parcel's chain side by side: two who would read alike (their addresses masked alike)
    # are told apart (accounts.people.names_of), on the very objects the page names them by.
    names_of([
        parcel.sender, parcel.holder, ride.trip.driver if ride else None,
        *(p for h in chain for p in (h.giver, h.taker, h.acceptance.by if hasattr(h, "acceptance") else None)),
        *(p for i in incidents for p in (i.by, i.holder)), *((pending.giver, pending.taker) if pending else ()),
    ])  # fmt: skip
    return {
        "parcel": parcel, "ride": ride, "explained": ride_explained(ride) if ride else "", "insiders": insiders(parcel),
        "pickup_at": clock(ride.pickup_at) if ride else "",
        "reliability": reliability_said(reliability([ride.trip]).get(ride.trip.pk)) if ride else "",
        "unmatched": unmatched_said(parcel.unmatched_reason),
        "rule": eligibility.eligibility_of(parcel.category), "needed": eligibility.condition_needed(parcel),
        "chain": chain, "incidents": incidents,
        "pending": pending,
        "may_confirm": ride is not None and ride.status == "proposed" and (
            (user.pk == ride.trip.driver_id and ride.driver_confirmed_at is None)
            or (user.pk == parcel.sender_id and ride.sender_confirmed_at is None)
        ),
        "may_decline": ride is not None and user.pk in (ride.trip.driver_id, parcel.sender_id)
        and parcel.status in (ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED),
        "may_hand_over": parcel.holder_id == user.pk and pending is None
        and parcel.status in (ParcelStatus.CONFIRMED, ParcelStatus.ON_ITS_WAY),
        "may_accept": pending is not None and pending.taker_id == user.pk,
        "may_sign_with_code": pending is not None and pending.giver_id == user.pk and bool(parcel.recipient_email)
        and pending.kind == HandoverKind.DELIVERY,
        "code_form": CodeForm(prefix="code"),
        "may_cancel": parcel.sender_id == user.pk
        and parcel.status in (ParcelStatus.WAITING, ParcelStatus.PROPOSED, ParcelStatus.CONFIRMED),
        "handover_form": HandoverForm(initial={"kind": _next_kind(parcel), "place": _next_place(parcel)},
                                      prefix="handover"),
        "accept_form": AcceptForm(prefix="accept"), "incident_form": IncidentForm(prefix="incident"),
        "temperature": eligibility.temperature_required(parcel),
    }  # fmt: skip


def _next_kind(parcel: Parcel) -> str:
    return HandoverKind.PICKUP if parcel.status == ParcelStatus.CONFIRMED else HandoverKind.DELIVERY


def _next_place(parcel: Parcel) -> str:
    return parcel.origin if parcel.status == ParcelStatus.CONFIRMED else parcel.destination


@login_required
def parcel(request: HttpRequest, parcel_id: int) -> HttpResponse:
    found = services.parcel_get(request.user, parcel_id)
    return render(request, "carpool/parcel.html", _parcel_context(request, found))


@login_required
def parcel_note(request: HttpRequest, parcel_id: int) -> HttpResponse:
    found = services.parcel_get(request.user, parcel_id)
    return render(request, "carpool/note.html", _parcel_context(request, found))


@login_required
@require_POST
def parcel_cancel(request: HttpRequest, parcel_id: int) -> HttpResponse:
    found = services.parcel_get(request.user, parcel_id)
    try:
        services.parcel_cancel(parcel=found, by=request.user)
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(found)


def _ride(request: HttpRequest, ride_id: int) -> Ride:
    ride = get_object_or_404(Ride.objects.select_related("parcel", "trip"), pk=ride_id)
    services.parcel_get(request.user, ride.parcel_id)  # 404 for who may not see it
    return ride


@login_required
@require_POST
def ride_confirm(request: HttpRequest, ride_id: int) -> HttpResponse:
    ride = _ride(request, ride_id)
    try:
        services.ride_confirm(ride=ride, by=request.user)
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(ride.parcel)


@login_required
@require_POST
def ride_decline(request: HttpRequest, ride_id: int) -> HttpResponse:
    ride = _ride(request, ride_id)
    try:
        services.ride_decline(ride=ride, by=request.user)
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(ride.parcel)


def _taker(parcel: Parcel, kind: str, email: str) -> Any:
    if kind == HandoverKind.PICKUP:
        ride = services.live_ride(parcel)
        return ride.trip.driver if ride else None
    if kind == HandoverKind.DELIVERY:
        return parcel.recipient
    return get_user_model().objects.filter(email__iexact=email, is_active=True).first() if email else None


@login_required
@require_POST
@upload_limit("TERROIR_PHOTO_MAX_MB")
def handover(request: HttpRequest, parcel_id: int) -> HttpResponse:
    found = services.parcel_get(request.user, parcel_id)
    form = HandoverForm(request.POST, request.FILES, prefix="handover")
    if form.is_valid():
        data = form.cleaned_data
        try:
            photo = None
            if data["photo"]:
                upload = data["photo"]
                photo = services.Photo(image_clean(upload.open(), size=upload.size)[0])
            services.handover_record(
                parcel=found, by=request.user, kind=data["kind"], taker=_taker(found, data["kind"], data["taker"]),
                place=data["place"], state=data["state"], celsius=data["celsius"], photo=photo, note=data["note"],
            )  # fmt: skip
        except services.Refused as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Handover recorded: it waits for the taker's signature."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(found)


@login_required
@require_POST
def accept(request: HttpRequest, handover_id: int) -> HttpResponse:
    given = get_object_or_404(Handover, pk=handover_id)
    found = services.parcel_get(request.user, given.parcel_id)
    form = AcceptForm(request.POST, prefix="accept")
    if form.is_valid():
        try:
            services.handover_accept(handover=given, by=request.user, **form.cleaned_data)
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Signed: you are now responsible for the parcel."))
    return redirect(found)


@login_required
@require_POST
def accept_with_code(request: HttpRequest, handover_id: int) -> HttpResponse:
    given = get_object_or_404(Handover, pk=handover_id)
    found = services.parcel_get(request.user, given.parcel_id)
    form = CodeForm(request.POST, prefix="code")
    if form.is_valid():
        try:
            services.handover_accept_with_code(handover=given, by=request.user, **form.cleaned_data)
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Signed with the recipient's code: the parcel is delivered."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(found)


@login_required
@require_POST
def code_resend(request: HttpRequest, handover_id: int) -> HttpResponse:
    given = get_object_or_404(Handover, pk=handover_id)
    found = services.parcel_get(request.user, given.parcel_id)
    try:
        services.delivery_code_resend(handover=given, by=request.user)
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("A new code was sent to the recipient."))
    return redirect(found)


@login_required
@require_POST
def incident(request: HttpRequest, parcel_id: int) -> HttpResponse:
    found = services.parcel_get(request.user, parcel_id)
    form = IncidentForm(request.POST, prefix="incident")
    if form.is_valid():
        services.incident_record(parcel=found, by=request.user, **form.cleaned_data)
        messages.success(request, _("Incident recorded."))
    return redirect(found)


@login_required
def handover_photo(request: HttpRequest, handover_id: int) -> FileResponse:
    given = get_object_or_404(Handover, pk=handover_id)
    services.parcel_get(request.user, given.parcel_id)
    if not given.photo:
        raise Http404("no photo")
    return FileResponse(given.photo.open("rb"), content_type="image/jpeg")


@coordinator_required
def eligibility_table(request: HttpRequest) -> HttpResponse:
    Forms = modelformset_factory(Eligibility, form=EligibilityForm, extra=0)
    rows = Eligibility.objects.select_related("category").order_by("category__path")
    formset = Forms(request.POST or None, queryset=rows, prefix="rule")
    new = EligibilityNewForm(request.POST or None, prefix="new") if "new-category" in request.POST else None
    if request.method == "POST":
        if new is not None and new.is_valid():
            eligibility.eligibility_save(category=new.cleaned_data["category"], allowed=True,
                                         condition=new.cleaned_data["condition"], temperature_record=False,
                                         max_celsius=None, by=request.user)  # fmt: skip
            return redirect("carpool:eligibility")
        if new is None and formset.is_valid():
            for form in formset.forms:
                data = form.cleaned_data
                eligibility.eligibility_save(
                    category=form.instance.category, allowed=data["allowed"], condition=data["condition"],
                    temperature_record=data["temperature_record"], max_celsius=data["max_celsius"], by=request.user,
                )  # fmt: skip
            messages.success(request, _("The eligibility table is saved."))
            return redirect("carpool:eligibility")
    return render(request, "carpool/eligibility.html", {
        "formset": formset, "new": new or EligibilityNewForm(prefix="new"),
    })  # fmt: skip
