"""Snapshots: every indicator of the registry for a territory, stored once a period (a calendar month), so
the dashboard shows each one's history and reads the latest figures instead of computing them.

They are computed on the worker only: monthly by the schedule (`snapshots_schedule`, which the worker runs
every minute and finds each territory due once a month; `manage.py observatory_snapshots` does the same
from cron), and when a coordinator asks (`snapshot_request`). Storing is idempotent per period: a second
computation in the same month replaces that month's values, never adds a row.
"""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from terroir.directory import background
from terroir.directory.background import runs_reap_started, supervised, worker_label
from terroir.directory.french import elided
from terroir.lib.messages import Message, gettext_noop
from terroir.lib.tasks import TaskLimitExceeded

from . import commune_history, isolation, registry
from . import indicators as figures
from .models import Snapshot, SnapshotRun, Territory
from .roles import coordination_check

ACTIVE = (SnapshotRun.Status.QUEUED, SnapshotRun.Status.RUNNING)
# A scheduled computation that failed is tried again after this long, not at every look of the worker.
RETRY_AFTER = dt.timedelta(hours=1)


def period_of(day: dt.date) -> dt.date:
    """The period a day belongs to: its month, as its first day."""
    return day.replace(day=1)


def this_period() -> dt.date:
    return period_of(timezone.localdate())


@transaction.atomic
def snapshots_store(*, territory: Territory, period: dt.date, values: dict[str, float | None]) -> int:
    """Store the values of a period, replacing those of an earlier computation of the same period."""
    now = timezone.now()
    for key, value in values.items():
        Snapshot.objects.update_or_create(
            territory=territory, indicator=key, period=period, defaults={"value": value, "taken_at": now}
        )
    return len(values)


def _geo_kept(geo: dict[str, Any]) -> dict[str, Any]:
    """The geographic figures the page shows: without one row per producer and per place (the CSVs compute
    those), which grow with the directory and were most of a dashboard's time to decode at 200,000 places;
    only the access rows (the map and its table) are kept, one per commune."""
    kept = dict(geo)
    for section in ("open_enough", "weekdays", "producers", "local"):
        kept[section] = {k: v for k, v in geo[section].items() if k != "rows"}
    return kept


def details_compute(territory: Territory) -> dict[str, Any]:
    """The dashboard's tables (what the page shows beside the indicators), as plain JSON."""
    canteens = registry.canteens_of(territory)
    reach = dict(registry.access_of(territory))
    reach.pop("rows")  # one row per commune: the CSV computes them, the page does not show them
    comparison = [] if canteens["no_data"] else figures.canteen_comparison(territory, canteens["year"])
    return {
        "canteens": canteens, "comparison": comparison, "access": reach,
        "geo": _geo_kept(registry.geo_of(territory)),
        "channels": registry.channels_of(territory),
        "activity": registry.activity_of(territory),
        # The coordination page's isolated producers: the rules read the whole directory.
        "isolated": isolation.isolated_dump(registry.isolated_of(territory)),
    }  # fmt: skip


def _progress(run_id: int, **fields: Any) -> None:
    SnapshotRun.objects.filter(pk=run_id).update(**fields)


def snapshot_take(*, run: SnapshotRun) -> dict[str, float | None]:
    """Compute every indicator of the run's territory, store them for its period, keep the dashboard's
    tables on the run; the run's `done` counts the indicators computed so far (the page shows it)."""
    territory = run.territory
    indicators = registry.all_indicators()
    _progress(run.pk, status=SnapshotRun.Status.RUNNING, total=len(indicators) + 1, done=0)
    values: dict[str, float | None] = {}
    with registry.computing():
        for done, indicator in enumerate(indicators, start=1):
            values[indicator.key] = indicator.compute(territory)
            _progress(run.pk, done=done)
        details = details_compute(territory)
        communes = commune_history.commune_figures(territory)
    snapshots_store(territory=territory, period=run.period, values=values)
    commune_history.commune_snapshot_store(territory=territory, period=run.period, figures=communes)
    _progress(run.pk, status=SnapshotRun.Status.DONE, done=len(indicators) + 1, details=details,
              finished_at=timezone.now())  # fmt: skip
    return values


def _run_start(territory: Territory, *, by: Any, scheduled: bool) -> SnapshotRun | None:
    """A new queued run, or None when one is already queued or running for the territory."""
    try:
        with transaction.atomic():
            return SnapshotRun.objects.create(
                territory=territory, period=this_period(), scheduled=scheduled,
                by=by if getattr(by, "pk", None) else None,
            )  # fmt: skip
    except IntegrityError:  # the constraint: one active run per territory
        return None


def snapshot_request(*, territory: Territory, by: Any) -> SnapshotRun:
    """A coordinator asks for the territory's figures now: queued for the worker (never computed in the
    request); the run already queued or running when there is one."""
    coordination_check(by, territory)
    run = _run_start(territory, by=by, scheduled=False)
    if run is None:
        return SnapshotRun.objects.get(territory=territory, status__in=ACTIVE)
    snapshot_compute.enqueue(run_id=run.pk)
    run.refresh_from_db()
    return run


def snapshot_first(territory: Territory) -> None:
    """A new territory's first figures, queued for the worker once its creation is committed (the worker
    must see its communes), so its dashboard never computes everything in a request."""

    def queue() -> None:
        run = _run_start(territory, by=None, scheduled=True)
        if run is not None:
            snapshot_compute.enqueue(run_id=run.pk)

    transaction.on_commit(queue)


