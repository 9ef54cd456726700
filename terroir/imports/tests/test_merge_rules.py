"""The rules that decide which candidate pairs merge without a coordinator (issue 14: precision first).

The records are small synthetic rebuilds of the real failures the issue reports: different markets of
Nancy and Metz merged into one, three "Marché de la Seille" 15 km apart, a biscuit shop and an oil mill,
a Biocoop and a B&B next door. Nothing here is copied from the scraped lists.
"""

from __future__ import annotations

import random
from difflib import SequenceMatcher
from typing import Any

from django.utils import translation

from terroir.imports.linkage import directory_model, link
from terroir.imports.merge import (
    Decision,
    company_of,
    days_of,
    linkage_columns,
    matching_ratio,
    name_normalised,
    name_specific,
    pair_decide,
    pairs_decide,
    website_domain,
    weekdays,
)
from terroir.imports.review import reason_text

NANCY = {"commune": "Nancy", "commune_code": "54395", "postcode": "54000"}


def place(source: str, name: str, lat: float | None = None, lon: float | None = None, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "record_type": "place", "kind": "market", **NANCY, **more}
    if lat is not None:
        data.update(lat=lat, lon=lon, precision="given")
    return linkage_columns(data, source=source, ref=more.pop("ref", ""))


def producer(source: str, name: str, **more: Any) -> dict[str, Any]:
    return linkage_columns({"name": name, "record_type": "producer", **more}, source=source)


def codes(decision: Decision) -> dict[str, Any]:
    return dict(decision.reasons)


def test_two_markets_of_nancy_a_kilometre_apart_with_the_same_generic_name_stay_two() -> None:
    # "Marché de Nancy" names the commune, not a market: it does not agree by itself.
    left = place("jourdemarche", "Marché de Nancy", 48.6921, 6.1844)
    right = place("nosmarches", "Marché hebdomadaire de Nancy", 48.6831, 6.1844)
    decision = pair_decide(left, right)
    assert not decision.auto
    assert "name_generic" in codes(decision) and codes(decision)["too_far_m"] == 1001
    # Nor does one list's "Marché" twice in one commune, however close.
    twins = pair_decide(place("osm", "Marché", 48.6921, 6.1844), place("osm", "Marché", 48.6922, 6.1845))
    assert not twins.auto


def test_the_linkage_alone_would_merge_the_markets_of_nancy_but_the_rules_send_them_to_review() -> None:
    rows = [
        {"unique_id": "a", **place("jourdemarche", "Marché de Nancy", 48.6921, 6.1844)},
        {"unique_id": "b", **place("nosmarches", "Marché de Nancy", 48.6925, 6.1900)},
    ]
    pairs = link(rows[:1], rows[1:], model=directory_model(), threshold=0.01)
    assert pairs and pairs[0].probability >= 0.95  # what merged them before issue 14
    decided = pairs_decide([("a", "b")], {r["unique_id"]: r for r in rows})
    assert not decided[("a", "b")].auto


def test_three_markets_of_the_same_name_fifteen_kilometres_apart_are_three_markets() -> None:
    seille = [
        place("osm", "Marché de la Seille", 49.1193, 6.1757, commune="Metz", commune_code="57463"),
        place("gogocarto", "Marché de la Seille", 48.9900, 6.1700, commune="", commune_code=""),
        place("agence-bio", "Marché de la Seille", 49.1193, 6.3800, commune="", commune_code=""),
    ]
    for i, left in enumerate(seille):
        for right in seille[i + 1 :]:
            decision = pair_decide(left, right)
            assert not decision.auto and "too_far_m" in codes(decision) and codes(decision).get("name") == 1.0


def test_a_biscuit_shop_and_an_oil_mill_at_one_address_are_not_merged() -> None:
    biscuits = place("osm", "Biscuiterie de l'Abbaye", 48.1000, 6.3000, kind="shop", address="2 rue du Moulin")
    oil = place("gogocarto", "Huilerie Vandamme", 48.1000, 6.3001, kind="shop", address="2 rue du Moulin")
    decision = pair_decide(biscuits, oil)
    assert not decision.auto and "names_differ" in codes(decision)


