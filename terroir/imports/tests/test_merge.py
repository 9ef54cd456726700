from __future__ import annotations

from terroir.imports.merge import linkage_columns, name_normalised, website_domain


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
    assert (columns["siren"], columns["email"], columns["email_domain"]) == (
        "732829320",
        "contact@pre-vert.fr",
        "pre-vert.fr",
    )
    assert columns["website"] == "pre-vert.fr"
    assert columns["position_precise"] is False
    assert linkage_columns({})["name"] == ""