def territories_due(period: dt.date) -> list[Territory]:
    """The territories without figures for the period, none being computed, and no failure just now."""
    recent_failure = timezone.now() - RETRY_AFTER
    covered = SnapshotRun.objects.filter(
        Q(period=period, status=SnapshotRun.Status.DONE) | Q(status__in=ACTIVE)
        | Q(status=SnapshotRun.Status.FAILED, started_at__gte=recent_failure)
    ).values("territory_id")  # fmt: skip
    return list(Territory.objects.exclude(pk__in=covered).order_by("pk"))


def snapshots_schedule() -> int:
    """Queue the computation of every territory due this period; how many were queued. Cheap when none is
    due (one query): the worker runs it every minute."""
    queued = 0
    for territory in territories_due(this_period()):
        run = _run_start(territory, by=None, scheduled=True)
        if run is not None:
            snapshot_compute.enqueue(run_id=run.pk)
            queued += 1
    return queued


def _fail(run_id: int, error: str) -> None:
    SnapshotRun.objects.filter(pk=run_id).exclude(status=SnapshotRun.Status.DONE).update(
        status=SnapshotRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


@task()
def snapshot_compute(*, run_id: int) -> None:
    """The worker's side of snapshot_request and snapshots_schedule."""
    _progress(run_id, worker=worker_label(), status=SnapshotRun.Status.RUNNING, started_at=timezone.now())

    def work() -> None:
        snapshot_take(run=SnapshotRun.objects.select_related("territory").get(pk=run_id))

    try:
        supervised(work, wall_s=settings.TERROIR_IMPORT_MAX_SECONDS)
    except TaskLimitExceeded as error:
        _fail(run_id, str(error))
    except Exception as error:  # TaskError from the child, or anything in this process without isolation
        traceback.print_exc()
        _fail(run_id, background.unexpected_stored(error))


@task()
def snapshots_schedule_task() -> int:
    """What the cron command queues: the territories due this month."""
    return snapshots_schedule()


# A computation still queued after this long will never start (its task was lost): it must not hold the
# territory's one active slot forever.
QUEUED_AT_MOST = dt.timedelta(days=1)


def runs_reap() -> int:
    """Fail the runs whose worker died or that outlived their time limit, and those queued for so long
    that their task was lost."""
    lost = SnapshotRun.objects.filter(status=SnapshotRun.Status.QUEUED, started_at__lt=timezone.now() - QUEUED_AT_MOST)
    # Said in the reader's language when read, not in the language of the request or worker that reaps it.
    never = background.error_stored(Message(gettext_noop("never started")))
    failed = lost.update(status=SnapshotRun.Status.FAILED, error=never, finished_at=timezone.now())
    return failed + runs_reap_started(SnapshotRun, max_s=settings.TERROIR_IMPORT_MAX_SECONDS)


# --- Reading them -----------------------------------------------------------------------------------


def history(territory: Territory, key: str) -> list[tuple[dt.date, float | None]]:
    rows = Snapshot.objects.filter(territory=territory, indicator=key).order_by("period")
    return list(rows.values_list("period", "value"))


def histories(territory: Territory) -> dict[str, list[tuple[dt.date, float | None]]]:
    """Every indicator's history, in one query."""
    found: dict[str, list[tuple[dt.date, float | None]]] = {}
    rows = Snapshot.objects.filter(territory=territory).order_by("indicator", "period")
    for key, period, value in rows.values_list("indicator", "period", "value"):
        found.setdefault(key, []).append((period, value))
    return found


def latest_run(territory: Territory) -> SnapshotRun | None:
    done = SnapshotRun.objects.filter(territory=territory, status=SnapshotRun.Status.DONE)
    return done.order_by("-finished_at").first()


def coordination_isolated(territory: Territory) -> tuple[list[isolation.Isolated], dt.datetime | None]:
    """The isolated producers the latest snapshot found, with today's flags, and that snapshot's time; no
    snapshot yet (or one older than this section): the flagged producers only, and None."""
    # Only that key of the run's details: the whole (the dashboard's tables) is most of the page's time.
    done = SnapshotRun.objects.filter(territory=territory, status=SnapshotRun.Status.DONE).order_by("-finished_at")
    found = done.values_list("details__isolated", "finished_at").first()
    if found is None or found[0] is None:  # no snapshot, or one older than this section
        return isolation.isolated_load(territory, None), None
    return isolation.isolated_load(territory, found[0]), found[1]


def _canteens_localized(found: dict[str, Any]) -> dict[str, Any]:
    found = dict(found, scope=dict(found["scope"], label=figures.scope_label(found["scope"])))
    if found["no_data"]:
        label = found["scope"]["label"]
        if found["year"] is None:
            found["message"] = _("No canteen declaration of %(scope)s has been imported.") % {"scope": label}
        else:
            message = _("No canteen of %(scope)s declared its purchases for %(year)s.")
            found["message"] = message % {"scope": label, "year": found["year"]}
        found["message"] = elided(found["message"], label)
    return found


def dashboard_figures(territory: Territory) -> dict[str, Any]:
    """The dashboard's tables: from the latest snapshot when there is one (`as_of` its time), else
    computed now (`as_of` None), as the page did before snapshots."""
    run = latest_run(territory)
    if run is None or not run.details or "activity" not in run.details:  # none, or older than these sections
        with registry.computing():
            details = details_compute(territory)
        as_of = None
    else:
        details, as_of = run.details, run.finished_at
    access = dict(details["access"])
    access["kinds"] = [dict(k, label=figures.kind_label(k["kind"])) for k in access["kinds"]]
    return {
        "canteens": _canteens_localized(details["canteens"]),
        "comparison": [_canteens_localized(row) for row in details["comparison"]],
        "access": access, "as_of": as_of, "geo": details["geo"],
        "channels": details["channels"], "activity": details["activity"],
    }  # fmt: skip