def test_a_biocoop_and_its_neighbour_the_bed_and_breakfast_are_not_merged() -> None:
    shop = place("gogocarto", "Biocoop Le Grenier", 48.2000, 6.4000, kind="shop")
    guest_house = place("gogocarto-2", "B&B Le Grenier d'Antan", 48.2001, 6.4001, kind="shop")
    assert not pair_decide(shop, guest_house).auto


def test_places_of_kinds_that_cannot_be_one_place_are_not_merged_even_with_one_name() -> None:
    market = place("osm", "Ferme du Pré", 48.2, 6.4, kind="market")
    vending = place("agence-bio", "Ferme du Pré", 48.2, 6.4, kind="vending")
    decision = pair_decide(market, vending)
    assert not decision.auto and codes(decision)["kinds_differ"] == "market / vending"
    assert pair_decide(place("osm", "Ferme du Pré", 48.2, 6.4, kind="shop"),
                       place("b", "Ferme du Pré", 48.2, 6.4, kind="producers_shop")).auto  # fmt: skip


def test_the_same_siret_merges_and_says_so_even_when_names_are_written_differently() -> None:
    left = place("agence-bio", "EARL du Pré Vert", 48.3000, 6.5000, kind="farm", siret="73282932000074")
    right = place("osm", "Le magasin de la ferme", 48.3030, 6.5000, kind="farm", siret="73282932000074")
    decision = pair_decide(left, right)
    assert decision.auto and codes(decision)["siret"] == "73282932000074"
    assert {"code": "siret", "value": "73282932000074"} in decision.reasons_json()
    assert codes(decision)["distance_m"] == 334


def test_different_sirets_never_merge_places() -> None:
    left = place("a", "Ferme du Pré", 48.3, 6.5, kind="farm", siret="73282932000074")
    right = place("b", "Ferme du Pré", 48.3, 6.5, kind="farm", siret="73282932000082")
    decision = pair_decide(left, right)
    assert not decision.auto and "siret_differs" in codes(decision)


def test_names_that_agree_merge_within_the_distance_of_their_kind_with_their_reasons() -> None:
    left = place("osm", "Ferme des Trois Chênes", 48.4000, 6.6000, kind="farm")
    right = place("gogocarto", "GAEC FERME DES TROIS-CHENES", 48.4020, 6.6000, kind="farm")
    decision = pair_decide(left, right)
    assert decision.auto
    assert [r["code"] for r in decision.reasons_json()] == ["name", "kind", "distance_m"]
    # Two markets of one name are the same market only a few hundred metres apart at most.
    far = pair_decide(place("a", "Marché des Halles", 48.4, 6.6), place("b", "Marché des Halles", 48.4027, 6.6))
    assert not far.auto and codes(far)["too_far_m"] == 300


def test_one_sources_records_merge_only_when_they_are_the_same_thing_twice() -> None:
    node = place("osm", "Hofladen Müller", 48.5000, 8.4000, kind="farm", ref="node/1")
    way = place("osm", "Hofladen Müller", 48.5003, 8.4000, kind="farm", ref="way/2")
    assert pair_decide(node, way).auto
    assert codes(pair_decide(node, way))["same_source"] == "osm"
    # Another name at the same point (the café of the farm) is another place of the same list.
    cafe = place("osm", "Hofcafé Müller", 48.5000, 8.4000, kind="farm")
    assert not pair_decide(node, cafe).auto
    # Same name without positions, in one commune but at two addresses: two markets of one town.
    left = place("jourdemarche", "Marché de Clermont-Ferrand", address="place mazet", commune="Clermont-Ferrand",
                 commune_code="63113", postcode="63000")  # fmt: skip
    right = place("jourdemarche", "Marché de Clermont-Ferrand", address="place de jaude", commune="Clermont-Ferrand",
                  commune_code="63113", postcode="63000")  # fmt: skip
    assert not pair_decide(left, right).auto


