"""Coordinators' pages: upload a source file, preview it, run the import with its
progress, read the run's report, work through the review queue (one pair or a batch), list the
automatic merges with their reasons and split one, see where each value comes from."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import coordinator_required
from terroir.contributions.audit import audit_record
from terroir.directory.background import task_error_text
from terroir.directory.fields import phone_display
from terroir.directory.models import Actor, Category, Label, LegalForm, Place, PlaceKind
from terroir.directory.presenters import hours_text
from terroir.directory.uploads import UploadRefused, upload_limit
from terroir.lib.geo import Precision, haversine_km
from terroir.lib.messages import Message

from .forms import UploadForm
from .jobs import import_start, import_state, upload_keep, upload_path
from .mapping import MappingError
from .merge import SINGLE_FIELDS
from .models import FieldOrigin, ImportRun, RecordPair, Source, SourceRecord
from .read import REPORT_COLUMNS, preview, preview_summary, report_read, report_text
from .review import (
    Decided,
    ReviewRefused,
    entry_merges_of,
    pair_reasons,
    record_pair_split,
    record_pairs_decide,
    trace_summary,
)
from .services import mapping_for

PREVIEW_ROWS = 20
PREVIEW_PROBLEMS = 200
SHOWN_FIELDS = ("ref", "name", "kind", "siret", "address", "postcode", "commune", "lat", "lon", "phone", "email",
                "website", "categories", "labels", "opening_hours")  # fmt: skip
COMPARED_FIELDS = ("name", "legal_form", "siret", "address", "postcode", "commune", "phone", "email", "website",
                   "kind", "categories", "labels", "opening_hours")  # fmt: skip

FIELD_LABELS = {
    "name": gettext_lazy("Name"), "legal_form": gettext_lazy("Legal form"), "siret": gettext_lazy("SIRET"),
    "address": gettext_lazy("Address"), "postcode": gettext_lazy("Postcode"), "commune": gettext_lazy("Commune"),
    "phone": gettext_lazy("Phone"), "email": gettext_lazy("Email address"), "website": gettext_lazy("Website"),
    "kind": gettext_lazy("Kind of place"), "categories": gettext_lazy("Products"), "labels": gettext_lazy("Labels"),
    "opening_hours": gettext_lazy("Opening hours"), "position": gettext_lazy("Position on the map"),
}  # fmt: skip
# The preview's columns are the directory's fields: named in the reader's language, the field's own name
# (what a mapping file writes) in each header's title.
PREVIEW_LABELS = FIELD_LABELS | {
    "ref": gettext_lazy("Identifier in the source"), "lat": gettext_lazy("Latitude"), "lon": gettext_lazy("Longitude"),
}  # fmt: skip


@coordinator_required
@upload_limit("TERROIR_IMPORT_MAX_MB")
def imports_home(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            _mapping, text = mapping_for(
                source=source, name=form.cleaned_data["mapping"], text=form.cleaned_data["mapping_file"]
            )
            token = upload_keep(file=form.cleaned_data["file"], mapping_text=text)
        except MappingError as error:
            form.add_error("mapping", _("Mapping: %(error)s") % {"error": error})
        except UploadRefused as error:
            form.add_error("file", str(error))
        else:
            request.session[f"import-{token}"] = {"source": source, "geocode": form.cleaned_data["geocode"]}
            return redirect("imports:preview", token=token)
    sources = Source.objects.annotate(
        record_count=Count("records"), missing_count=Count("records", filter=Q(records__missing=True))
    ).order_by("name")
    context = {
        "form": form,
        "sources": sources,
        "runs": ImportRun.objects.select_related("source")[:20],
        "review_count": RecordPair.objects.filter(status=RecordPair.Status.REVIEW).count(),
        "mapping_url": reverse("imports:mapping"),
    }
    return render(request, "imports/home.html", context, status=400 if form.errors else 200)


def _upload(request: HttpRequest, token: str) -> tuple[Any, dict[str, Any]]:
    options = request.session.get(f"import-{token}")
    if not options:
        raise Http404("unknown upload")
    try:
        path, text = upload_path(token)
    except UploadRefused:
        raise Http404("unknown upload") from None
    return path, options | {"mapping_text": text}


@coordinator_required
def upload_preview(request: HttpRequest, token: str) -> HttpResponse:
    path, options = _upload(request, token)
    mapping, text = mapping_for(source=options["source"], text=options["mapping_text"])
    if request.method == "POST":
        # Written before the import's thread starts: on SQLite a write from here while it runs would wait on it.
        audit_record(by=request.user, action="import_start", target=f"source:{options['source']}", summary=path.name)
        task_id, refusal = import_start(
            token=token, mapping=mapping, mapping_text=text, geocode=options["geocode"], by=request.user
        )
        key = f"import-{token}"
        request.session[key] = request.session[key] | {"task": task_id, "refusal": refusal}
        return redirect("imports:progress", token=token)
    result = preview(path, mapping, rows=PREVIEW_ROWS, problems=PREVIEW_PROBLEMS)
    rows = [
        {"line": r.line, "rejected": r.rejected, "values": [_field_text(n, getattr(r, n)) for n in SHOWN_FIELDS]}
        for r in result.records
    ]
    # A problem found in a column of the file names that column, as the file does; one about a field of
    # the directory (a position from the commune only) names the field in the reader's language.
    problems = [
        {"line": p.line, "fatal": p.fatal, "message": p.message, "where": _where(p.column, p.field_alone)}
        for p in result.problems
    ]  # fmt: skip
    counts = sorted((str(PREVIEW_LABELS.get(where, where)), n) for where, n in result.problem_counts.items())
    context = {
        "token": token, "source": options["source"], "file_name": path.name, "result": result, "rows": rows,
        "columns": [(name, PREVIEW_LABELS[name]) for name in SHOWN_FIELDS], "summary": preview_summary(result),
        "problems": problems, "problem_counts": counts, "mapping_text": text,
    }  # fmt: skip
    return render(request, "imports/preview.html", context)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    return str(value)


def _field_text(name: str, value: Any) -> str:
    """A field's value as the public pages say it: opening hours in words, not OpenStreetMap code; a phone
    as people write it ("04 73 82 00 01", kept "+33473820001")."""
    if name == "opening_hours" and value:
        return hours_text(value)
    if name == "phone" and value:
        return phone_display(str(value))
    if name == "kind" and value in PlaceKind.values:
        return str(PlaceKind(value).label)
    return _cell(value)


def _state(token: str, options: dict[str, Any]) -> dict[str, Any]:
    """The import's state for the page, its message in the reader's language."""
    state = import_state(token, task_id=options.get("task", ""))
    if options.get("refusal") and state["status"] == "queued":
        state = {"status": "failed", "error": Message.of(options["refusal"]).text(_)}
    if state.get("error"):
        state["error"] = task_error_text(state["error"])
    if state["status"] == "queued":
        state["message"] = _("Waiting for the background worker…")
    elif state["status"] == "running" and state.get("stage") == "read":
        done, total = state.get("done") or 0, state.get("total")
        values = {"done": number_format(done, force_grouping=True),
                  "total": number_format(total or 0, force_grouping=True)}  # fmt: skip
        state["message"] = (
            ngettext("%(done)s row read of about %(total)s", "%(done)s rows read of about %(total)s", done) % values
            if total
            else ngettext("%(done)s row read", "%(done)s rows read", done) % values
        )
    elif state["status"] == "running":
        state["message"] = _("Keeping the records and merging them with the directory…")
    else:
        state["message"] = ""
    state.setdefault("fraction", None)
    if state.get("run"):
        state["url"] = reverse("imports:run", args=[state["run"]])
    return state


@coordinator_required
def upload_progress(request: HttpRequest, token: str) -> HttpResponse:
    path, options = _upload(request, token)
    context = {"token": token, "source": options["source"], "file_name": path.name, "state": _state(token, options)}
    return render(request, "imports/progress.html", context)


@coordinator_required
def upload_progress_json(request: HttpRequest, token: str) -> JsonResponse:
    _path, options = _upload(request, token)
    return JsonResponse(_state(token, options))


def _where(column: str, field: str) -> str:
    """Where a problem is, told apart: a column of the file as the file names it, or a field of the directory
    in the reader's language (a position from the commune only)."""
    if field:
        return _("field “%(name)s” of the directory") % {"name": PREVIEW_LABELS.get(field, field)}
    return _("column “%(name)s”") % {"name": column} if column else ""


