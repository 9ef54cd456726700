"""The needs board pages: the board, a need (the buyer's view with matches and answers side by side, a
producer's view with the answer form), the buyer's form, and the inbox."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.forms import (
    MONTHS,
    WEEKDAYS,
    CommuneField,
    commune_find,
    commune_text,
    date_input,
    form_errors_add,
)
from terroir.directory.models import BUYER_KINDS, Actor, Category, Commune, Label, Place
from terroir.directory.numbers import UNIT_SINGULAR
from terroir.directory.taxonomy import REQUIREMENT_CHOICES

from . import services
from .models import Alert, Answer, AnswerShare, Frequency, Need, Unit

BUYER_KIND_VALUES = {k.value for k in BUYER_KINDS}


def _bits(values: list[str]) -> int:
    return sum(1 << int(v) for v in values)


def _unbits(bits: int, size: int) -> list[str]:
    return [str(i) for i in range(size) if bits & (1 << i)]


class NeedForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Category.objects.order_by("path"), to_field_name="slug"
    )
    quantity = forms.DecimalField(label=gettext_lazy("Quantity per delivery"), max_digits=10, decimal_places=2)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Unit.choices)
    frequency = forms.ChoiceField(label=gettext_lazy("Frequency"), choices=Frequency.choices)
    months = forms.MultipleChoiceField(
        label=gettext_lazy("Months (none: all year)"), choices=MONTHS, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    start_date = forms.DateField(label=gettext_lazy("From"), required=False, widget=date_input())
    delivery_place = forms.ModelChoiceField(
        label=gettext_lazy("Delivery place"), queryset=Place.objects.none(), required=False,
        empty_label=gettext_lazy("A new place (below)"),
    )  # fmt: skip
    # A new delivery place, when none of the buyer's fits: it starts at the organisation's address and
    # position, and the pin on the map says where the lorry stops.
    place_name = forms.CharField(label=gettext_lazy("Name of the new place"), required=False, max_length=200)
    place_address = forms.CharField(label=gettext_lazy("Its address"), required=False, max_length=255)
    place_commune = CommuneField(
        label=gettext_lazy("Its commune"), required=False,
        help_text=gettext_lazy("Its name, or its INSEE code (63003 for Ambert)."),
    )  # fmt: skip
    place_lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    place_lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    # Set by the map's script when the person moves the pin: otherwise the typed address is geocoded.
    place_pinned = forms.BooleanField(required=False, widget=forms.HiddenInput)
    delivery_weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Delivery days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    window_start = forms.TimeField(
        label=gettext_lazy("Deliveries from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    window_end = forms.TimeField(
        label=gettext_lazy("Deliveries until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    max_km = forms.IntegerField(label=gettext_lazy("How far “local” may be (km by road)"), initial=80)
    labels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Required labels"), queryset=Label.objects.order_by("name_fr"), to_field_name="slug",
        required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    requirements = forms.MultipleChoiceField(
        label=gettext_lazy("Requirements"), required=False, widget=forms.CheckboxSelectMultiple
    )
    price = forms.DecimalField(
        label=gettext_lazy("Indicative price (€ per unit)"), required=False, max_digits=10, decimal_places=2
    )
    description = forms.CharField(
        label=gettext_lazy("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(
        label=gettext_lazy("Visible to visitors (otherwise to signed-in people only)"), required=False, initial=True
    )

    PLACE_FIELDS = ("place_name", "place_address", "place_commune", "place_lat", "place_lon", "place_pinned")

    def __init__(self, *args: Any, buyer: Actor, buyers: list[Actor] | None = None, **kwargs: Any):
        places = Place.objects.filter(operator=buyer).order_by("name")
        lat, lon = services.delivery_position(buyer=buyer, address=buyer.address)
        kwargs["initial"] = {
            "place_name": buyer.name, "place_address": buyer.address, "place_commune": commune_text(buyer.commune_id),
            "place_lat": lat, "place_lon": lon, **kwargs.get("initial", {}),
        }  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["delivery_place"].queryset = places  # type: ignore[attr-defined]
        self.fields["requirements"].choices = REQUIREMENT_CHOICES  # type: ignore[attr-defined]
        if buyers is not None and len(buyers) > 1:
            # Only the organisations the person belongs to: another one's id is refused as not a choice.
            self.fields["buyer"] = forms.ModelChoiceField(
                label=gettext_lazy("Published by"),
                queryset=Actor.objects.filter(pk__in=[b.pk for b in buyers]).order_by("name"),
                initial=buyer.pk,
                widget=forms.HiddenInput,  # chosen above the form, where it changes the places offered
            )

    def place_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PLACE_FIELDS]

    def other_fields(self) -> list[forms.BoundField]:
        return [f for f in self if f.name not in (*self.PLACE_FIELDS, "delivery_place")]

    def values(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in (*self.PLACE_FIELDS, "buyer")}
        data["months"] = _bits(data["months"]) or 4095
        data["delivery_weekdays"] = _bits(data["delivery_weekdays"])
        return data

    def new_place(self) -> services.NewPlace | None:
        """The new delivery place, when no place is chosen and the new one is named."""
        data = self.cleaned_data
        if data.get("delivery_place") is not None or not (data.get("place_name") or "").strip():
            return None
        commune = Commune.objects.filter(code=data["place_commune"]).first() if data.get("place_commune") else None
        return services.NewPlace(
            name=data["place_name"], address=data.get("place_address") or "", commune=commune,
            lat=data.get("place_lat") if data.get("place_pinned") else None,
            lon=data.get("place_lon") if data.get("place_pinned") else None,
        )  # fmt: skip

    @staticmethod
    def initial_of(need: Need) -> dict[str, Any]:
        return {
            **{name: getattr(need, name) for name in services.NEED_FIELDS if name not in ("labels", "category")},
            "category": need.category.slug,
            "months": [] if need.months == 4095 else _unbits(need.months, 12),
            "delivery_weekdays": _unbits(need.delivery_weekdays, 7),
            "labels": list(need.labels.values_list("slug", flat=True)),
        }


class AnswerForm(forms.Form):
    producer = forms.ModelChoiceField(label=gettext_lazy("For"), queryset=Actor.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Answer"), choices=Answer.Kind.choices, widget=forms.RadioSelect)
    price = forms.DecimalField(label=gettext_lazy("Price (€ per unit)"), required=False)
    volume = forms.DecimalField(label=gettext_lazy("Volume per delivery"), required=False)
    first_delivery = forms.DateField(label=gettext_lazy("First delivery"), required=False, widget=date_input())
    reason = forms.CharField(label=gettext_lazy("If not, why"), required=False, max_length=300)
    message = forms.CharField(
        label=gettext_lazy("Message"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, producers: list[Actor], unit: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        if unit:  # the need's own unit: a price per kg, not "per unit" that could be read per crate
            words = {"unit": UNIT_SINGULAR.get(unit, unit)}
            self.fields["price"].label = _("Price (€ per %(unit)s)") % words
            self.fields["volume"].label = _("Volume per delivery (%(unit)s)") % words
        field = self.fields["producer"]
        field.queryset = Actor.objects.filter(pk__in=[p.pk for p in producers])  # type: ignore[attr-defined]
        if len(producers) == 1:
            field.initial = producers[0].pk


def board(request: HttpRequest) -> HttpResponse:
    """Open needs, filtered by product, kind of buyer, and distance by road from a commune; `?for=me`: those
    the matching found the person's producers fit (the producers' menu links there)."""
    needs = services.needs_open(user=request.user)
    for_me = request.GET.get("for") == "me"
    if for_me:
        needs = needs.filter(matches__producer_id__in=actor_ids_of(request.user)).distinct()
    category = request.GET.get("category", "")
    kind = request.GET.get("kind", "")
    near = request.GET.get("commune", "").strip()
    error = ""
    if category:
        found = Category.objects.filter(slug=category).first()
        needs = needs.filter(category__path__startswith=found.path) if found else needs.none()
    if kind:
        needs = needs.filter(buyer__buyer_kind=kind) if kind in BUYER_KIND_VALUES else needs.none()
    try:
        radius = min(1000, max(1, int(request.GET.get("radius_km") or 50)))
    except ValueError:
        radius, error = 50, _("The distance must be a whole number of kilometres.")
    rows = list(needs[:500])
    if near:
        try:
            code = commune_find(near)
        except ValidationError as exc:
            code, error = None, " ".join(exc.messages)
        commune = Commune.objects.filter(code=code).first() if code else None
        if commune is not None and commune.lat is not None and commune.lon is not None:
            rows = [n for n in rows if _within(n, commune.lat, commune.lon, radius)]
    context = {
        "needs": rows[:200], "categories": Category.objects.order_by("path"), "category": category,
        "kinds": [(k.value, k.label) for k in BUYER_KINDS], "kind": kind, "commune": near, "radius_km": radius,
        "error": error, "for_me": for_me,
    }  # fmt: skip
    return render(request, "needs/board.html", context, status=400 if error else 200)


def _within(need: Need, lat: float, lon: float, radius: float) -> bool:
    place = need.delivery_place
    if place is None or place.lat is None or place.lon is None:
        return False
    return services.road_km(lat, lon, place.lat, place.lon) <= radius


def _buyers_of(user: Any) -> list[Actor]:
    return list(Actor.objects.filter(id__in=actor_ids_of(user), is_buyer=True).order_by("name"))


@login_required
def need_new(request: HttpRequest) -> HttpResponse:
    """A new need, in the name of one of the person's buyer organisations (chosen when they have several:
    `?buyer=` switches the form's places; the posted `buyer` must be one of theirs)."""
    buyers = _buyers_of(request.user)
    if not buyers:
        messages.info(request, _("Add your shop, canteen or grocery first: needs are published in its name."))
        return redirect("accounts:organisation_new")
    wanted = request.POST.get("buyer") or request.GET.get("buyer")
    buyer = next((b for b in buyers if str(b.pk) == wanted), buyers[0])
    return _need_form(request, buyer=buyer, need=None, buyers=buyers)