def test_a_town_web_site_shared_by_two_markets_proves_nothing() -> None:
    left = place("osm", "Wochenmarkt Domshof", 53.0760, 8.8080, website="https://www.bremen.de/markt")
    right = place("osm", "Wochenmarkt Unser Lieben Frauen", 53.0761, 8.8081, website="https://www.bremen.de/x")
    decision = pair_decide(left, right)
    assert not decision.auto and codes(decision)["website"] == "bremen.de"
    # A nameless entry of one list with the farm's own site, a few metres from it, is that farm.
    nameless = place("osm", "", 48.5001, 8.4000, kind="farm", website="https://hofladen-mueller.de")
    named = place("osm", "Hofladen Müller", 48.5000, 8.4000, kind="farm", website="hofladen-mueller.de/shop")
    assert pair_decide(nameless, named).auto


def test_markets_on_different_days_are_different_markets() -> None:
    friday = place("jourdemarche", "Marché de Champeix", opening_hours="Fr 08:00-13:00", commune="Champeix",
                   commune_code="63084", postcode="63320")  # fmt: skip
    wednesday = place("nosmarches", "Marché de Champeix", opening_hours="We 21:00-23:00", commune="Champeix",
                      commune_code="63084", postcode="63320")  # fmt: skip
    decision = pair_decide(friday, wednesday)
    assert not decision.auto and codes(decision)["days_differ"] == "Fr / We"


def test_a_village_market_of_two_lists_merges_on_its_days_unless_the_village_has_another_that_day() -> None:
    ambert: dict[str, Any] = {"commune": "Ambert", "commune_code": "63003", "postcode": "63600"}
    columns = {
        "j1": place("jourdemarche", "Marché de Ambert", opening_hours="Th", **ambert),
        "n1": place("nosmarches", "Marché hebdomadaire d'Ambert", opening_hours="Th 07:30-12:30", **ambert),
    }
    decided = pairs_decide([("j1", "n1")], columns)
    assert decided[("j1", "n1")].auto and codes(decided[("j1", "n1")])["market_days"] == "63003"
    # A second Thursday market in one of the lists: which one is it? A coordinator says.
    columns["n2"] = place("nosmarches", "Marché de producteurs", opening_hours="Th 16:00-19:00", **ambert)
    decided = pairs_decide([("j1", "n1")], columns)
    assert not decided[("j1", "n1")].auto and codes(decided[("j1", "n1")])["ambiguous"] == 2


def test_a_record_with_two_namesakes_in_another_source_goes_to_review() -> None:
    columns = {
        "a": place("agence-bio", "Ferme du Moulin", 45.0, 3.0, kind="farm"),
        "b": place("osm", "Ferme du Moulin", 45.0010, 3.0, kind="farm"),
        "c": place("osm", "Ferme du Moulin", 45.0, 3.0015, kind="farm"),
    }
    decided = pairs_decide([("a", "b"), ("a", "c")], columns)
    assert not decided[("a", "b")].auto and not decided[("a", "c")].auto


def test_producers_link_by_siret_siren_or_name_and_commune() -> None:
    siret = producer("agence-bio", "GAEC des Monts", siret="73282932000074")
    assert pair_decide(siret, producer("hve", "Les Monts du Forez", siret="73282932000074")).auto
    # Same company (SIREN), another establishment, wherever it is.
    far = producer("hve", "SCEA Domaine des Monts", siret="73282932000082", lat=44.0, lon=1.0, precision="given")
    assert pair_decide(siret | {"lat": 45.5, "lon": 3.7}, far).auto
    # The farm's own e-mail address in one commune, with a name that only says "farm of the village".
    bourg = {"commune": "Kilstett", "commune_code": "67237", "email": "ferme.du.bourg@example.org"}
    assert pair_decide(producer("a", "Ferme du Bourg", **bourg), producer("b", "FERME DU BOURG", **bourg)).auto
    # The same address with another business name: a coordinator decides.
    assert not pair_decide(
        producer("a", "Les Jardins du Moulin", **bourg), producer("b", "Jérôme Sendert", **bourg)
    ).auto
    ambert = {"commune_code": "63003", "postcode": "63600"}
    left = producer("agence-bio", "EARL Rousset Delbecq", **ambert)
    assert pair_decide(left, producer("hve", "SAS ROUSSET DELBECQ", **ambert)).auto
    # The same name in another commune: a namesake until someone says otherwise.
    other = producer("hve", "EARL Rousset Delbecq", commune_code="63300", postcode="63300")
    assert not pair_decide(left, other).auto


