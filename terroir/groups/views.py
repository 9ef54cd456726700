"""Consumer groups' pages: the public list and a group's page with its calendar of distributions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .models import Group


def group_list(request: HttpRequest) -> HttpResponse:
    groups = Group.objects.select_related("place__commune", "organiser")
    return render(request, "groups/list.html", {"groups": groups})


def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(Group.objects.select_related("place__commune", "organiser"), pk=pk)
    coming = group.distributions.filter(date__gte=timezone.localdate()).select_related("place")[:12]
    return render(request, "groups/group.html", {"group": group, "distributions": coming})
