"""A person's space (their organisations, claims, requests, what waits for them), claims to manage an
entry, the coordinators' queues (claims, role requests) and audit log, and the person's data (export,
erasure). They live under /account/space/ with the `accounts:` URL names, which terroir/urls.py keeps."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terroir.accounts import services as accounts_services
from terroir.accounts.models import Membership, RoleRequest
from terroir.accounts.people import name_of
from terroir.accounts.permissions import is_coordinator, roles_of
from terroir.accounts.ratelimit import rate_hit
from terroir.directory import editing
from terroir.directory.forms import form_errors_add
from terroir.directory.models import Actor, Entity, Place

from . import claims as claim_services
from . import personal_data, roles, suggestions
from .forms import ClaimForm, DeleteForm
from .models import AuditEntry, Claim
from .views import public_url


def _coordinator(request: HttpRequest) -> None:
    if not is_coordinator(request.user):
        raise PermissionDenied(_("This page is for the territory's coordinators."))


@login_required
def space(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("actor", "actor__commune"))
    actor_ids = [m.actor_id for m in memberships]
    alone_in = {a.pk for a in accounts_services.organisations_alone_in(user=user)}
    waiting = RoleRequest.objects.filter(actor_id__in=actor_ids, status=RoleRequest.Status.PENDING)
    pending = set(waiting.values_list("actor_id", flat=True))
    organisations = []
    for membership in memberships:
        actor = membership.actor
        places = list(Place.objects.filter(operator=actor).order_by("name"))
        organisations.append(
            {
                "actor": actor,
                "due": editing.verification_due(actor),
                "public_url": public_url(actor),
                "places": [(p, editing.verification_due(p)) for p in places],
                "alone": actor.pk in alone_in,
                "carrier_pending": actor.pk in pending,
            }
        )
    own_places = list(Place.objects.filter(operator_id__in=actor_ids))
    entries: list[editing.Entry] = [m.actor for m in memberships] + own_places
    context = {
        "organisations": organisations,
        "claims": Claim.objects.filter(user_id=user.pk).select_related("actor", "place")[:20],
        # Requests to manage a place one of the person's organisations runs: its members decide.
        "claims_to_decide": claim_services.claims_pending(operators=actor_ids) if actor_ids else [],
        "roles": roles_of(user),
        "name_shown": name_of(user),
        "pending_suggestions": len(suggestions.suggestions_pending(entries=entries)) if entries else 0,
        "coordinator": is_coordinator(user),
        "claims_waiting": Claim.objects.filter(status=Claim.Status.PENDING).count() if is_coordinator(user) else 0,
        "role_requests": RoleRequest.objects.filter(user_id=user.pk).select_related("actor")[:20],
        "roles_waiting": (
            RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).count() if is_coordinator(user) else 0
        ),
        "suggestions_waiting": len(suggestions.suggestions_pending()) if is_coordinator(user) else 0,
    }
    return render(request, "accounts/space.html", context)


@login_required
def claim_start(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    if entity not in Entity.values:
        raise Http404("unknown kind of entry")
    entry: editing.Entry = (
        get_object_or_404(Place, pk=entity_id) if entity == Entity.PLACE else get_object_or_404(Actor, pk=entity_id)
    )
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verdict = rate_hit(request, scope="claim", key=f"user:{request.user.pk}")
        if not verdict.allowed:
            messages.error(request, _("Too many requests: try again later."))
            return redirect("accounts:space")
        try:
            claim = claim_services.claim_request(
                user=request.user,
                entry=entry,
                message=form.cleaned_data["message"],
                link=lambda token: request.build_absolute_uri(reverse("accounts:claim_confirm", args=[token])),
            )
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("accounts:space")
        context = {
            "claim": claim,
            "masked": _masked(claim.sent_to) if _address_public(entry) else "",
            "operator": claim_services.organisation_of(entry) if not claim.sent_to else None,
            "place": isinstance(entry, Place),
        }
        return render(request, "accounts/claim_sent.html", context)
    return render(request, "accounts/claim.html", {"entry": entry, "form": form})


def _address_public(entry: editing.Entry) -> bool:
    """Whether the address the link went to is published in the directory anyway (the entry's own, or its
    operator's for a place without one). A private one is never shown, not even masked: the claimant may
    be anybody, and 'c•••@monts-du-forez.example.org' is enough to recognise somebody."""
    source = entry if entry.email or not isinstance(entry, Place) else entry.operator
    return source is not None and bool(source.contact_public)


def _masked(address: str) -> str:
    """c•••@monts-du-forez.example.org: enough to recognise one's address, not to harvest it."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


@login_required
def claim_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return render(request, "accounts/claim_confirm.html", {"token": token})
    try:
        claim = claim_services.claim_confirm(token=token, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:space")
    messages.success(request, _("Confirmed: you now manage %(name)s.") % {"name": claim.entry.name})
    return redirect("accounts:space")


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    return render(request, "accounts/claims.html", {"claims": claim_services.claims_pending()})


@login_required
@require_POST
def claim_decide(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Coordinators from their queue; an organisation's members from their space (claims of its places)."""
    claim = get_object_or_404(Claim.objects.select_related("place"), pk=claim_id)
    if not claim_services.claim_may_decide(user=request.user, claim=claim):
        raise PermissionDenied(_("Only a coordinator or the organisation's members decide on this request."))
    accept = request.POST.get("decision") == "accept"
    try:
        claim_services.claim_decide(claim=claim, by=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Request accepted.") if accept else _("Request rejected."))
    return redirect("accounts:claims" if is_coordinator(request.user) else "accounts:space")


@login_required
def role_requests(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    return render(request, "accounts/role_requests.html", {"requests": roles.role_requests_pending()})


@login_required
@require_POST
def role_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    _coordinator(request)
    asked = get_object_or_404(RoleRequest, pk=request_id)
    accept = request.POST.get("decision") == "accept"
    try:
        roles.role_request_decide(request=asked, by=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Request accepted.") if accept else _("Request rejected."))
    return redirect("accounts:role_requests")


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(personal_data.user_data_export(user=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="terroir-mes-donnees.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    alone_in = accounts_services.organisations_alone_in(user=request.user)
    form = DeleteForm(request.POST or None, alone_in=alone_in)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["password"]):
            form.add_error("password", _("This is not your password."))
        else:
            user = request.user
            try:
                personal_data.user_delete(user=user, successors=form.successors(), hand_over=form.hand_over())
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                logout(request)
                messages.success(request, _("Your account and your personal data are deleted."))
                return redirect("directory:home")
    context = {"form": form, "alone_in": alone_in, "is_coordinator": is_coordinator(request.user)}
    return render(request, "accounts/delete.html", context, status=400 if form.errors else 200)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    page = Paginator(AuditEntry.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page})