def test_names_lose_what_only_says_their_kind_or_commune_and_hours_give_their_days() -> None:
    assert name_specific("Marché hebdomadaire de Thiers", "Thiers") == ""
    assert name_specific("Marché de la Seille", "Metz") == "seille"
    assert name_specific("Biocoop Nancy", "Nancy") == "biocoop"
    assert name_specific("Marché de Châtelguyon", "Châtel-Guyon") == ""
    assert weekdays("Mo-Fr 08:00-12:00; Su off") == {"Mo", "Tu", "We", "Th", "Fr"}
    assert weekdays("Fr-Mo 09:00-12:00") == {"Fr", "Sa", "Su", "Mo"}
    assert weekdays("We,Sa 08:00-13:00") == {"We", "Sa"}


# --- Round 3: recall on the hand-labelled real sets, precision kept (bench/dedup.py) ----------------
# Synthetic rebuilds of the kinds of pairs the real sets showed; no row of the scraped lists is copied.

AMANT: dict[str, Any] = {"commune": "Saint-Amant", "commune_code": "63315", "postcode": "63450"}


def test_a_page_on_a_social_network_is_named_by_its_own_path_not_by_the_networks_p_prefix() -> None:
    first = website_domain("https://www.facebook.com/p/Ferme-des-Tilleuls-100057000000001/")
    second = website_domain("https://m.facebook.com/p/Rucher-du-Puy-100057000000002")
    assert first == "facebook.com/ferme-des-tilleuls-100057000000001"
    assert first != second
    assert website_domain("https://sites.google.com/view/ferme-du-pre") == "sites.google.com/ferme-du-pre"
    assert website_domain("https://www.facebook.com/") == ""


def test_a_name_that_says_its_day_is_believed_over_a_schedule_that_contradicts_it() -> None:
    assert days_of("Marché du jeudi à Saint-Amant", "Sa 08:00-13:00") == {"Th"}
    # A schedule that includes the named day says more than the name: it is kept.
    assert days_of("Marché du samedi", "We,Sa 08:00-13:00") == {"We", "Sa"}
    assert days_of("Les Vendredis du Terroir", "") == {"Fr"}
    assert days_of("Marché de Saint-Amant", "Tu 08:00-12:00") == {"Tu"}


def test_two_lists_markets_named_by_their_day_merge_on_the_day_their_names_give() -> None:
    columns = {
        "j1": place("jourdemarche", "Marché de Saint-Amant", opening_hours="Sa", address="place haute", **AMANT),
        "j2": place("jourdemarche", "Marché de Saint-Amant", opening_hours="Th", address="place basse", **AMANT),
        "n1": place("nosmarches", "Marché du samedi à Saint-Amant", opening_hours="Sa 08:00-13:00", **AMANT),
        # The scraped schedule says Saturday, the market's name Thursday.
        "n2": place("nosmarches", "Marché du jeudi à Saint-Amant", opening_hours="Sa 08:00-12:00", **AMANT),
    }
    pairs = [("j1", "n1"), ("j1", "n2"), ("j2", "n1"), ("j2", "n2")]
    decided = pairs_decide(pairs, columns)
    assert {key for key, decision in decided.items() if decision.auto} == {("j1", "n1"), ("j2", "n2")}


def test_a_market_with_a_name_of_its_own_does_not_make_the_town_market_ambiguous() -> None:
    columns = {
        "j1": place("jourdemarche", "Marché de Saint-Amant", opening_hours="Tu,Fr", **AMANT),
        "n1": place("nosmarches", "Marché de Saint-Amant", opening_hours="Tu 07:30-12:30; Fr 07:30-12:30", **AMANT),
        "n2": place("nosmarches", "Marché aux Fleurs et aux Plants", opening_hours="Tu 08:00-13:00", **AMANT),
    }
    decided = pairs_decide([("j1", "n1"), ("j1", "n2")], columns)
    assert decided[("j1", "n1")].auto and codes(decided[("j1", "n1")])["market_days"] == "63315"
    assert not decided[("j1", "n2")].auto


