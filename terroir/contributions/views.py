"""Pages where people change the directory: owners' editing, history with revert, suggestions from
visitors and the moderation queue. Permissions are checked here and again by the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from terroir.accounts.models import Membership
from terroir.accounts.permissions import actor_ids_of, can_edit, is_coordinator
from terroir.accounts.ratelimit import rate_hit
from terroir.directory import editing, presenters
from terroir.directory.forms import (
    REQUIREMENT_CHOICES,
    WEEKDAYS,
    EntryForm,
    PhotoForm,
    ProductFormSet,
    commune_text,
    form_errors_add,
    form_field_of,
    product_initial,
)
from terroir.directory.models import Actor, Category, Entity, Label, Photo, Place
from terroir.directory.uploads import upload_limit

from . import photos, revisions, suggestions, verification
from .forms import SuggestionForm
from .models import Revision, Suggestion
from .notify import suggestion_received


def _entry(entity: str, entity_id: int) -> editing.Entry:
    if entity not in Entity.values:
        raise Http404("unknown kind of entry")
    try:
        return editing.entry_get(entity, entity_id)
    except (Place.DoesNotExist, Actor.DoesNotExist):
        raise Http404("no such entry") from None


def _editable(request: HttpRequest, entity: str, entity_id: int) -> editing.Entry:
    entry = _entry(entity, entity_id)
    if not can_edit(request.user, entry):
        raise PermissionDenied(_("You may not edit this entry."))
    return entry


def public_url(entry: editing.Entry) -> str | None:
    if isinstance(entry, Place):
        return entry.get_absolute_url()
    return entry.get_absolute_url() if entry.is_producer else None


def field_label(name: str) -> str:
    special = {"products": _("Products"), "photos": _("Photos"), "verified_at": _("Last verified")}
    if name in special:
        return special[name]
    try:
        return str(form_field_of(name).label)
    except KeyError:
        return name


def value_text(name: str, value: Any, *, with_code: bool = False) -> str:
    """A revision's JSON value as people read it, in their language. Opening hours read as the public
    pages say them; `with_code` adds the OSM expression beside the prose, for a page that shows the
    expression elsewhere (the edit form's own field)."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "commune":
        return commune_text(value)
    if name == "opening_hours" and isinstance(value, str):
        said = presenters.hours_text(value)
        return f"{said} ({value})" if with_code and said != value else said
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "products":
        names = {c.slug: c.name for c in Category.objects.filter(slug__in=[p["category"] for p in value])}
        label_names = {label.slug: label.name for label in Label.objects.all()}
        parts = []
        for item in value:
            text = names.get(item["category"], item["category"])
            if item.get("labels"):
                text += " (" + ", ".join(label_names.get(s, s) for s in item["labels"]) + ")"
            parts.append(text)
        return "; ".join(parts)
    if name == "photos":
        return ngettext("%(n)s photo", "%(n)s photos", len(value)) % {"n": len(value)}
    if name == "delivery_weekdays":
        return ", ".join(str(label) for day, label in WEEKDAYS if value & (1 << int(day))) or "—"
    if name == "requirements":
        names = {code: str(label) for code, label in REQUIREMENT_CHOICES}
        return ", ".join(names.get(code, code) for code in value)
    return str(value)


def diff_rows(changes: dict[str, list[Any]]) -> list[dict[str, str]]:
    return [
        {"field": field_label(name), "old": value_text(name, old), "new": value_text(name, new)}
        for name, (old, new) in changes.items()
    ]


def _edit_context(entry: editing.Entry, form: EntryForm, **extra: Any) -> dict[str, Any]:
    entity = editing.entity_of(entry)
    return {
        "entry": entry,
        "entity": entity,
        "form": form,
        "public_url": public_url(entry),
        "photos": Photo.objects.filter(**{"place" if entity == Entity.PLACE else "actor": entry, "removed_at": None}),
        "photo_form": PhotoForm(),
        "verification_due": editing.verification_due(entry),
        "pending": suggestions.suggestions_pending(entries=[entry]),
        "is_actor": isinstance(entry, Actor),
        **extra,
    }


@login_required
def entry_edit(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    entry = _editable(request, entity, entity_id)
    if request.method != "POST":
        form = EntryForm(entry=entry, initial={"version": editing.version_of(entry)})
        return render(request, "directory/edit.html", _edit_context(entry, form))
    form = EntryForm(request.POST, entry=entry)
    status = 400
    if form.is_valid():
        try:
            revision = revisions.entry_edit(
                entry=entry, changes=form.changes(), by=request.user, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        except revisions.EditConflict as conflict:
            # Keep what the person typed, tell them what changed meanwhile; saving again is a choice.
            data = request.POST.copy()
            data["version"] = editing.version_of(editing.entry_get(entity, entity_id))
            form = EntryForm(data, entry=entry)
            form.is_valid()
            rows = [
                {"field": field_label(n), "current": value_text(n, conflict.current.get(n), with_code=True)}
                for n in conflict.changed
            ]
            context = _edit_context(entry, form, conflict=conflict, conflict_rows=rows)
            return render(request, "directory/edit.html", context, status=409)
        else:
            if revision is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Saved. The change is public now."))
            return redirect("directory:entry_edit", entity=entity, entity_id=entity_id)
    return render(request, "directory/edit.html", _edit_context(entry, form), status=status)


@login_required
def products_edit(request: HttpRequest, entity_id: int) -> HttpResponse:
    entry = _editable(request, Entity.ACTOR, entity_id)
    assert isinstance(entry, Actor)
    version = request.POST.get("version") or editing.version_of(entry)
    if request.method != "POST":
        formset = ProductFormSet(initial=product_initial(editing.products_of(entry)), prefix="p")
        return render(request, "directory/products.html", {"entry": entry, "formset": formset, "version": version})
    formset = ProductFormSet(request.POST, prefix="p")
    if formset.is_valid():
        products = [p for p in (form.product() for form in formset.forms) if p is not None]
        try:
            revisions.entry_edit(entry=entry, changes={"products": products}, by=request.user, version=version)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except revisions.EditConflict:
            messages.error(request, _("Somebody changed this entry meanwhile: here it is as it is now."))
            return redirect("directory:products_edit", entity_id=entity_id)
        else:
            messages.success(request, _("Products saved."))
            return redirect("directory:products_edit", entity_id=entity_id)
    context = {"entry": entry, "formset": formset, "version": version}
    return render(request, "directory/products.html", context, status=400)


@login_required
@require_POST
@upload_limit("TERROIR_PHOTO_MAX_MB")
def photo_upload(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    entry = _editable(request, entity, entity_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["image"]
        try:
            photos.photo_add(
                entry=entry, data=upload, size=upload.size, caption=form.cleaned_data["caption"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, _("Photo refused: %(why)s") % {"why": " ".join(exc.messages)})
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("directory:entry_edit", entity=entity, entity_id=entity_id)


@login_required
@require_POST
def photo_remove(request: HttpRequest, entity: str, entity_id: int, photo_id: int) -> HttpResponse:
    entry = _editable(request, entity, entity_id)
    keep = [pk for pk in editing.photos_of(entry) if pk != photo_id]
    revisions.entry_edit(entry=entry, changes={"photos": keep}, by=request.user, version=None)
    messages.success(request, _("Photo removed."))
    return redirect("directory:entry_edit", entity=entity, entity_id=entity_id)


@login_required
@require_POST
def entry_verify(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    entry = _editable(request, entity, entity_id)
    verification.entry_verify(entry=entry, by=request.user)
    messages.success(request, _("Thank you: the entry is marked as checked today."))
    return redirect("directory:entry_edit", entity=entity, entity_id=entity_id)


@login_required
def history(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    entry = _editable(request, entity, entity_id)
    rows = [(r, diff_rows(r.changes)) for r in revisions.revisions_of(entry)]
    return render(request, "directory/history.html", {"entry": entry, "entity": entity, "revisions": rows})


@login_required
@require_POST
def revision_revert(request: HttpRequest, revision_id: int) -> HttpResponse:
    revision = get_object_or_404(Revision, pk=revision_id)
    entry = _editable(request, revision.entity, revision.entity_id)
    try:
        revisions.revision_revert(revision=revision, by=request.user)
    except revisions.RevertRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The change was undone."))
    return redirect("directory:history", entity=editing.entity_of(entry), entity_id=entry.pk)


def suggest(request: HttpRequest, entity: str, entity_id: int) -> HttpResponse:
    """Anybody, signed in or not, may suggest a correction or report a closed place."""
    entry = _entry(entity, entity_id)
    if request.method != "POST":
        return render(request, "directory/suggest.html", {"entry": entry, "form": SuggestionForm(entry=entry)})
    verdict = rate_hit(request, scope="suggestion")
    if not verdict.allowed:
        response = render(
            request, "directory/suggest.html", {"entry": entry, "form": SuggestionForm(entry=entry), "limited": True},
            status=429,
        )  # fmt: skip
        response["Retry-After"] = str(verdict.retry_after)
        return response
    form = SuggestionForm(request.POST, entry=entry)
    if form.is_valid():
        proposal = suggestions.SuggestionInput(
            changes=form.changes(), kind=form.kind(), comment=form.cleaned_data["comment"],
            email=form.cleaned_data["email"], against=form.against(), version=form.cleaned_data["version"],
        )  # fmt: skip
        try:
            suggestion = suggestions.suggestion_submit(entry=entry, proposal=proposal, by=request.user)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            owners = list(
                Membership.objects.filter(actor_id__in=_owner_actor_ids(entry)).values_list("user__email", flat=True)
            )
            suggestion_received(
                suggestion, entry=entry, owners=owners, url=request.build_absolute_uri(reverse("directory:moderation"))
            )
            return render(request, "directory/suggest_thanks.html", {"entry": entry, "public_url": public_url(entry)})
    return render(request, "directory/suggest.html", {"entry": entry, "form": form}, status=400)


def _owner_actor_ids(entry: editing.Entry) -> list[int]:
    if isinstance(entry, Actor):
        return [entry.pk]
    return [entry.operator_id] if entry.operator_id else []


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Coordinators see every pending suggestion; owners those about their entries."""
    return _moderation_page(request)


def _moderation_page(request: HttpRequest, *, confirm: int | None = None, status: int = 200) -> HttpResponse:
    if is_coordinator(request.user):
        pending = suggestions.suggestions_pending()
    else:
        ids = actor_ids_of(request.user)
        entries: list[editing.Entry] = [*Actor.objects.filter(id__in=ids), *Place.objects.filter(operator_id__in=ids)]
        pending = suggestions.suggestions_pending(entries=entries)
    places = Place.objects.in_bulk([s.entity_id for s in pending if s.entity == Entity.PLACE])
    actors = Actor.objects.in_bulk([s.entity_id for s in pending if s.entity == Entity.ACTOR])
    rows = []
    for suggestion in pending:
        entry = (places if suggestion.entity == Entity.PLACE else actors).get(suggestion.entity_id)
        if entry is None:
            continue
        # The value now is read again: the owner may have changed the field since the suggestion.
        now = editing.values_of(entry, [n for n in suggestion.changes if n in editing.fields_of(entry)])
        diff = [
            {
                "field": field_label(name), "old": value_text(name, old), "new": value_text(name, new),
                "now": value_text(name, now.get(name, old)), "moved": name in now and now[name] != old,
            }
            for name, (old, new) in suggestion.changes.items()
        ]  # fmt: skip
        moved = any(d["moved"] for d in diff)
        # The version this page shows: a confirmation holds only while the entry is still so.
        version = editing.version_of(entry)
        rows.append({"suggestion": suggestion, "entry": entry, "diff": diff, "moved": moved, "version": version})
    return render(request, "directory/moderation.html", {"rows": rows, "confirm": confirm}, status=status)


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, suggestion_id: int, decision: str) -> HttpResponse:
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id)
    if not suggestions.can_moderate(request.user, suggestion):
        raise PermissionDenied(_("You may not moderate this entry."))
    try:
        if decision == "accept":
            confirm = request.POST.get("confirm") == "1"
            suggestions.suggestion_accept(
                suggestion=suggestion, by=request.user, confirm=confirm,
                confirmed_version=request.POST.get("version") if confirm else None,
            )  # fmt: skip
            messages.success(request, _("Suggestion accepted: the entry is updated."))
        else:
            suggestions.suggestion_reject(suggestion=suggestion, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Suggestion rejected."))
    except suggestions.SuggestionStale:
        messages.warning(
            request,
            _("The entry changed since this suggestion was made: compare the values and confirm to accept it."),
        )
        return _moderation_page(request, confirm=suggestion.pk, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("directory:moderation")
