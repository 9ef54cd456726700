"""A planning run or a relay siting study that fails on the worker is read in the reader's language. The
worker computes in the site's language (or, with tasks run at once, in the language of whoever queued the
run); the run is read later by people of either language. It kept its refusal as text in the worker's
language ("vehicle v1: unknown depot 'nowhere'" to a French reader); it keeps the message (its template
and values: background.error_stored) and the pages and the API say it when they are read. Runs failed
before keep reading as they were stored."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from terroir.accounts.services import api_token_create
from terroir.directory.background import task_error_text
from terroir.lib.tasks import WORKER_LOST, TaskError
from terroir.logistics import services, studies, tasks
from terroir.logistics.models import DeliveryOrder, PlanningRun, RelayCandidate, RunStatus, SitingStudy

from .test_planner import WEEK, make_week
from .test_relays import week_orders

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"


def _failed_run(territory: Any, worker_language: str) -> PlanningRun:
    """A run whose vehicle starts at a depot the problem lacks, computed by a worker in `worker_language`."""
    week = make_week(territory)
    problem, labels = services.problem_for_week([week["truck"]], week["orders"])
    problem["vehicles"][0]["depot"] = "nowhere"
    run = PlanningRun.objects.create(problem=problem, labels=labels, week=WEEK, time_limit_s=1, stage="queued")
    with translation.override(worker_language):
        services.run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    return run


@pytest.mark.parametrize("worker_language", ["en", "fr"])
def test_a_run_refused_on_the_worker_is_said_in_the_reader_s_language(
    client: Client, territory: Any, people: Any, worker_language: str
) -> None:
    run = _failed_run(territory, worker_language)
    client.force_login(people.camille)
    said = {
        "fr": f"véhicule Camion frigo{NNBSP}: dépôt inconnu «{NBSP}nowhere{NBSP}»",
        "en": "vehicle Camion frigo: unknown depot “nowhere”",
    }
    for language, text in said.items():
        page = client.get(f"/logistics/runs/{run.pk}/", headers={"accept-language": language}).content.decode()
        assert text in unescape(page), language
        state = client.get(f"/logistics/runs/{run.pk}/state.json", headers={"accept-language": language}).json()
        assert state["error"] == text


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", f"véhicule v1{NNBSP}: dépôt inconnu «{NBSP}nowhere{NBSP}»"), ("en", "vehicle v1: unknown depot “nowhere”")],
)
def test_the_api_says_a_failed_run_s_refusal_in_the_caller_s_language(
    client: Client, territory: Any, people: Any, language: str, said: str
) -> None:
    run = _failed_run(territory, "en" if language == "fr" else "fr")
    run.labels = {}  # a run asked through the API names its vehicles by the ids its problem gives
    run.created_by = people.camille
    run.save()
    _token, key = api_token_create(user=people.camille, name="planner", scope="read")
    body = client.get(
        f"/api/v1/plans/{run.pk}", headers={"Authorization": f"Bearer {key}", "Accept-Language": language}
    ).json()
    assert body["error"].replace(str(run.problem["vehicles"][0]["id"]), "v1") == said


def test_a_study_refused_on_the_worker_is_said_in_the_reader_s_language(
    client: Client, territory: Any, people: Any
) -> None:
    week_orders(territory)
    RelayCandidate.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.11, fixed_cost_week=121,
                                  capacity_kg_day=200)  # fmt: skip
    orders = DeliveryOrder.objects.select_related("producer", "customer", "delivery_place")
    problem, labels = studies.study_problem(RelayCandidate.objects.all(), orders, week=WEEK)
    problem["candidates"][0]["fixed_cost"] = -5
    study = SitingStudy.objects.create(week=WEEK, problem=problem, labels=labels, stage="queued")
    with translation.override("fr"):  # whoever queued it read French; the worker computed it at once
        studies.study_execute(study.pk)
    study.refresh_from_db()
    assert study.status == RunStatus.FAILED
    client.force_login(people.camille)
    said = {"fr": "site candidat Plateforme Clermont-Nord", "en": "candidate site Plateforme Clermont-Nord"}
    for language, text in said.items():
        state = client.get(f"/logistics/studies/{study.pk}/state.json", headers={"accept-language": language}).json()
        assert text in state["error"], (language, state["error"])
        other = said["en" if language == "fr" else "fr"]
        assert other not in state["error"]


def test_a_run_stopped_by_an_unexpected_error_in_its_child_says_so_in_the_reader_s_language(
    territory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = PlanningRun.objects.create(problem={}, week=WEEK, time_limit_s=1, stage="queued")

    def crashed(*_args: Any, **_kwargs: Any) -> None:
        raise TaskError("ZeroDivisionError", "division by zero", "Traceback …")

    monkeypatch.setattr(tasks, "supervised", crashed)
    with translation.override("en"):
        tasks.plan_compute.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    with translation.override("fr"):
        assert task_error_text(run.error) == (
            "une erreur imprévue a arrêté le calcul (ZeroDivisionError: division by zero)"
        )
    with translation.override("en"):
        assert task_error_text(run.error) == (
            "an unexpected error stopped the computation (ZeroDivisionError: division by zero)"
        )


@pytest.mark.parametrize(
    ("stored", "french"),
    [
        # A run failed before messages were kept: its text, as it was stored.
        ("vehicle v1: unknown depot 'nowhere'", "vehicle v1: unknown depot 'nowhere'"),
        ("ValueError: {odd}", "ValueError: {odd}"),
        ("{not json", "{not json"),
        # A task's reason, stored in English, said in the reader's language (as before).
        (WORKER_LOST, "le processus de calcul s’est arrêté"),
    ],
)
def test_a_run_failed_before_reads_as_it_was_stored(stored: str, french: str) -> None:
    with translation.override("fr"):
        assert task_error_text(stored).startswith(french)
