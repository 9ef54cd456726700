"""A rota that fails on the worker says why in the language of whoever reads it: the page showed the
run's stored text as it was ("memory limit exceeded", "the time limit came before any rota was found")
in English to a French reader. The rota keeps a message (background.error_stored) or a task's reason,
both said when the page is read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from terroir.lib.tasks import MEMORY, TaskLimitExceeded
from terroir.shops import rota as engine
from terroir.shops import services, tasks
from terroir.shops.models import Rota, RotaStatus

from .test_shops import rota_setup

pytestmark = pytest.mark.django_db


def _said(client: Client, rota: Rota, language: str) -> str:
    page = client.get(f"/shops/{rota.shop_id}/rota/{rota.pk}/", headers={"accept-language": language})
    assert page.status_code == 200
    return page.content.decode().split('id="rota-error">', 1)[1].split("</p>", 1)[0]


def test_a_rota_stopped_by_a_limit_says_so_in_the_reader_s_language(
    client: Client, le_local: Any, people: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rota_setup(le_local, people)
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1)

    def over(*_args: Any, **_kwargs: Any) -> None:
        raise TaskLimitExceeded(MEMORY)

    monkeypatch.setattr(tasks, "supervised", over)
    with translation.override("en"):
        tasks.rota_compute.call(rota.pk)
    client.force_login(le_local.florent)
    assert _said(client, rota, "fr").startswith("il fallait plus de mémoire")
    assert _said(client, rota, "en").startswith("it needed more memory")


def test_a_rota_the_solver_found_no_time_for_says_so_in_the_reader_s_language(
    client: Client, le_local: Any, people: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rota_setup(le_local, people)
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1)
    monkeypatch.setattr(services.engine, "solve", lambda *_args, **_kwargs: engine.Outcome(status=engine.UNKNOWN))
    with translation.override("en"):
        services.rota_execute(rota.pk)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.FAILED
    client.force_login(le_local.florent)
    assert _said(client, rota, "fr") == "le temps imparti s’est écoulé avant qu’un planning soit trouvé"
    assert _said(client, rota, "en") == "the time limit came before any rota was found"