@coordinator_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("source"), pk=run_id)
    problems = list(report_read(run.report, limit=50, field=True))
    # The report's file keeps its stable yes/no; the page says it in the reader's language.
    said = {"yes": _("yes"), "no": _("no")}
    for line in problems:
        line[1] = said.get(line[1], line[1])
        if len(line) > len(REPORT_COLUMNS):  # a report stored before the runs kept the field: as it was
            line[2] = _where(line[2], line[5])
    # Records, not the file's rows: a producer's row gives two (the producer and its farm). Short labels in
    # the chart's room (its title says "records"): "Fiches accepté…" was cut in French.
    rows_chart = [
        {"label": pgettext("an import's records", "Accepted records"), "values": [max(run.rows - run.rejected, 0)]},
        {"label": pgettext("an import's records", "Rejected records"), "values": [run.rejected]},
    ]
    context = {"run": run, "problems": problems, "error": task_error_text(run.error), "rows_chart": rows_chart}
    return render(request, "imports/run.html", context)


@coordinator_required
def run_report(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=run_id)
    response = HttpResponse(report_text(run.report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.source_id}-{run.pk}-problems.csv"'
    return response


def _vocabulary_names() -> dict[str, dict[str, str]]:
    """field -> code -> its name in the reader's language, for the fields a record stores as codes
    (products and labels as slugs, the kind and legal form as choices)."""
    return {
        "categories": {c.slug: c.name for c in Category.objects.only("slug", "name_fr", "name_en")},
        "labels": {label.slug: label.name for label in Label.objects.only("slug", "name_fr", "name_en")},
        "kind": {value: str(label) for value, label in PlaceKind.choices},
        "legal_form": {value: str(label) for value, label in LegalForm.choices},
    }


def _named(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, tuple | list):
        return [names.get(str(v), v) for v in value]
    return names.get(str(value), value) if value is not None else None


def _side_by_side(pair: RecordPair, names: dict[str, dict[str, str]] | None = None) -> list[dict[str, Any]]:
    a, b = pair.first.data, pair.second.data
    names = _vocabulary_names() if names is None else names
    lines = []
    for name in COMPARED_FIELDS:
        vocabulary = names.get(name, {})
        left = _field_text(name, _named(a.get(name), vocabulary))
        right = _field_text(name, _named(b.get(name), vocabulary))
        if left or right:
            same = left.casefold() == right.casefold()
            lines.append({"field": name, "label": FIELD_LABELS[name], "first": left, "second": right, "same": same})
    if None not in (a.get("lat"), b.get("lat"), a.get("lon"), b.get("lon")):
        distance = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
        lines.append({
            "field": "position", "label": FIELD_LABELS["position"],
            "first": f"{a['lat']:.5f}, {a['lon']:.5f} ({_precision(a.get('precision'))})",
            "second": f"{b['lat']:.5f}, {b['lon']:.5f} ({_precision(b.get('precision'))})",
            "same": distance < 0.3, "distance": distance_text(distance),
        })  # fmt: skip
    return lines


def _precision(value: Any) -> str:
    """How a record's position was found, in words (a value this page does not know is shown as it is)."""
    words = {
        Precision.GIVEN: _("given by the source"), Precision.ADDRESS: _("found from the address"),
        Precision.STREET: _("found from the street"), Precision.COMMUNE: _("the commune's centre"),
    }  # fmt: skip
    return str(words.get(value, value or ""))


def _map_points(pair: RecordPair) -> list[dict[str, Any]]:
    """The two records' positions for the small map (read by static/terroir/review.js)."""
    return [
        {"lat": r.data["lat"], "lon": r.data["lon"], "name": r.name, "n": n}
        for n, r in ((1, pair.first), (2, pair.second))
        if r.data.get("lat") is not None and r.data.get("lon") is not None
    ]


def _pair_items(pairs: list[RecordPair]) -> list[dict[str, Any]]:
    merges = entry_merges_of(pairs)
    names = _vocabulary_names()
    items = []
    for pair in pairs:
        reasons, recorded = pair_reasons(pair)
        merge = merges.get(pair.pk)
        entry = pair.first.actor_id or pair.first.place_id
        items.append({
            "pair": pair, "lines": _side_by_side(pair, names), "reasons": reasons, "recorded": recorded,
            "points": json.dumps(_map_points(pair)), "merge": merge,
            "moved": trace_summary(merge.trace) if merge else [],
            "entry_kind": "producer" if pair.first.record_type == "producer" else "place", "entry": entry,
            "kind_label": _("Producer") if pair.first.record_type == "producer" else _("Place to buy"),
        })  # fmt: skip
    return items


def _map_settings() -> dict[str, str]:
    return {"tiles": settings.TERROIR_TILE_URL, "attribution": settings.TERROIR_TILE_ATTRIBUTION}


def _pairs_page(request: HttpRequest, pairs: Any, per_page: int = 10) -> Any:
    return Paginator(pairs.select_related("first__source", "second__source", "decided_by"), per_page).get_page(
        request.GET.get("page")
    )


REVIEW_TYPES = {"place": gettext_lazy("Places"), "producer": gettext_lazy("Producers")}


def _review_filters(data: Any) -> tuple[dict[str, str], list[str]]:
    """The queue's filters a coordinator chose (a source, a type of record), and what was refused: an
    unknown value is said, not silently dropped, and the queue is shown unfiltered on that point."""
    chosen: dict[str, str] = {}
    errors: list[str] = []
    source = str(data.get("source", ""))[:100]
    if source:
        if Source.objects.filter(name=source).exists():
            chosen["source"] = source
        else:
            errors.append(_("No source is named “%(name)s”: every source is shown.") % {"name": source})
    kind = str(data.get("type", ""))[:20]
    if kind:
        if kind in REVIEW_TYPES:
            chosen["type"] = kind
        else:
            errors.append(_("“%(type)s” is not a type of record: places and producers are shown.") % {"type": kind})
    return chosen, errors


@coordinator_required
def review_queue(request: HttpRequest) -> HttpResponse:
    chosen, errors = _review_filters(request.GET)
    pairs = RecordPair.objects.filter(status=RecordPair.Status.REVIEW)
    if "source" in chosen:
        pairs = pairs.filter(Q(first__source__name=chosen["source"]) | Q(second__source__name=chosen["source"]))
    if "type" in chosen:
        pairs = pairs.filter(first__record_type=chosen["type"])
    page = _pairs_page(request, pairs.order_by("-probability", "id"))
    decided = RecordPair.objects.filter(status__in=[RecordPair.Status.SAME, RecordPair.Status.DIFFERENT]).count()
    waiting = RecordPair.objects.filter(status=RecordPair.Status.REVIEW)
    source_ids = {*waiting.values_list("first__source_id", flat=True).distinct()}
    source_ids |= {*waiting.values_list("second__source_id", flat=True).distinct()}
    sources = Source.objects.filter(pk__in=source_ids).order_by("label", "name")
    context = {
        "page": page, "items": _pair_items(list(page)), "decided": decided, "map": _map_settings(),
        "chosen": chosen, "filter_errors": errors, "sources": sources, "types": REVIEW_TYPES,
        "filter_query": urlencode(chosen),
    }  # fmt: skip
    return render(request, "imports/review.html", context)


def _decided_messages(request: HttpRequest, done: Decided, same: bool) -> None:
    for pair in done.pairs:
        names = {"a": pair.first.name, "b": pair.second.name}
        messages.success(request, (_("Merged: %(a)s = %(b)s.") if same else _("Kept apart: %(a)s ≠ %(b)s.")) % names)
    for refusal in done.refused:
        messages.error(request, refusal)


def _back_to_review(request: HttpRequest) -> HttpResponse:
    """Back to the page of the queue the decision was taken on, with its filters."""
    query, _errors = _review_filters(request.POST)
    page = request.POST.get("page", "")
    if page.isdigit():
        query["page"] = page
    return redirect(reverse("imports:review") + (f"?{urlencode(query)}" if query else ""))


@coordinator_required
@require_POST
def review_decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in {"same", "different"}:
        return HttpResponse(_("The decision must be “same” or “different”."), status=400)
    done = record_pairs_decide(pair_ids=[pair_id], same=decision == "same", by=request.user)
    _decided_messages(request, done, decision == "same")
    return _back_to_review(request)


@coordinator_required
@require_POST
def review_batch(request: HttpRequest) -> HttpResponse:
    """The pairs ticked on the review page, all decided the same way."""
    decision = request.POST.get("decision")
    if decision not in {"same", "different"}:
        return HttpResponse(_("The decision must be “same” or “different”."), status=400)
    ids = [int(v) for v in request.POST.getlist("pairs") if v.isdigit() and len(v) < 19]
    if not ids:
        messages.error(request, _("Tick the pairs to decide first."))
        return _back_to_review(request)
    done = record_pairs_decide(pair_ids=ids, same=decision == "same", by=request.user)
    _decided_messages(request, done, decision == "same")
    return _back_to_review(request)


def _merges(request: HttpRequest, pairs: Any, context: dict[str, Any]) -> HttpResponse:
    split = request.GET.get("show") == "split"
    if split:
        pairs = pairs.filter(split_at__isnull=False).order_by("-split_at", "-id")
    else:
        pairs = pairs.filter(status=RecordPair.Status.LINKED).order_by("-updated_at", "-probability", "id")
    page = _pairs_page(request, pairs)
    context |= {"page": page, "items": _pair_items(list(page)), "split": split, "map": _map_settings()}
    return render(request, "imports/merges.html", context)


@coordinator_required
def merges_list(request: HttpRequest) -> HttpResponse:
    """Every automatic merge, the latest first, each with its reasons and a button to split it."""
    return _merges(request, RecordPair.objects.all(), {"run": None})


@coordinator_required
def run_merges(request: HttpRequest, run_id: int) -> HttpResponse:
    """The automatic merges an import made or changed: the pairs its linkage stored (RecordPair.run). Pairs
    stored before pairs said their run are found by time: after the run started and before the next one."""
    run = get_object_or_404(ImportRun.objects.select_related("source"), pk=run_id)
    before = Q(run__isnull=True, updated_at__gte=run.started_at)
    following = ImportRun.objects.filter(started_at__gt=run.started_at).order_by("started_at")
    following_start = following.values_list("started_at", flat=True).first()
    if following_start is not None:
        before &= Q(updated_at__lt=following_start)
    return _merges(request, RecordPair.objects.filter(Q(run=run) | before), {"run": run})


@coordinator_required
@require_POST
def merge_split(request: HttpRequest, pair_id: int) -> HttpResponse:
    try:
        pair = record_pair_split(pair_id=pair_id, by=request.user)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        names = {"a": pair.first.name, "b": pair.second.name}
        messages.success(request, _("Split: %(a)s ≠ %(b)s; no later import merges them again.") % names)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = reverse("imports:merges")
    return redirect(back)


@coordinator_required
def origins(request: HttpRequest, kind: str, entry_id: int) -> HttpResponse:
    """Where does each value of a directory entry come from, and what do the other sources say."""
    entry: Actor | Place
    if kind == "place":
        place = get_object_or_404(Place, pk=entry_id)
        entry, records, origins_ = (
            place,
            SourceRecord.objects.filter(place=place),
            FieldOrigin.objects.filter(place=place),
        )
    elif kind == "producer":
        actor = get_object_or_404(Actor, pk=entry_id)
        entry, records, origins_ = (
            actor,
            SourceRecord.objects.filter(actor=actor),
            FieldOrigin.objects.filter(actor=actor),
        )
    else:
        raise Http404("unknown kind")
    chosen = {o.field: o for o in origins_.select_related("record__source")}
    records_list = list(records.select_related("source").order_by("source__name", "ref"))
    lines = []
    for name in (*SINGLE_FIELDS, "position", "categories", "labels"):
        origin = chosen.get(name)
        if origin is None:
            continue
        # A field edited on the platform keeps its value: every source's is one of the "others".
        value = _value_of_entry(entry, name) if origin.overridden else _value_of_origin(origin)
        others = [
            {"source": r.source.label, "value": _value_of(r.data, name)}
            for r in records_list
            if (origin.overridden or r.pk != origin.record_id) and _value_of(r.data, name) not in ("", value)
        ]
        source = origin.record.source.label if origin.record and not origin.overridden else _("edited on the platform")
        lines.append({"field": name, "value": value, "source": source, "others": others})
    context = {"entry": entry, "kind": kind, "lines": lines, "records": records_list}
    return render(request, "imports/origins.html", context)


def _value_of(data: dict[str, Any], name: str) -> str:
    if name == "position":
        lat, lon = data.get("lat"), data.get("lon")
        return "" if lat is None or lon is None else f"{lat:.5f}, {lon:.5f} ({data.get('precision') or ''})"
    return _field_text(name, data.get(name))


def _value_of_entry(entry: Actor | Place, name: str) -> str:
    if name == "position":
        return "" if entry.lat is None or entry.lon is None else f"{entry.lat:.5f}, {entry.lon:.5f}"
    if name in ("categories", "labels"):
        return _("see the products")
    return _field_text(name, getattr(entry, {"commune_code": "commune_id"}.get(name, name), ""))


def _value_of_origin(origin: FieldOrigin) -> str:
    if origin.record is not None:
        return _value_of(origin.record.data, origin.field)
    return origin.value


def distance_text(km: float) -> str:
    return f"{km * 1000:.0f} m" if km < 1 else f"{km:.1f} km"
