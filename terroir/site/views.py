"""The coordinator's home: what waits for them across the apps, with counts and links.

It reads every capability app, so it lives in `site`, the one layer allowed to.
"""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from terroir.accounts.models import RoleRequest
from terroir.accounts.permissions import coordinator_required
from terroir.contributions import suggestions
from terroir.contributions.models import Claim
from terroir.imports.models import ImportRun, RecordPair
from terroir.logistics import access
from terroir.needs.models import Answer, Need

RECENT = 5  # import runs and plans listed


def needs_funnel() -> list[dict[str, Any]]:
    """Published needs → answered (an answer other than a refusal) → shortlisted → contracted (wholly or partly)."""
    published = Need.objects.exclude(published_at=None)
    counts = published.aggregate(
        published=Count("pk"),
        answered=Count("pk", filter=Q(answers__in=Answer.objects.exclude(kind=Answer.Kind.DECLINED)), distinct=True),
        shortlisted=Count("pk", filter=Q(answers__shortlisted=True), distinct=True),
        contracted=Count("pk", filter=Q(outcome__in=[Need.Outcome.CONTRACTED, Need.Outcome.PARTLY]), distinct=True),
    )
    steps = [
        ("published", _("Published")),
        ("answered", _("Answered")),
        ("shortlisted", _("Shortlisted")),
        ("contracted", _("Contracted")),
    ]
    return [{"label": label, "values": [counts[key]]} for key, label in steps]


@coordinator_required
def coordination(request: HttpRequest) -> HttpResponse:
    context = {
        "suggestions": len(suggestions.suggestions_pending()),
        "claims": Claim.objects.filter(status=Claim.Status.PENDING).count(),
        "role_requests": RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).count(),
        "pairs": RecordPair.objects.filter(status=RecordPair.Status.REVIEW).count(),
        "imports_running": ImportRun.objects.filter(status=ImportRun.Status.RUNNING).count(),
        "imports": ImportRun.objects.select_related("source").order_by("-started_at")[:RECENT],
        # The carrier's name is shown beside each plan: read with it, not once per plan.
        "plans": access.runs_of(request.user)
        .select_related("owner")
        .defer("problem", "labels", "plan", "report")[:RECENT],
        "funnel": needs_funnel(),
    }
    return render(request, "site/coordination.html", context)
