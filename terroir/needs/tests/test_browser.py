"""In a real browser: a supermarket publishes a need, the cheese farm finds it in its inbox and makes an
offer, the supermarket shortlists it and sees the farm's contact details."""

from __future__ import annotations

from typing import Any

import pytest

from terroir.conftest import offline_tab, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_publishes_a_need_a_producer_offers_and_is_shortlisted(
    browser: Any,
    live_server: Any,
    communes_for_live_server: None,
    territory: Any,
    people: Any,
    settings: Any,
) -> None:
    settings.TERROIR_TILE_URL = ""
    buyer = signed_in(offline_tab(browser, live_server), people.sophie, live_server)
    buyer.goto(live_server.url + "/needs/new/")
    buyer.fill("input[name=title]", "Fromages AOP pour le rayon local")
    buyer.select_option("select[name=category]", "cow-cheese")
    buyer.fill("input[name=quantity]", "40")
    buyer.select_option("select[name=delivery_place]", str(territory.clermont_supermarket.pk))
    buyer.check("input[name=delivery_weekdays][value='1']")
    buyer.fill("input[name=max_km]", "100")
    buyer.get_by_role("button", name="Publier", exact=True).click()
    buyer.wait_for_selector("text=Publié\u202f: 1 producteur correspond.")
    assert "GAEC des Monts du Forez" in buyer.inner_text("ol.matches")

    producer = signed_in(offline_tab(browser, live_server), people.claire, live_server)
    producer.goto(live_server.url + "/")
    producer.get_by_role("link", name="Messages").click()
    producer.get_by_role("link", name="Fromages AOP pour le rayon local").click()
    producer.check("input[name=kind][value=offer]")
    producer.fill("input[name=price]", "13.90")
    producer.fill("input[name=volume]", "40")
    producer.get_by_role("button", name="Envoyer").click()
    producer.wait_for_selector("text=Votre réponse est envoyée à l’acheteur.")

    buyer.reload()
    row = buyer.locator("tr.answer", has_text="GAEC des Monts du Forez")
    assert "13,90" in row.inner_text() or "13.90" in row.inner_text()
    assert "contact@monts-du-forez.example.org" not in row.inner_text()
    row.get_by_role("button", name="Retenir").click()
    buyer.wait_for_selector("tr.answer.shortlisted")
    assert "contact@monts-du-forez.example.org" in buyer.inner_text("tr.answer.shortlisted")

    producer.reload()
    mine = producer.inner_text("main")
    assert "l’acheteur vous a retenu" in mine and "Contact de l’acheteur" in mine
    for tab in (buyer, producer):
        tab.context.close()