def test_one_lists_day_of_a_market_another_lists_on_two_days_merges_when_the_names_agree() -> None:
    friday = place("nosmarches", "Marché Saint-Roch", opening_hours="Fr 07:00-13:00", **AMANT)
    both = place("jourdemarche", "Marché Saint Roch", opening_hours="Fr,Sa", **AMANT)
    decision = pair_decide(friday, both)
    assert decision.auto and codes(decision)["days_within"] == "Fr / Fr,Sa"
    # Within one list, two entries on other days are two markets.
    twin = place("nosmarches", "Marché Saint-Roch", 45.0, 3.0, opening_hours="Fr,Sa")
    assert not pair_decide(place("nosmarches", "Marché Saint-Roch", 45.0, 3.0, opening_hours="Fr"), twin).auto
    # Names that only say "the market of the town" need the same days.
    generic = pair_decide(place("a", "Marché de Saint-Amant", opening_hours="Fr", **AMANT),
                          place("b", "Marché de Saint-Amant", opening_hours="Fr,Sa", **AMANT))  # fmt: skip
    assert not generic.auto


def test_a_market_named_only_by_its_town_merges_with_the_one_named_by_its_address() -> None:
    town = place("jourdemarche", "Marché de Saint-Amant", opening_hours="We,Fr", address="avenue de Thiers", **AMANT)
    street = place("nosmarches", "Marché avenue de Thiers", opening_hours="We 07:00-13:00; Fr 07:00-13:00", **AMANT)
    decision = pair_decide(town, street)
    assert decision.auto and codes(decision)["name_address"] == "avenue thiers"
    other = place("nosmarches", "Marché place du Foirail", opening_hours="We,Fr", **AMANT)
    assert not pair_decide(town, other).auto


def test_market_names_lose_what_only_says_they_sell_local_produce() -> None:
    assert name_specific("Marché de produits fermiers - Les Mardis Gourmands") == "mardis gourmands"


def test_one_osm_feature_drawn_as_a_node_and_a_way_merges_when_its_names_say_the_same_thing() -> None:
    node = place("osm", "Gruberalm", 47.10000, 7.70000, kind="farm", ref="node/11")
    way = place("osm", "Hofladen Gruberalm", 47.10001, 7.70000, kind="farm", ref="way/12")
    assert pair_decide(node, way).auto
    # One name inside the other, at one spot: a point and the outline of one shop.
    shop = place("osm", "Hubers Hofladen", 48.20000, 11.80000, kind="farm", ref="node/13")
    outline = place("osm", "Hubers Hofladen & Café", 48.20006, 11.80000, kind="farm", ref="way/14")
    assert pair_decide(shop, outline).auto
    # Two points with the longer name, or the outline 180 m away: the farm's other outlet.
    assert not pair_decide(shop, place("osm", "Hubers Hofladen & Café", 48.20006, 11.8, kind="farm")).auto
    assert not pair_decide(shop, place("osm", "Hubers Hofladen Haltestelle", 48.2016, 11.8, kind="farm",
                                       ref="way/15")).auto  # fmt: skip


def test_one_lists_entries_under_one_web_site_merge_when_one_name_is_a_misspelling_of_the_other() -> None:
    site = {"kind": "farm", "website": "https://www.hof-beispiel.example"}
    shop = place("osm", "Stiftung Hof Beispiel Brotkorb", 47.30000, 8.50000, **site)
    typo = place("osm", "Stiftung Hof Beispiel Broootkorb", 47.30010, 8.50000, **site)
    assert pair_decide(shop, typo).auto
    # A longer name under the farm's site is its other shop, even next door.
    eggs = place("osm", "Hof Beispiel Eier und Kartoffelhaus", 47.30030, 8.50000, **site)
    assert not pair_decide(place("osm", "Hof Beispiel", 47.3, 8.5, **site), eggs).auto