@login_required
def need_edit(request: HttpRequest, need_id: int) -> HttpResponse:
    need = get_object_or_404(Need, pk=need_id)
    if not services.can_manage(request.user, need):
        raise PermissionDenied(_("You do not act for this buyer."))
    return _need_form(request, buyer=need.buyer, need=need)


def _need_form(
    request: HttpRequest, *, buyer: Actor, need: Need | None, buyers: list[Actor] | None = None
) -> HttpResponse:
    initial = NeedForm.initial_of(need) if need else {"delivery_weekdays": ["0", "1", "2", "3", "4"]}
    form = NeedForm(request.POST or None, buyer=buyer, buyers=buyers, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                need = services.need_save(
                    buyer=buyer, by=request.user, values=form.values(), need=need, new_place=form.new_place()
                )
                if "publish" in request.POST:
                    matches = services.need_publish(need=need, by=request.user)
                    messages.success(
                        request,
                        ngettext("Published: %(n)s producer fits.", "Published: %(n)s producers fit.", len(matches))
                        % {"n": len(matches)},
                    )
                else:
                    messages.success(request, _("Draft saved."))
                return redirect(need)
            except ValidationError as exc:
                form_errors_add(form, exc)
    context = {"form": form, "buyer": buyer, "need": need, "buyers": buyers or []}
    return render(request, "needs/need_form.html", context, status=status)


def need(request: HttpRequest, need_id: int) -> HttpResponse:
    found = get_object_or_404(Need.objects.select_related("buyer", "category", "delivery_place__commune"), pk=need_id)
    return _need_page(request, found)


def _need_page(
    request: HttpRequest, found: Need, *, answer_form: AnswerForm | None = None, status: int = 200
) -> HttpResponse:
    """The need's page; `answer_form`: the producer's answer as sent and refused, with its errors by field."""
    manager = services.can_manage(request.user, found)
    if found.status == Need.Status.DRAFT and not manager:
        raise Http404("no such need")
    if not found.public and not request.user.is_authenticated:
        return redirect(f"/account/login/?next={found.get_absolute_url()}")
    producers = services.producers_of(request.user)
    answers = list(found.answers.select_related("producer", "producer__commune").prefetch_related("shares__producer"))
    mine = [a for a in answers if a.producer_id in {p.pk for p in producers}]
    context: dict[str, Any] = {
        "need": found,
        "manager": manager,
        "labels": list(found.labels.all()),
        "requirements": [services.requirement_names().get(r, r) for r in found.requirements],
        "weekdays": [str(label) for value, label in WEEKDAYS if found.delivery_weekdays & (1 << int(value))],
        "months": [str(label) for value, label in MONTHS if found.months & (1 << int(value))],
        "mine": mine,
        "warnings": [
            w
            for a in mine
            if a.kind != Answer.Kind.DECLINED
            if (w := services.dependence_warning(need=found, producer=a.producer, volume=a.volume))
        ],
        "shortlisted_me": any(a.shortlisted for a in mine),
        "invitations": list(services.shares_for(request.user).filter(answer__need=found)),
    }
    if manager:
        matches = list(found.matches.select_related("producer", "producer__commune"))
        by_producer = {a.producer_id: a for a in answers}
        context["matches"] = [(m, by_producer.get(m.producer_id), services.match_words(m)) for m in matches]
        context["answers"] = [(a, services.contacts_shared(a), services.acceptance_refusal(a)) for a in answers]
    if producers and found.status == Need.Status.OPEN:
        # Changing one's answer starts from it (its first delivery too, in the date input's ISO form).
        sent = mine[0] if len(mine) == 1 else None
        initial = (
            {"producer": sent.producer_id, "kind": sent.kind, "price": sent.price, "volume": sent.volume,
             "first_delivery": sent.first_delivery, "reason": sent.reason}
            if sent else None
        )  # fmt: skip
        context["answer_form"] = answer_form or AnswerForm(producers=producers, unit=found.unit, initial=initial)
    return render(request, "needs/need.html", context, status=status)


@login_required
@require_POST
def answer(request: HttpRequest, need_id: int) -> HttpResponse:
    found = get_object_or_404(Need, pk=need_id)
    producers = services.producers_of(request.user)
    form = AnswerForm(request.POST, producers=producers, unit=found.unit)
    if not producers:
        raise PermissionDenied(_("You do not act for a producer."))
    if form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.answer_submit(
                need=found, producer=data["producer"], by=request.user, kind=data["kind"], price=data["price"],
                volume=data["volume"], first_delivery=data["first_delivery"], reason=data["reason"],
                message=data["message"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Your answer is sent to the buyer."))
            if sent.kind != Answer.Kind.DECLINED:
                warning = services.dependence_warning(need=found, producer=sent.producer, volume=sent.volume)
                if warning:
                    messages.warning(request, warning)
            return redirect(found)
    if found.status != Need.Status.OPEN:  # no answer form on its page: the errors said on top
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(found)
    # Refused: the page again with what was typed, each error under its field (not a message at the top
    # over an emptied form).
    return _need_page(request, found, answer_form=form, status=400)


@login_required
@require_POST
def shortlist(request: HttpRequest, answer_id: int) -> HttpResponse:
    found = get_object_or_404(Answer.objects.select_related("need"), pk=answer_id)
    try:
        services.answer_shortlist(answer=found, by=request.user, on=request.POST.get("on", "1") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(found.need)


@login_required
@require_POST
def need_publish(request: HttpRequest, need_id: int) -> HttpResponse:
    found = get_object_or_404(Need, pk=need_id)
    try:
        matches = services.need_publish(need=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("Published: %(n)s producer fits.", "Published: %(n)s producers fit.", len(matches))
            % {"n": len(matches)},
        )
    return redirect(found)


@login_required
@require_POST
def need_close(request: HttpRequest, need_id: int) -> HttpResponse:
    """Closing is final (the producers who answered are told): the outcome is chosen, never preselected,
    then confirmed on a page of its own."""
    found = get_object_or_404(Need, pk=need_id)
    if not services.can_manage(request.user, found):
        raise PermissionDenied(_("You do not act for this buyer."))
    outcome = request.POST.get("outcome", "")
    if outcome not in Need.Outcome.values:
        messages.error(request, _("Choose how the need ended before closing it."))
        return redirect(found)
    if request.POST.get("confirm") != "1":
        label = Need.Outcome(outcome).label
        context = {"need": found, "outcome": outcome, "outcome_label": label, "answered": found.answers.count()}
        return render(request, "needs/need_close.html", context)
    try:
        services.need_close(need=found, by=request.user, outcome=outcome)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The need is closed."))
    return redirect(found)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = services.inbox_read(user=request.user)
    mine = Need.objects.filter(buyer_id__in=actor_ids_of(request.user)).select_related("category")
    if is_coordinator(request.user) and not mine.exists():
        mine = Need.objects.none()
    return render(request, "needs/inbox.html", {"notes": notes, "my_needs": mine[:50]})


class AlertForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products (none ticked: those of my farm)"), queryset=Category.objects.order_by("path"),
        to_field_name="slug", required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    radius_km = forms.IntegerField(label=gettext_lazy("Within (km by road)"), min_value=1, max_value=1000)
    email_on_match = forms.BooleanField(label=gettext_lazy("An e-mail as soon as a need fits my farm"), required=False)
    digest = forms.BooleanField(label=gettext_lazy("A weekly e-mail of the new needs around me"), required=False)


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    producers = services.producers_of(request.user)
    if not producers:
        raise PermissionDenied(_("You do not act for a producer."))
    chosen = next((p for p in producers if str(p.pk) == request.GET.get("producer")), producers[0])
    user: Any = request.user
    alert = Alert.objects.filter(user=user, producer=chosen).first()
    initial = (
        {"categories": [c.slug for c in alert.categories.all()], "radius_km": alert.radius_km,
         "email_on_match": alert.email_on_match, "digest": alert.digest}
        if alert else {"radius_km": 80, "email_on_match": True, "digest": True}
    )  # fmt: skip
    form = AlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.alert_save(
            user=request.user, producer=chosen, categories=list(data["categories"]), radius_km=data["radius_km"],
            email_on_match=data["email_on_match"], digest=data["digest"],
        )  # fmt: skip
        messages.success(request, _("Your alerts are saved."))
        return redirect(f"{request.path}?producer={chosen.pk}")
    return render(request, "needs/alerts.html", {"form": form, "producers": producers, "producer": chosen})


@login_required
def conversation(request: HttpRequest, answer_id: int) -> HttpResponse:
    found = get_object_or_404(Answer.objects.select_related("need", "need__buyer", "producer"), pk=answer_id)
    if not services.can_converse(request.user, found):
        raise PermissionDenied(_("This conversation is not yours."))
    if request.method == "POST":
        try:
            services.message_send(answer=found, by=request.user, body=request.POST.get("body", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.path)
    thread = found.messages.select_related("author")
    return render(request, "needs/conversation.html", {"answer": found, "thread": thread})


def _member_candidates(answer: Answer, user: Any) -> list[dict[str, Any]]:
    """Who may join a joint answer from the form: the producers the matching found, those who answered,
    the members already in, and the person's own producers. Each with its name, and its commune when
    another has the same name (two "Jardins des Chaumes" a farmer could not tell apart)."""
    need = answer.need
    ids = {
        *need.matches.values_list("producer_id", flat=True), *need.answers.values_list("producer_id", flat=True),
        *answer.shares.values_list("producer_id", flat=True), *actor_ids_of(user),
    }  # fmt: skip
    found = list(Actor.objects.filter(pk__in=ids, is_producer=True).select_related("commune").order_by("name"))
    names = Counter(a.name for a in found)
    return [
        {"pk": a.pk, "name": f"{a.name} ({a.commune.name})" if names[a.name] > 1 and a.commune else a.name}
        for a in found
    ]


@login_required
def members(request: HttpRequest, answer_id: int) -> HttpResponse:
    """The lead producer shares the offer's volume among the members of a joint answer (rows of producer
    and share; an empty row is ignored, no row at all makes it the lead's answer alone)."""
    found = get_object_or_404(Answer.objects.select_related("need", "need__buyer", "producer"), pk=answer_id)
    if not services.can_lead(request.user, found):
        raise PermissionDenied(_("Only the lead producer changes a joint answer."))
    shares = services.members_of(found)
    rows: list[tuple[str, str]] = [(str(s.producer_id), str(s.volume)) for s in shares]
    error = ""
    if request.method == "POST":
        posted = list(zip(request.POST.getlist("member"), request.POST.getlist("share"), strict=False))
        rows = [(m.strip(), v.strip()) for m, v in posted if m.strip() or v.strip()]
        try:
            if any(not m for m, _v in rows):
                raise ValidationError({"members": [_("Choose the producer of each share.")]})
            services.answer_members_set(answer=found, by=request.user, shares=rows)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Joint answer saved: the members are asked to confirm their shares."))
            return redirect(found.need)
    elif not rows and found.volume is not None:
        rows = [(str(found.producer_id), str(found.volume))]
    context = {
        "answer": found, "need": found.need, "shares": shares, "error": error,
        "rows": rows + [("", "")] * 3, "candidates": _member_candidates(found, request.user),
    }  # fmt: skip
    return render(request, "needs/members.html", context, status=400 if error else 200)


@login_required
@require_POST
def share_confirm(request: HttpRequest, share_id: int) -> HttpResponse:
    found = get_object_or_404(AnswerShare.objects.select_related("answer__need", "answer__producer"), pk=share_id)
    if found.producer_id not in actor_ids_of(request.user):
        raise PermissionDenied(_("You do not act for this producer."))
    yes = request.POST.get("yes") == "1"
    try:
        services.answer_share_confirm(share=found, by=request.user, yes=yes)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your share is confirmed.") if yes else _("You left the joint answer."))
    return redirect(found.answer.need)
