"""A person's organisations (adding one, asking for a role) and API tokens. Their space, claims, personal
data, the coordinators' queues and the audit log are terroir.contributions' pages (same URLs). Sign-up,
log-in and password reset are allauth's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from terroir.directory.forms import CommuneField, form_errors_add
from terroir.directory.models import BUYER_KINDS, Actor, Commune, Entity

from . import services
from .models import ApiToken
from .permissions import Role, is_member


class OrganisationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of your farm, shop or organisation"), max_length=200)
    role = forms.ChoiceField(
        label=gettext_lazy("You are"),
        choices=[
            (Role.PRODUCER.value, gettext_lazy("a producer")),
            (Role.BUYER.value, gettext_lazy("a buyer (shop, canteen, grocery, restaurant)")),
            (Role.CARRIER.value, gettext_lazy("a carrier (approved by a coordinator before you plan rounds)")),
        ],
        widget=forms.RadioSelect,
    )
    buyer_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of buyer"),
        required=False,
        choices=[("", "—"), *[(k.value, k.label) for k in BUYER_KINDS]],
    )
    commune = CommuneField(label=gettext_lazy("Commune"), help_text=gettext_lazy("Its name, or its INSEE code."))


class NameForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What the key is for (a partner site…)"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices)


@login_required
def organisation_new(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        commune = Commune.objects.filter(code=data["commune"]).first() if data["commune"] else None
        try:
            actor = services.organisation_create(
                user=request.user, name=data["name"], role=data["role"], commune=commune,
                buyer_kind=data["buyer_kind"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Your organisation is in the directory. Complete its profile."))
            if data["role"] == Role.CARRIER:
                messages.info(request, _("A coordinator will check your request to be a carrier."))
            return redirect("directory:entry_edit", entity=Entity.ACTOR, entity_id=actor.pk)
    return render(request, "accounts/organisation_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def role_request(request: HttpRequest, actor_id: int) -> HttpResponse:
    """A member asks that their organisation be a carrier."""
    actor = get_object_or_404(Actor, pk=actor_id)
    if not is_member(request.user, actor):
        raise Http404("not your organisation")
    try:
        services.role_request(
            user=request.user, actor=actor, role=request.POST.get("role", ""), message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request is sent: a coordinator will check it."))
    return redirect("accounts:space")


@login_required
def name(request: HttpRequest) -> HttpResponse:
    """The name the person gives the others (a driver, a sender, a group's members): shown instead of their
    login, which is made from their e-mail address (accounts.people.name_of)."""
    user: Any = request.user
    form = NameForm(request.POST or None, initial={"first_name": user.first_name, "last_name": user.last_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.name_set(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Your name is saved."))
            return redirect("accounts:space")
    return render(request, "accounts/name.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        form = TokenForm()
    context = {"tokens": ApiToken.objects.filter(user_id=user.pk), "form": form, "new_key": new_key}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The key is revoked: it no longer works."))
    return redirect("accounts:tokens")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The header's language switcher (and the choice on the person's space): Django's set_language — the
    cookie and the way back — and, for a person signed in, the language Terroir writes to them in."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.language_set(user=request.user, language=language)
        if request.POST.get("saved"):
            # The space's form says so, as the other forms do; in the language chosen, which the next page
            # speaks (a message is rendered to text when stored, so the current language would be the old one).
            with translation.override(language):
                messages.success(request, _("Your language is saved."))
    return response