def test_one_lists_entries_with_the_same_specific_name_merge_only_where_positions_say_one_spot() -> None:
    # Without positions, "Marché central" and "Marché central bio" of one town are two markets.
    left = place("nosmarches", "Marché central", opening_hours="Sa", **AMANT)
    right = place("nosmarches", "Marché central BIO", opening_hours="Sa", **AMANT)
    assert not pair_decide(left, right).auto
    # With them, "Wochenmarkt Schillerplatz" and "Schillerplatz" 80 m apart are one market.
    node = place("osm", "Wochenmarkt Schillerplatz", 50.1148, 8.6785, opening_hours="Fr 08:00-18:00")
    way = place("osm", "Schillerplatz", 50.1155, 8.6785, opening_hours="Fr 08:00-18:00", ref="way/3")
    assert pair_decide(node, way).auto


def test_one_wine_companys_estates_in_other_communes_are_one_producer_by_name_and_its_own_site() -> None:
    company = {"website": "https://www.grands-domaines.example"}
    left = producer("hve", "SCEA Société des Grands Domaines", commune_code="33476", postcode="33180", **company)
    right = producer("hve", "SCEA SOCIETE DES GRANDS DOMAINES", commune_code="33384", postcode="33330", **company)
    decision = pair_decide(left, right)
    assert decision.auto and codes(decision)["website"] == "grands-domaines.example"
    # The same name without a site of its own, in another commune: a namesake until someone says so.
    marty = "EARL Vignobles Marty"
    assert not pair_decide(producer("hve", marty, commune_code="33476", postcode="33180"),
                           producer("hve", marty, commune_code="33384", postcode="33330")).auto  # fmt: skip
    # Two pages of one social network are two sites, whatever the network's own words in their address.
    pages = ("https://www.facebook.com/p/Vignobles-Marty-1000", "https://www.facebook.com/p/Vignobles-Marty-2000")
    assert not pair_decide(producer("hve", "Vignobles Marty", commune_code="33476", website=pages[0]),
                           producer("hve", "Vignobles Marty", commune_code="33384", website=pages[1])).auto  # fmt: skip


def test_the_linkage_proposes_neighbours_that_share_nothing_but_their_place() -> None:
    rows = [
        {"unique_id": "n", **place("osm", "Gruberalm", 47.10000, 7.70000, kind="farm", ref="node/11", **_NOWHERE)},
        {"unique_id": "w", **place("osm", "Hofladen Gruberalm", 47.10002, 7.70001, kind="farm", ref="way/12",
                                   **_NOWHERE)},
    ]  # fmt: skip
    found = link(rows, model=directory_model(), threshold=0.01)
    assert [(p.left, p.right) for p in found] in ([("n", "w")], [("w", "n")])


_NOWHERE: dict[str, Any] = {"commune": "", "commune_code": "", "postcode": ""}


def test_a_town_market_is_not_the_night_or_organic_market_of_another_list_for_lack_of_rivals() -> None:
    columns = {
        "j1": place("jourdemarche", "Marché de Saint-Amant", opening_hours="We,Fr", **AMANT),
        "n1": place("nosmarches", "Marché nocturne de Saint-Amant", opening_hours="We,Fr", **AMANT),
        "n2": place("nosmarches", "Marché bio", opening_hours="We,Fr", **AMANT),
    }
    decided = pairs_decide([("j1", "n1"), ("j1", "n2")], columns)
    assert not decided[("j1", "n1")].auto and not decided[("j1", "n2")].auto
    # "Marché local" is what one list calls a village's only market.
    village = {"j1": columns["j1"], "n3": place("nosmarches", "Marché local", opening_hours="We,Fr", **AMANT)}
    assert pairs_decide([("j1", "n3")], village)[("j1", "n3")].auto


def test_the_new_reasons_read_as_words_for_coordinators() -> None:
    with translation.override("fr"):
        assert reason_text({"code": "days_within", "value": "Fr / Fr,Sa"}) == (
            "une liste donne une partie des jours de l’autre (ven. / ven., sam.)"
        )
        assert reason_text({"code": "name_address", "value": "avenue thiers"}) == (
            "nommé par l’adresse que donne l’autre (avenue thiers)"
        )


# --- Round 4: misses of the hand-labelled real sets (bench/dedup.py --misses) -----------------------


