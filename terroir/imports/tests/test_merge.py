from __future__ import annotations

from terroir.imports import linkage
from terroir.imports.linkage import directory_model, link
from terroir.imports.merge import Candidate, clusters, fields_choose, linkage_columns, name_normalised, website_domain


def test_names_lose_legal_forms_case_accents_and_filler_words() -> None:
    assert name_normalised("GAEC des Monts du Forez") == "monts forez"
    assert name_normalised("Monts-du-Forez (EARL)") == "monts forez"
    assert name_normalised("SCEA Le Pré Vert") == "pre vert"
    assert name_normalised("Ferme de l'Étang") == "ferme etang"


def test_web_sites_are_compared_by_domain_but_social_pages_by_page() -> None:
    assert website_domain("https://www.ferme-du-pre.fr/produits") == "ferme-du-pre.fr"
    assert website_domain("ferme-du-pre.fr") == "ferme-du-pre.fr"
    assert website_domain("https://www.facebook.com/FermeDuPre/about") == "facebook.com/fermedupre"
    assert website_domain("https://facebook.com/") == ""
    assert website_domain("") == ""


def test_linkage_columns_standardise_a_source_record() -> None:
    columns = linkage_columns({
        "name": "EARL du Pré Vert", "siret": "73282932000074", "phone": "+33473820000",
        "email": "Contact@Pre-Vert.fr", "website": "http://pre-vert.fr", "postcode": "63600",
        "commune_code": "63003", "lat": 45.55, "lon": 3.74, "precision": "commune", "kind": "farm",
        "record_type": "place",
    })  # fmt: skip
    assert columns["name"] == "pre vert" and columns["name_tokens"] == ["pre", "vert"]
    assert (columns["siren"], columns["email"], columns["website"]) == (
        "732829320",
        "contact@pre-vert.fr",
        "pre-vert.fr",
    )
    # A commune-level position is no evidence of where the farm is: the commune comparison counts it.
    assert columns["lat"] is None and columns["lon"] is None
    # Nothing given is None ("no evidence"), never "" (which two records would share).
    assert linkage_columns({})["name"] is None and linkage_columns({})["phone"] is None


def test_clusters_follow_links_but_never_join_records_said_to_be_different() -> None:
    # 1-2 and 2-3 are likely links, but a coordinator said 1 and 3 are different farms.
    assert clusters([1, 2, 3, 4], [(1, 2), (2, 3)], apart=[(1, 3)]) == [[1, 2], [3], [4]]
    assert clusters([1, 2, 3, 4], [(1, 2), (2, 3), (3, 4)]) == [[1, 2, 3, 4]]
    assert clusters([5], [(5, 9)]) == [[5]]


def candidate(record_id: int, source: str, priority: int, **data) -> Candidate:
    return Candidate(record_id, source, priority, False, "2026-11-01T00:00:00", data)


def test_each_field_keeps_the_most_trusted_sources_value_and_lists_the_others() -> None:
    chosen = fields_choose([
        candidate(1, "osm", 40, name="Ferme du Pré", phone="+33473000001", lat=45.5, lon=3.7, precision="commune",
                  categories=["honey"], contact_public=True),
        candidate(2, "agence-bio", 60, name="EARL Ferme du Pré", lat=45.51, lon=3.71, precision="address",
                  categories=["cow-cheese"], contact_public=True),
    ])  # fmt: skip
    assert (chosen["name"].value, chosen["name"].record_id) == ("EARL Ferme du Pré", 2)
    assert chosen["name"].others == (("Ferme du Pré", 1),)
    # Only one source gives the phone: it is kept whatever its priority.
    assert (chosen["phone"].value, chosen["phone"].record_id) == ("+33473000001", 1)
    # The address-level position beats the commune centre.
    assert chosen["position"].value == (45.51, 3.71, "address")
    assert chosen["categories"].value == ["cow-cheese", "honey"]


def test_one_source_refusing_publication_of_contact_details_wins() -> None:
    chosen = fields_choose([
        candidate(1, "a", 90, name="x", contact_public=True), candidate(2, "b", 10, name="x", contact_public=False)
    ])  # fmt: skip
    assert chosen["contact_public"].value is False and chosen["contact_public"].record_id == 2


def test_linkage_finds_the_same_farm_written_differently_and_leaves_namesakes_apart() -> None:
    def row(uid: str, name: str, postcode: str, **more) -> dict:
        return {"unique_id": uid, **linkage_columns({"name": name, "postcode": postcode, **more})}

    left = [
        row("a", "GAEC des Monts du Forez", "63600", phone="+33473820001", lat=45.5601, lon=3.7702,
            commune_code="63003"),
        row("b", "Ferme du Moulin", "63600", lat=45.55, lon=3.74, commune_code="63003"),
    ]  # fmt: skip
    right = [
        row("x", "Monts du Forez (EARL)", "63600", phone="+33473820001", lat=45.5611, lon=3.7690,
            commune_code="63003"),
        row("y", "Ferme du Moulin", "86000", lat=46.58, lon=0.34, commune_code="86194"),
    ]  # fmt: skip
    pairs = link(left, right, model=directory_model(), threshold=0.01)
    probability = {(p.left, p.right): p.probability for p in pairs}
    assert probability[("a", "x")] > 0.99
    # Same name, 300 km apart: not the same farm.
    assert probability.get(("b", "y"), 0) < 0.5


WINE_ESTATES = (
    "Arnaud", "Bellevue", "Carreau", "Dufour", "Espinasse", "Fabre", "Gontier", "Hautval", "Issan", "Jauga",
    "Kirwan", "Lagrange", "Margaux", "Nodoz", "Olivier", "Pontet", "Quinault", "Rauzan", "Siran", "Talbot",
)  # fmt: skip


def test_a_large_file_whose_rows_share_no_siret_phone_or_email_is_still_linked(monkeypatch) -> None:
    # The HVE list: no two rows share an identifier, so the estimated share of duplicates was 0 and
    # Splink failed on log(0). The written prior is kept instead.
    monkeypatch.setattr(linkage, "TRAIN_MIN_RECORDS", 20)
    rows = [
        {"unique_id": str(i), **linkage_columns({"name": f"Domaine {word}", "postcode": f"33{i % 7:03d}"})}
        for i, word in enumerate(WINE_ESTATES)
    ]
    rows.append({"unique_id": "twin", **linkage_columns({"name": "Domaine Arnaud", "postcode": "33000"})})
    pairs = link(rows, model=directory_model(), threshold=0.0)
    assert ("0", "twin") in {(p.left, p.right) for p in pairs} | {(p.right, p.left) for p in pairs}


def test_the_fields_of_one_record_are_chosen_as_among_several():
    """One record's fields take a short way (most entries have one record): the same choice as the
    general rule makes when the only other record gives nothing."""
    records = [
        {"name": "GAEC du Moulin", "phone": "+33473820000", "contact_public": False, "lat": 45.5, "lon": 3.7,
         "categories": ["eggs", "cheese", "eggs"], "labels": ["ab"], "email": "", "siret": None},
        {"name": "Marché", "contact_public": True, "lat": 45.5, "lon": None, "precision": "commune",
         "categories": [], "verified_at": "2026-01-02", "kind": "market"},
        {"lat": 45.1, "lon": 3.2, "precision": "street", "labels": ["hve", "ab"], "contact_public": 0},
        {},
    ]  # fmt: skip
    for data in records:
        one = candidate(7, "a", 50, **data)
        nothing = Candidate(9, "b", 10, True, "2020-01-01T00:00:00", {})
        assert fields_choose([one]) == fields_choose([one, nothing])
