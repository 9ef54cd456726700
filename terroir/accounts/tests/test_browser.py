"""In a real browser: a producer signs up, claims her farm, changes the farm shop's hours and sees them
public; a visitor suggests a correction to the market and the coordinator accepts it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from terroir.accounts.models import Membership
from terroir.conftest import offline_tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story(communes_for_live_server: None, territory: Any, people: Any) -> tuple[Any, Any]:
    return territory, people


def last_link(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    found = re.search(r"https?://[^\s/]+(/\S+)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_a_producer_signs_up_claims_her_farm_and_changes_the_shop_hours(
    page: Any,
    live_server: Any,
    story: tuple[Any, Any],
) -> None:
    territory, _people = story
    # Nobody manages the farm on the platform yet (otherwise its members would decide on her request).
    Membership.objects.filter(actor=territory.cheese_farm).delete()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.fill("input[name=email]", "lea@monts-du-forez.example.org")
    page.fill("input[name=password1]", "Bleu-d-Auvergne-2026")
    page.fill("input[name=password2]", "Bleu-d-Auvergne-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + last_link("lea@monts-du-forez.example.org"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("h1:has-text('Mon espace')")

    # Her farm is already in the directory (imported): she asks to manage it.
    page.goto(live_server.url + territory.cheese_farm.get_absolute_url())
    page.get_by_role("link", name="Je gère cette fiche").click()
    page.fill("textarea[name=message]", "Associée du GAEC depuis 2019")
    page.get_by_role("button", name="Je gère cette fiche").click()
    page.wait_for_selector("text=c•••@monts-du-forez.example.org")
    # The link went to the farm's address on file, which she reads.
    page.goto(live_server.url + last_link("contact@monts-du-forez.example.org"))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_selector("text=GAEC des Monts du Forez")

    page.get_by_role("link", name="Vente à la ferme des Monts du Forez").click()
    # The code is the advanced way (the day grid is the other, terroir/directory/tests/test_browser_hours.py).
    page.get_by_text("Code OpenStreetMap (avancé)").click()
    page.get_by_label("Horaires d’ouverture").fill("Fr 16:00-19:30; Sa 09:00-12:00")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_selector("text=Enregistré. La modification est publique.")

    page.goto(live_server.url + territory.farm_shop.get_absolute_url())
    # Shown to visitors in words (issue 15), the code one click away.
    assert "vendredi 16 h–19 h 30\u202f; samedi 9 h–12 h" in page.inner_text("main")


def test_a_visitor_suggests_a_correction_and_the_coordinator_accepts_it(
    browser: Any,
    live_server: Any,
    story: tuple[Any, Any],
    settings: Any,
) -> None:
    territory, people = story
    settings.TERROIR_TILE_URL = ""
    market_url = live_server.url + territory.ambert_market.get_absolute_url()
    visitor = offline_tab(browser, live_server)
    visitor.goto(market_url)
    visitor.get_by_role("link", name="Proposer une correction ou signaler une fermeture").click()
    visitor.fill("input[name=address]", "Place Saint-Jean")
    visitor.fill("textarea[name=comment]", "Le marché a déménagé en 2026.")
    visitor.get_by_role("button", name="Envoyer la suggestion").click()
    visitor.wait_for_selector("h1:has-text('Merci')")
    assert "Place Saint-Jean" not in visitor.goto(market_url).text()  # not public before moderation
    visitor.context.close()

    coordinator = offline_tab(browser, live_server)
    coordinator.goto(live_server.url + "/account/login/")
    coordinator.fill("input[name=login]", people.camille.email)
    coordinator.fill("input[name=password]", people.password)
    coordinator.locator("main form button[type=submit]").click()
    coordinator.get_by_role("link", name="Modération").click()
    suggestion = coordinator.locator("section.suggestion", has_text="Marché d'Ambert")
    assert "Place Saint-Jean" in suggestion.inner_text()
    suggestion.get_by_role("button", name="Accepter").click()
    coordinator.wait_for_selector("text=Suggestion acceptée")
    coordinator.goto(market_url)
    assert "Place Saint-Jean" in coordinator.inner_text("main")
    coordinator.context.close()