def test_a_night_or_organic_market_does_not_make_the_plain_market_of_its_town_ambiguous() -> None:
    # One list gives the village's market and its night market on one day, the other the market alone.
    columns = {
        "j1": place("jourdemarche", "Marché de Saint-Amant", opening_hours="We", **AMANT),
        "n1": place("nosmarches", "Marché de Saint-Amant", opening_hours="We 08:00-13:00", **AMANT),
        "n2": place("nosmarches", "Marché nocturne", opening_hours="We 08:00-13:00", **AMANT),
        "n3": place("nosmarches", "Marché bio de Saint-Amant", opening_hours="We 08:00-13:00", **AMANT),
    }
    decided = pairs_decide([("j1", "n1"), ("j1", "n2"), ("j1", "n3")], columns)
    assert decided[("j1", "n1")].auto and codes(decided[("j1", "n1")])["market_days"] == "63315"
    assert not decided[("j1", "n2")].auto and not decided[("j1", "n3")].auto
    # Two plain markets that day still leave the choice to a coordinator.
    columns["n4"] = place("nosmarches", "Marché hebdomadaire", opening_hours="We 16:00-19:00", **AMANT)
    decided = pairs_decide([("j1", "n1"), ("j1", "n4")], columns)
    assert not decided[("j1", "n1")].auto and codes(decided[("j1", "n1")])["ambiguous"] == 2


def test_a_nameless_point_inside_the_outline_of_its_kind_is_that_feature_drawn_twice() -> None:
    square = place("osm", "Place de l'Église", 49.51909, 6.09845, ref="way/21", **_NOWHERE)
    point = place("osm", "", 49.51916, 6.09846, ref="node/22", **_NOWHERE)
    assert pair_decide(point, square).auto
    # Two points (no outline), another kind, or too far: not one feature drawn twice.
    named_point = place("osm", "Place de l'Église", 49.51909, 6.09845, ref="node/24", **_NOWHERE)
    assert not pair_decide(place("osm", "", 49.51916, 6.09846, ref="node/23", **_NOWHERE), named_point).auto
    assert not pair_decide(place("osm", "", 49.51916, 6.09846, ref="node/25", kind="vending", **_NOWHERE), square).auto
    assert not pair_decide(place("osm", "", 49.52009, 6.09845, ref="node/26", **_NOWHERE), square).auto
    # A nameless point with days of its own beside a named shop is a thing of its own (its vending machine).
    shop = place("osm", "Hofladen Krämer", 51.16062, 12.55941, kind="farm", ref="way/27", opening_hours="24/7",
                 **_NOWHERE)  # fmt: skip
    own_days = place("osm", "", 51.16080, 12.55960, kind="farm", ref="node/28", opening_hours="Tu,Fr 09:00-12:00",
                     **_NOWHERE)  # fmt: skip
    assert not pair_decide(own_days, shop).auto


def test_the_civil_companies_legal_forms_of_vineyards_say_nothing_about_which_farm_it_is() -> None:
    # SCE, SCEV, SC, SNC, GFA: forms of the HVE list's wine estates, as EARL or SCEA elsewhere.
    assert name_normalised("SCE Y. FOUCARD ET FILS") == name_normalised("Y. Foucard et fils") == "y foucard fils"
    assert name_normalised("SCEV Château Musset") == name_normalised("GFA du Château Musset") == "chateau musset"


