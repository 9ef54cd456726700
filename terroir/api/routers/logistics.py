"""Pooled rounds through the API: submit a planning problem, follow its run."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from ninja import Path, Router, Status

from terroir.accounts.models import ApiToken
from terroir.accounts.permissions import can_plan_rounds
from terroir.directory.background import task_error_text
from terroir.logistics import access as logistics_access
from terroir.logistics import services as logistics_services
from terroir.logistics.models import PlanningRun
from terroir.logistics.problems import ProblemTooLarge
from terroir.logistics.routing import ProblemError

from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, error
from ..schemas import ErrorOut, PlanIn, PlanOut
from ..security import TokenBearer

router = Router(tags=["logistics"])


def _planner(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer found it
    if not can_plan_rounds(token.user):
        raise PermissionDenied("Pooled rounds are planned by coordinators and carriers.")
    return token


def _plan_out(request: HttpRequest, run: PlanningRun) -> dict[str, Any]:
    return {
        "id": run.pk, "status": run.status, "stage": run.stage, "fraction": run.fraction,
        "error": task_error_text(run.error),  # in the caller's language (Accept-Language), as the pages say it
        "url": request.build_absolute_uri(f"/api/v1/plans/{run.pk}"), "plan": run.plan, "report": run.report,
    }  # fmt: skip


@router.post(
    "/plans",
    response={202: PlanOut, **WRITE_ERRORS},
    auth=TokenBearer(write=True),
    summary="Submit a pooled-rounds problem; it is planned in the background (poll its url)",
)
def plan_create(request: HttpRequest, body: PlanIn) -> Any:
    token = _planner(request)
    try:
        owner = logistics_access.carrier_get(token.user, body.organisation)
    except Http404:
        message = (
            "You plan for several carriers: say which one in organisation."
            if body.organisation is None
            else f"No carrier {body.organisation} of yours."
        )
        return error(404, "not_found", message, "organisation")
    try:
        run = logistics_services.run_start(
            body.problem, by=token.user, week=body.week, time_limit_s=body.time_limit_s, owner=owner
        )
    except ProblemTooLarge as exc:
        return error(413, "problem_too_large", str(exc), "problem")
    except ProblemError as exc:
        # In the reader's language (Accept-Language), the value at fault quoted its way, not as Python writes it.
        return error(400, "invalid_problem", exc.message.text(gettext), "problem")
    except logistics_services.PlannerBusy:
        response = error(429, "planner_busy", "Two plans of yours are being computed: retry in a minute.")
        response["Retry-After"] = "60"
        return response
    return Status(202, _plan_out(request, run))


@router.get(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS, 401: ErrorOut, 403: ErrorOut},
    auth=TokenBearer(),
    summary="A planning run: its progress, then its plan and report",
)
def plan_get(request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    token = _planner(request)
    return _plan_out(request, get_object_or_404(logistics_access.runs_of(token.user), pk=plan_id))
