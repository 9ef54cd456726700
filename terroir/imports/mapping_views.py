"""The column-mapping screen: a coordinator uploads a spreadsheet (or takes one uploaded before), sees its
columns with sample values and empty cells, chooses the field each gives (suggested), says what the
source's words of kinds, products, labels and record types mean, and saves the mapping — the TOML the
command line reads — then previews the file through it. Nobody writes TOML."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from terroir.accounts.permissions import coordinator_required
from terroir.contributions.audit import audit_record
from terroir.directory.models import PlaceKind
from terroir.directory.presenters import moment_text
from terroir.directory.uploads import UploadRefused, upload_limit
from terroir.lib.tabular import SourceError
from terroir.lib.text import fold

from .columns import (
    SAMPLE_ROWS,
    SINGLE,
    TARGETS,
    VALUE_TABLES,
    VALUES_SHOWN,
    Choices,
    Profile,
    ValueRow,
    choices_of,
    kind_of_file,
    profile_read,
    readable_name,
    toml_write,
    value_choices,
    value_table,
)
from .forms import ColumnsForm, MappingUploadForm, value_key
from .jobs import upload_keep, upload_mapping_set, upload_path
from .mapping import MappingError
from .models import SavedMapping, Source
from .read import limits, source_error_text
from .services import mapping_save

TARGET_LABELS = dict(TARGETS)
# Accents of a UTF-8 file read as Windows characters ("Ã©" for "é"): the encoding chosen is wrong.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Ã[©¨ª®´§ ]")


def _recent(request: HttpRequest) -> list[dict[str, str]]:
    """The files this coordinator uploaded in this session and that are still kept."""
    recent: list[dict[str, str]] = []
    for key in list(request.session.keys()):
        prefix, _sep, token = key.partition("-")
        if prefix not in ("mapping", "import") or not token or any(r["token"] == token for r in recent):
            continue
        try:
            path, _text = upload_path(token)
        except UploadRefused:
            continue
        recent.append({"token": token, "name": path.name})
    return recent


@coordinator_required
@upload_limit("TERROIR_IMPORT_MAX_MB")
def mapping_upload(request: HttpRequest) -> HttpResponse:
    form = MappingUploadForm(request.POST or None, request.FILES or None, initial={"start": request.GET.get("start")})
    if request.method == "POST" and form.is_valid():
        try:
            token = upload_keep(file=form.cleaned_data["file"], mapping_text="")
        except UploadRefused as error:
            form.add_error("file", str(error))
        else:
            request.session[f"mapping-{token}"] = {
                "encoding": form.cleaned_data["encoding"], "start": form.cleaned_data["start"]
            }  # fmt: skip
            return redirect("imports:mapping-columns", token=token)
    context = {
        "form": form, "recent": _recent(request), "sample_rows": SAMPLE_ROWS,
        "max_mb": settings.TERROIR_IMPORT_MAX_MB, "saved": SavedMapping.objects.select_related("saved_by"),
    }  # fmt: skip
    return render(request, "imports/mapping_upload.html", context, status=400 if form.errors else 200)


def _chosen(form_data: dict[str, Any], columns: list[str]) -> dict[str, str]:
    return {column: form_data.get(f"col-{position}") or "" for position, column in enumerate(columns)}


def _tables(profile: Profile, chosen: dict[str, str]) -> dict[str, list[ValueRow]]:
    """The value tables of the columns chosen, their most frequent VALUES_SHOWN words each."""
    tables = {}
    for table in VALUE_TABLES:
        columns = [c for c in profile.columns if chosen.get(c.name) == table]
        if columns:
            tables[table] = value_table(columns, table)
    return tables


def _shown(tables: dict[str, list[ValueRow]]) -> dict[str, list[ValueRow]]:
    return {table: rows[:VALUES_SHOWN] for table, rows in tables.items()}


def _signature(tables: dict[str, list[ValueRow]]) -> str:
    words = {table: [row.word for row in rows] for table, rows in tables.items()}
    return hashlib.sha1(json.dumps(words, sort_keys=True).encode()).hexdigest()[:16]


def _start(profile: Profile, path: Path, text: str, options: dict[str, Any], source: str = "") -> dict[str, Any]:
    """The page's first choices: a saved mapping's (or the one the file was uploaded with) for the columns
    the file has, else the suggestions. `source`, the source typed on the import form, names the mapping
    (not the name written in the mapping the file came with) and, made readable, names it for people."""
    started: dict[str, Any] = {}
    if text:
        try:
            started = choices_of(text)
        except ValueError:
            started = {}
    if source and started.get("name") != source:
        # Another source's mapping (a ready-made or saved one chosen on the import form): its columns and
        # words serve, its names do not; the source keeps the label it has, if it has one of its own.
        known = Source.objects.filter(name=source).values_list("label", flat=True).first()
        started = started | {"name": source, "label": known if known and known != source else ""}
    columns = started.get("columns") or {c.name: c.suggestion for c in profile.columns}
    name_column = next((c for c in profile.columns if columns.get(c.name) == "name"), None)
    repeated = bool(name_column and name_column.values and name_column.values.most_common(1)[0][1] > 1)
    initial: dict[str, Any] = {
        # As the field's help says a name is written (chambre-63): an export's underscores become dashes.
        "name": started.get("name") or slugify(path.stem.replace("_", "-"))[:50].strip("-") or "source",
        # A name for people, never a slug: a saved mapping's label unless it is its name (what a mapping saved
        # without a label had), else its name or the file's made readable ("ma-source-2.csv": "Ma source 2").
        "label": label if (label := started.get("label")) and label != started.get("name")
        else readable_name(started.get("name") or path.stem),
        "record": started.get("record") or ("producer" if "record" in columns.values() else "place"),
        "group": started.get("group", repeated),
        "kind": started.get("kind", "") if started else ("" if "kind" in columns.values() else kind_of_file(path.stem)),
        "header_row": profile.header_row, "encoding": options.get("encoding", ""), "geocode": True,
    }  # fmt: skip
    for position, column in enumerate(profile.columns):
        initial[f"col-{position}"] = columns.get(column.name, "")
    initial["_values"] = started.get("values", {})
    return initial


def _value_initial(initial: dict[str, Any], tables: dict[str, list[ValueRow]], known: dict[str, Any]) -> None:
    """A meaning for each word shown that the coordinator has not chosen yet: the saved one, else the
    suggestion."""
    started = initial.pop("_values", {})
    for table, rows in tables.items():
        for row in rows:
            key = value_key(table, row.word)
            if key in known:
                initial[key] = known[key]
            else:
                initial[key] = started.get(table, {}).get(fold(row.word)) or row.suggestion


def _options(request: HttpRequest, token: str) -> dict[str, Any]:
    options = request.session.get(f"mapping-{token}") or request.session.get(f"import-{token}")
    if options is None:
        raise Http404("unknown upload")
    return dict(options)


OPTIONS = ("name", "label", "record", "kind", "group", "geocode", "replace", "header_row", "encoding", "action")


def _options_only(posted: QueryDict) -> QueryDict:
    kept = QueryDict(mutable=True)
    for key in OPTIONS:
        if key in posted:
            kept.setlist(key, posted.getlist(key))
    return kept


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 20 else None


@coordinator_required
def mapping_columns(request: HttpRequest, token: str) -> HttpResponse:
    options = _options(request, token)
    try:
        path, uploaded_text = upload_path(token)
    except UploadRefused:
        raise Http404("unknown upload") from None
    posted: QueryDict | None = request.POST if request.method == "POST" else None
    encoding = (posted.get("encoding") if posted is not None else options.get("encoding")) or ""
    header_row = _int(posted.get("header_row")) if posted is not None else None
    context: dict[str, Any] = {"token": token, "file_name": path.name, "sample_rows": SAMPLE_ROWS}
    try:
        profile = profile_read(path, limits=limits(), header_row=header_row, encoding=encoding or None)
    except (SourceError, UnicodeDecodeError) as error:
        if isinstance(error, UnicodeDecodeError):
            # Reading the header meets the bytes that the encoding chosen cannot read: said as the rows would.
            where = {"encoding": encoding or error.encoding, "reason": error.reason, "at": error.start}
            error = SourceError("the file is not %(encoding)s: %(reason)s at byte %(at)s", where)
        reason = source_error_text(error)
        context |= {"error": _("This file cannot be read: %(reason)s") % {"reason": reason},
                    "form": _form(None, {"encoding": encoding, "header_row": header_row}, [], {})}  # fmt: skip
        return render(request, "imports/mapping_columns.html", context, status=400)
    start = options.get("start")
    text = SavedMapping.objects.filter(name=start).values_list("text", flat=True).first() if start else uploaded_text
    typed = _typed_source(request, token)
    initial = _start(profile, path, text or "", options, source=typed)
    names = [c.name for c in profile.columns]
    layout = hashlib.sha1(json.dumps(names).encode()).hexdigest()[:16]
    if posted is not None and posted.get("layout") != layout:
        # Read again with another header row or encoding: the columns changed, their choices start afresh.
        posted = _options_only(posted)
    chosen = _chosen(posted if posted is not None and "col-0" in posted else initial, names)
    every = _tables(profile, chosen)
    tables = _shown(every)
    signature = _signature(tables)
    action = posted.get("action") if posted is not None else None
    if posted is not None and action == "save" and posted.get("tables") == signature:
        form = _form(posted, initial, names, tables)
        if form.is_valid() and _checked(form, profile, tables):
            # The page started from a saved mapping: chosen on the mapping screen's upload, or the one the upload
            # is read through, saved under the source's name (saved from this page before): saving replaces it.
            started_from = options.get("start") or (typed if text and text == _saved_text(typed) else "")
            return _saved(request, token, form, profile, tables, started_from=started_from, source=typed)
    else:
        if posted is not None:
            initial |= {k: v for k, v in posted.items() if k not in ("csrfmiddlewaretoken", "action")}
            initial["group"] = posted.get("group") == "on"
            initial["geocode"] = posted.get("geocode") == "on"
            if action == "save":
                messages.warning(request, _("The value tables changed with the columns chosen: check them, then save."))
        _value_initial(initial, tables, initial)
        initial["tables"], initial["layout"] = signature, layout
        form = _form(None, initial, names, tables)
    context |= _page(form, profile, tables, chosen)
    for table in context["value_tables"]:
        table["hidden"] = len(every[table["table"]]) - len(table["lines"])
    return render(request, "imports/mapping_columns.html", context, status=400 if form.errors else 200)


def _saved_text(name: str) -> str | None:
    return SavedMapping.objects.filter(name=name).values_list("text", flat=True).first() if name else None


def _typed_source(request: HttpRequest, token: str) -> str:
    """The source typed on the import form for this upload, which the mapping screen opened from its preview
    starts from and the import keeps; "" for a file uploaded to be mapped (its source is the mapping's name)."""
    if f"mapping-{token}" in request.session:
        return ""
    return str((request.session.get(f"import-{token}") or {}).get("source") or "")


def _form(data: Any, initial: dict[str, Any], names: list[str], tables: dict[str, list[ValueRow]]) -> ColumnsForm:
    return ColumnsForm(
        data, initial=initial, columns=names, targets=list(TARGETS),
        tables={table: [row.word for row in rows] for table, rows in tables.items()},
        table_choices={table: value_choices(table) for table in tables},
        kinds=[(value, str(label)) for value, label in PlaceKind.choices],
    )  # fmt: skip


def _page(form: ColumnsForm, profile: Profile, tables: dict[str, list[ValueRow]], chosen: dict[str, str]) -> dict:
    rows = []
    for position, column in enumerate(profile.columns):
        rows.append({
            "column": column, "field": form.column_field(position), "suggestion": TARGET_LABELS.get(column.suggestion),
            "empty_share": round(100 * column.empty / profile.rows) if profile.rows else 0,
            "mojibake": any(_MOJIBAKE.search(sample) for sample in column.samples),
        })  # fmt: skip
    value_tables = []
    titles = {"kind": _("Kinds of place"), "categories": _("Products"), "labels": _("Labels"),
              "record": _("What each row describes")}  # fmt: skip
    for table, words in tables.items():
        fields = [form.value_field(table, row.word) for row in words]
        lines = [{"row": row, "field": field} for row, field in zip(words, fields, strict=True)]
        unknown = sum(1 for field in fields if not field.value())
        columns = [name for name, target in chosen.items() if target == table]
        value_tables.append({"table": table, "title": titles[table], "lines": lines, "unknown": unknown,
                             "columns": columns})  # fmt: skip
    return {
        "form": form, "profile": profile, "rows": rows, "value_tables": value_tables,
        "mojibake": any(row["mojibake"] for row in rows),
    }  # fmt: skip


def _checked(form: ColumnsForm, profile: Profile, tables: dict[str, list[ValueRow]]) -> bool:
    """The page's own checks, each said at its place: one column for a field that takes one, latitude with
    longitude, a name, a kind for places. The loader checks the rest when the mapping is saved."""
    data = form.cleaned_data
    first: dict[str, tuple[int, str]] = {}
    for position, column in enumerate(profile.columns):
        target = data.get(f"col-{position}") or ""
        if target in SINGLE and target in first:
            form.add_error(f"col-{position}", _("“%(field)s” is already given by the column “%(column)s”.")
                           % {"field": TARGET_LABELS[target], "column": first[target][1]})  # fmt: skip
        first.setdefault(target, (position, column.name))
    for one, other in (("lat", "lon"), ("lon", "lat")):
        if one in first and other not in first:
            message = (
                _("Choose the column of the longitude too.")
                if other == "lon"
                else _("Choose the column of the latitude too.")
            )
            form.add_error(f"col-{first[one][0]}", message)
    if "name" not in first:
        form.add_error(None, _("Choose the column that gives the name: a row without a name cannot be imported."))
    if data["record"] == "place" and "kind" not in first and not data.get("kind"):
        form.add_error("kind", _("Choose the column that gives the kind of place, or one kind for every row: "
                                 "without a kind, every place would be rejected."))  # fmt: skip
    return not form.errors


def _choices(form: ColumnsForm, profile: Profile, tables: dict[str, list[ValueRow]]) -> Choices:
    data = form.cleaned_data
    values: dict[str, dict[str, str]] = {}
    for table, rows in tables.items():
        values[table] = {row.word: data.get(value_key(table, row.word)) or "" for row in rows}
    return Choices(
        name=data["name"], label=data["label"], record=data["record"],
        columns={c.name: data.get(f"col-{n}") or "" for n, c in enumerate(profile.columns)}, values=values,
        kind=data.get("kind") or "", group=data["group"], header_row=profile.header_row,
        encoding=data.get("encoding") or "",
    )  # fmt: skip


def _saved(
    request: HttpRequest,
    token: str,
    form: ColumnsForm,
    profile: Profile,
    tables: dict[str, list[ValueRow]],
    started_from: str = "",
    source: str = "",
) -> HttpResponse:
    text = toml_write(_choices(form, profile, tables))
    name = form.cleaned_data["name"]
    existing = SavedMapping.objects.filter(name=name).first()
    replacing = form.cleaned_data["replace"] or started_from == name
    if existing is not None and not replacing and existing.text != text:
        # Another file's mapping may have this name: it is replaced only when the coordinator says so (or
        # the page started from it).
        message = _("A mapping of this name was saved on %(date)s: choose another name, or tick the box to replace it.")
        form.add_error("name", message % {"date": moment_text(existing.saved_at, "SHORT_DATE_FORMAT")})
    else:
        try:
            mapping_save(name=name, text=text, by=request.user)
        except MappingError as error:
            form.add_error(None, _("The mapping is refused at %(where)s: %(message)s")
                           % {"where": error.where, "message": error.message})  # fmt: skip
    if form.errors:
        context = {"token": token, "file_name": upload_path(token)[0].name, "sample_rows": SAMPLE_ROWS}
        chosen = _chosen(form.cleaned_data, [c.name for c in profile.columns])
        context |= _page(form, profile, tables, chosen)
        return render(request, "imports/mapping_columns.html", context, status=400)
    audit_record(by=request.user, action="mapping_save", target=f"mapping:{name}", summary=profile.format)
    upload_mapping_set(token, text)
    # The file is imported as the source typed on the import form, whatever name the mapping is saved under:
    # never switched to another source behind the coordinator's back (the preview says which).
    source = source or name
    request.session[f"import-{token}"] = {"source": source, "geocode": form.cleaned_data["geocode"]}
    if source == name:
        said = _("Mapping “%(name)s” saved. Here is how the file reads through it.")
    else:
        said = _("Mapping “%(name)s” saved. The file is still imported as the source “%(source)s”: here is how it "
                 "reads through this mapping.")  # fmt: skip
    messages.success(request, said % {"name": name, "source": source})
    return redirect("imports:preview", token=token)


@coordinator_required
def mappings_list(request: HttpRequest) -> HttpResponse:
    saved = SavedMapping.objects.select_related("saved_by")
    return render(request, "imports/mappings.html", {"saved": saved})


@coordinator_required
def mapping_download(request: HttpRequest, name: str) -> HttpResponse:
    saved = get_object_or_404(SavedMapping, name=name)
    response = HttpResponse(saved.text, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{saved.name}.toml"'
    return response