def test_a_company_named_before_each_of_its_establishments_is_one_producer() -> None:
    assert company_of("BARON PHILIPPE DE ROTHSCHILD CHÂTEAU D'ARMAILHAC") == "baron philippe rothschild"
    assert company_of("VIGNOBLES CLEMENT FAYAT - CHATEAU ANEY") == "clement fayat"
    # Nothing but a legal form, one word, or no establishment after it: no company said.
    assert company_of("SCEA du Château Lafon") == company_of("EARL Martin Château Lafon") == ""
    assert company_of("La Ferme du Château") == company_of("GAEC des Monts du Forez") == ""
    clerc = producer("hve", "BARON PHILIPPE DE ROTHSCHILD CHÂTEAU CLERC MILON", commune_code="33314")
    mouton = producer("hve", "BARON PHILIPPE DE ROTHSCHILD CHÂTEAU MOUTON ROTHSCHILD", commune_code="33314")
    aney = producer("hve", "VIGNOBLES CLEMENT FAYAT - CHATEAU ANEY", commune_code="33136")
    pichon = producer("hve", "VIGNOBLES CLEMENT FAYAT - CHATEAU CLEMENT PICHON", commune_code="33312")
    assert pair_decide(clerc, mouton).auto and codes(pair_decide(aney, pichon))["company"] == "clement fayat"
    assert pair_decide(aney, pichon).auto
    assert not pair_decide(clerc, aney).auto
    # The linkage proposes them, although their names differ.
    rows = [{"unique_id": "c", **clerc}, {"unique_id": "m", **mouton}]
    assert [p.probability >= 0.5 for p in link(rows, model=directory_model(), threshold=0.5)] == [True]
    # Places keep apart: two châteaux are two places, whoever runs them.
    assert place("hve", "BARON PHILIPPE DE ROTHSCHILD CHÂTEAU CLERC MILON", kind="farm")["company"] is None


def test_places_the_rules_see_apart_with_names_that_do_not_agree_are_not_put_to_a_coordinator() -> None:
    # Two nameless vending machines 300 m apart, a shop and a farm with other names side by side.
    first = place("osm", "", 48.5000, 8.4000, kind="vending", ref="node/31", **_NOWHERE)
    second = place("osm", "", 48.5027, 8.4000, kind="vending", ref="node/32", **_NOWHERE)
    decision = pair_decide(first, second)
    assert not decision.auto and not decision.review and codes(decision)["too_far_m"] == 300
    shop = place("osm", "Biocoop Nancy", 48.5000, 8.4000, kind="shop")
    farm = place("agence-bio", "Ferme des Trois Chênes", 48.5001, 8.4000, kind="farm")
    assert not pair_decide(shop, farm).review
    # Doubt still goes to review: the same name too far, a shared phone, the same kind nearby, producers.
    namesake = place("osm", "Hofladen Gruber", 48.5027, 8.4000, kind="farm")
    assert pair_decide(place("osm", "Hofladen Gruber", 48.5000, 8.4000, kind="farm"), namesake).review
    phoned = place("agence-bio", "Ferme des Trois Chênes", 48.5001, 8.4000, kind="farm", phone="+33383000000")
    assert pair_decide(shop | {"phone": "+33383000000"}, phoned).review
    assert pair_decide(place("osm", "", 48.5000, 8.4000, kind="vending"),
                       place("osm", "", 48.5001, 8.4000, kind="vending")).review  # fmt: skip
    assert pair_decide(producer("a", "Les Jardins du Moulin", commune_code="67237"),
                       producer("b", "Jérôme Sendert", commune_code="67001")).review  # fmt: skip


def test_matching_ratio_is_difflibs_ratio() -> None:
    """The rules' own matching ratio gives difflib's very number: on names as directories write them, on
    random texts over few letters (many equal longest blocks: the same one must be chosen), and on texts
    of 200 characters or more, where difflib leaves its "popular" characters out of the search."""
    names = ["GAEC du Moulin", "Gaec du moulin", "Marché de Nancy", "Marché hebdomadaire de Nancy", "Ferme",
             "La Ferme du Moulin", "Biocoop Nancy", "Bio coop", "", "a", "Ferme des Saules", "Saules"]  # fmt: skip
    pairs = [(a, b) for a in names for b in names]
    rng = random.Random(14)
    for n in range(3000):
        letters = "abcde fghij"[: rng.randrange(1, 12)]
        longest = 450 if n % 10 == 0 else 30
        pairs.append(
            (
                "".join(rng.choice(letters) for _ in range(rng.randrange(0, longest))),
                "".join(rng.choice(letters) for _ in range(rng.randrange(0, longest))),
            )
        )
    assert any(len(b) >= 200 for _a, b in pairs)
    for a, b in pairs:
        assert matching_ratio(a, b) == SequenceMatcher(None, a, b).ratio(), (a, b)
        # Without difflib's "popular" characters, as the communes' close matches compare names (lib.text).
        assert matching_ratio(a, b, autojunk=False) == SequenceMatcher(None, a, b, autojunk=False).ratio(), (a, b)
