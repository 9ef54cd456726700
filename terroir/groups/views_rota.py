"""The volunteers' rota pages: a distribution's tasks (members sign up and withdraw, organisers set the
tasks), the coming distributions still short of volunteers, and a volunteer's shifts as iCalendar."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terroir.directory.forms import form_errors_add

from . import volunteers
from .access import is_organiser, membership_of
from .baskets import member_name, members_named
from .models import Distribution, Group, VolunteerShift, VolunteerTask


class TaskForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Task"), max_length=120)
    needed = forms.IntegerField(label=gettext_lazy("Volunteers needed"), min_value=1, max_value=50, initial=1)
    starts_at = forms.TimeField(label=gettext_lazy("From (empty: the distribution's hours)"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    ends_at = forms.TimeField(label=gettext_lazy("Until"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip


def _distribution(distribution_id: int) -> Distribution:
    return get_object_or_404(Distribution.objects.select_related("group__place", "place"), pk=distribution_id)


@login_required
def volunteers_page(request: HttpRequest, distribution_id: int) -> HttpResponse:
    distribution = _distribution(distribution_id)
    organiser = is_organiser(request.user, distribution.group)
    member = membership_of(request.user, distribution.group)
    if not (organiser or member):
        raise PermissionDenied(_("This page is for the group's members and organisers."))
    form = TaskForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if not organiser:
                raise PermissionDenied(_("Only the group's organisers set the volunteers' tasks."))
            if "usual" in request.POST:
                volunteers.volunteer_tasks_usual(distribution=distribution, by=request.user)
                messages.success(request, _("The usual tasks are added."))
                return redirect("groups:volunteers", distribution_id=distribution.pk)
            if form.is_valid():
                volunteers.volunteer_task_save(distribution=distribution, by=request.user, **form.cleaned_data)
                messages.success(request, _("The task is added."))
                return redirect("groups:volunteers", distribution_id=distribution.pk)
        except ValidationError as exc:
            form_errors_add(form, exc)
    tasks = list(distribution.volunteer_tasks.prefetch_related("shifts__member__user").order_by("starts_at", "pk"))
    members_named(s.member for task in tasks for s in task.shifts.all())
    rows = []
    for task in tasks:
        shifts = list(task.shifts.all())
        rows.append({
            "task": task, "hours": volunteers.hours_of(task), "shifts": shifts,
            "names": [member_name(s.member) for s in shifts],
            "mine": next((s for s in shifts if member and s.member_id == member.pk), None),
            "left": task.needed - len(shifts),
        })  # fmt: skip
    context = {
        "distribution": distribution, "group": distribution.group, "organiser": organiser, "member": member,
        "rows": rows, "form": form if organiser else None,
        "calendar": request.build_absolute_uri(reverse("groups:volunteer_calendar",
                                                       args=[volunteers.calendar_token(request.user)])),
    }  # fmt: skip
    return render(request, "groups/orders/volunteers.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def volunteer_sign_up(request: HttpRequest, distribution_id: int, task_id: int) -> HttpResponse:
    task = get_object_or_404(VolunteerTask.objects.select_related("distribution__group"), pk=task_id,
                             distribution_id=distribution_id)  # fmt: skip
    member = membership_of(request.user, task.distribution.group)
    if member is None:
        raise PermissionDenied(_("Only the group's members volunteer."))
    try:
        volunteers.volunteer_sign_up(task=task, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: you are signed up for “%(task)s”.") % {"task": task.name})
    return redirect("groups:volunteers", distribution_id=distribution_id)


@login_required
@require_POST
def volunteer_withdraw(request: HttpRequest, distribution_id: int, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(VolunteerShift.objects.select_related("task__distribution__group", "member"),
                              pk=shift_id, task__distribution_id=distribution_id)  # fmt: skip
    try:
        volunteers.volunteer_withdraw(shift=shift, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You have withdrawn from “%(task)s”.") % {"task": shift.task.name})
    return redirect("groups:volunteers", distribution_id=distribution_id)


@login_required
def volunteers_needed(request: HttpRequest, group_id: int) -> HttpResponse:
    """The organisers' view of the coming distributions: which still lack volunteers, and for what."""
    group = get_object_or_404(Group, pk=group_id)
    if not is_organiser(request.user, group):
        raise PermissionDenied(_("This page is for the group's organisers."))
    rows = volunteers.staffing_of(volunteers.coming_distributions(group))
    return render(request, "groups/orders/volunteers_needed.html", {"group": group, "rows": rows})


def volunteer_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """A person's shifts, at the secret address their calendar application subscribes to."""
    user_id = volunteers.calendar_user_id(token)
    if user_id is None:
        raise Http404
    response = HttpResponse(volunteers.shifts_ical(user_id), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="benevolat.ics"'
    return response
