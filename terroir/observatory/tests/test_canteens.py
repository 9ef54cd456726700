"""The canteen declarations: import of the real 2023 file (an excerpt always, the whole file when
../shared is beside the project) and the canteens indicator of the API against figures computed by hand.

The expected figures were computed from the file itself with the standard library, outside the project:

    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    sel = [r for r in rows if "1308" in r["canteen_pat_list"].split(",")]        # or another filter
    bio = [float(r["teledeclaration_ratio_bio"]) for r in sel]
    egalim = [b + float(r["teledeclaration_ratio_egalim_hors_bio"]) for b, r in zip(bio, sel)]
    len(sel), sum(bio) / len(sel), sum(egalim) / len(sel), sum(b >= .2 for b in bio), sum(e >= .5 for e in egalim)

giving, on the excerpt and on the whole file alike (every canteen of the Puy-de-Dôme is in the excerpt):
PAT 1308 (PAiT des Combrailles) 18, 0.083761, 0.286933, 2, 1; PAT 1306 (Grand Clermont / Livradois-Forez)
69, 0.110925, 0.286487, 13, 9; EPCI 200070761 (CC Ambert Livradois Forez) 11, 0.148918, 0.2855, 4, 0;
département 63: 105, 0.108425, 0.289253, 19, 14; Clermont-Ferrand (63113) 21, 0.082586, 0.249186, 3, 3;
the whole file: 10,317, 0.142263, 0.306988, 3,044, 2,116.
"""

import os
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from terroir.observatory.canteens import canteens_import
from terroir.observatory.models import CanteenDeclaration
from terroir.observatory.territories import territory_create

EXCERPT = Path(__file__).parent / "data" / "macantine_campagne_td_2023_excerpt.csv"
# ../shared beside the repository, or beside the directory of worktrees holding it.
ROOT = Path(settings.BASE_DIR)
SHARED = (
    [Path(os.environ["TERROIR_SHARED"])]
    if os.environ.get("TERROIR_SHARED")
    else [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
)
REAL = next((p / "data" / "real" / "canteens" / "macantine_campagne_td_2023.csv" for p in SHARED if p.is_dir()),
            Path("/nonexistent"))  # fmt: skip

PAT_1308 = {"canteens": 18, "organic_share_mean": 0.083761, "egalim_share_mean": 0.286933,
            "meeting_organic_target": 2, "meeting_egalim_target": 1}  # fmt: skip
PAT_1306 = {"canteens": 69, "organic_share_mean": 0.110925, "egalim_share_mean": 0.286487,
            "meeting_organic_target": 13, "meeting_egalim_target": 9}  # fmt: skip
AMBERT_EPCI = {"canteens": 11, "organic_share_mean": 0.148918, "egalim_share_mean": 0.2855,
               "meeting_organic_target": 4, "meeting_egalim_target": 0}  # fmt: skip
PUY_DE_DOME = {"canteens": 105, "organic_share_mean": 0.108425, "egalim_share_mean": 0.289253,
               "meeting_organic_target": 19, "meeting_egalim_target": 14}  # fmt: skip
CLERMONT = {"canteens": 21, "organic_share_mean": 0.082586, "egalim_share_mean": 0.249186,
            "meeting_organic_target": 3, "meeting_egalim_target": 3}  # fmt: skip


def figures(client, query: str, **headers) -> dict:
    response = client.get(f"/api/v1/indicators/canteens?{query}", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def assert_figures(body: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert body[key] == pytest.approx(value, abs=1e-6), key
    assert body["no_data"] is False


@pytest.fixture
def imported(db):
    return canteens_import(path=EXCERPT)


def test_the_excerpt_is_imported_and_its_rows_without_a_commune_are_reported_with_line_and_reason(imported) -> None:
    assert (imported.rows, imported.kept, imported.years) == (111, 111, [2023])
    assert CanteenDeclaration.objects.count() == 111
    reported = {(line, code) for line, code, _value in imported.problems}
    # Lines of the excerpt (the header is line 1): 3 without a code, 2 with a 4-digit code read with its
    # zero, one with an 8-character code that names no commune.
    assert reported == {(5, "no_insee"), (6, "no_insee"), (65, "no_insee"), (23, "insee_padded"),
                        (81, "insee_padded"), (20, "unknown_insee")}  # fmt: skip
    assert CanteenDeclaration.objects.filter(commune=None).count() == 4
    padded = CanteenDeclaration.objects.get(insee_code="7019")
    assert padded.commune_id == "07019" and padded.department == "07"


def test_re_importing_the_same_year_replaces_it_and_doubles_nothing(imported, client) -> None:
    again = canteens_import(path=EXCERPT)
    assert again.kept == 111 and CanteenDeclaration.objects.count() == 111
    assert set(CanteenDeclaration.objects.values_list("run", flat=True)) == {again.pk}
    assert_figures(figures(client, "pat=1308&year=2023"), PAT_1308)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("pat=1308&year=2023", PAT_1308), ("pat=1306", PAT_1306), ("epci=200070761&year=2023", AMBERT_EPCI),
     ("department=63&year=2023", PUY_DE_DOME), ("commune=63113&year=2023", CLERMONT)],
)  # fmt: skip
def test_the_canteens_indicator_gives_the_hand_computed_figures(imported, client, query, expected) -> None:
    body = figures(client, query)
    assert_figures(body, expected)
    assert body["year"] == 2023 and body["years"] == [2023]


def test_a_territory_s_figures_leave_out_canteens_without_a_commune(imported, client) -> None:
    territory_create(slug="ambert-livradois", epcis=["200070761"])
    body = figures(client, "territory=ambert-livradois&year=2023")
    assert_figures(body, AMBERT_EPCI)
    assert body["scope"] == {"kind": "territory", "code": "ambert-livradois", "label": "ambert-livradois"}


def test_a_year_without_declarations_says_no_data_not_zeros(imported, client) -> None:
    body = figures(client, "pat=1308&year=2022", HTTP_ACCEPT_LANGUAGE="fr")
    assert body["no_data"] is True and body["canteens"] == 0
    assert body["organic_share_mean"] is None and body["meeting_egalim_target"] is None
    assert "2022" in body["message"] and "Aucune cantine" in body["message"]


@pytest.mark.parametrize(
    ("query", "parameter", "french"),
    [("pat=999999", "pat", "PAT inconnu"), ("pat=1308&year=23", "year", "année"),
     ("year=deux-mille", "year", "année"), ("pat=1308&epci=200070761", "epci", "un seul"),
     ("epci=123", "epci", "EPCI inconnu"), ("department=99", "department", "département inconnu"),
     ("commune=6311", "commune", "code INSEE"), ("commune=99999", "commune", "commune inconnue"),
     ("territory=nowhere", "territory", "territoire inconnu")],
)  # fmt: skip
def test_a_bad_filter_is_refused_with_a_400_in_the_reader_s_language(
    imported, client, query, parameter, french
) -> None:
    response = client.get(f"/api/v1/indicators/canteens?{query}", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == parameter and french in error["message"]


def test_the_refusal_is_in_english_for_an_english_reader(imported, client) -> None:
    response = client.get("/api/v1/indicators/canteens?pat=999999", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "unknown PAT" in response.json()["error"]["message"]


def test_the_command_imports_a_file_and_prints_the_reported_rows(db, capsys) -> None:
    call_command("import_canteens", str(EXCERPT))
    out = capsys.readouterr().out
    # In the site's language, as the other import commands print.
    assert "111 lignes lues, 111 déclarations gardées (années\u202f: 2023)\u202f; 6 lignes signalées." in out
    assert "ligne 5\u202f: pas de code INSEE" in out
    assert "ligne 20\u202f: le code INSEE 0811191E ne désigne aucune commune" in out


def test_a_file_that_is_not_a_declarations_file_is_refused_without_crashing(db, tmp_path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("nom,commune\nMarché,Ambert\n", encoding="utf-8")
    with pytest.raises(Exception, match="il manque au fichier les colonnes"):
        call_command("import_canteens", str(other))
    assert not CanteenDeclaration.objects.exists()


def test_rows_with_a_bad_share_or_year_are_reported_and_left_out(db, tmp_path) -> None:
    lines = EXCERPT.read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    bad_share = first.replace(",0.", ",1.7", 1) if ",0." in first else first
    bad_year = second.replace(",2023,", ",vingt,", 1)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, bad_share, bad_year, lines[3]]) + "\n", encoding="utf-8")
    run = canteens_import(path=path)
    assert run.rows == 3 and run.kept == 1
    assert {code for _line, code, _value in run.problems} == {"bad_ratio", "no_year"}


def test_a_former_commune_s_code_counts_for_the_commune_it_belongs_to_today(db, tmp_path) -> None:
    lines = EXCERPT.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "former.csv"
    path.write_text("\n".join([lines[0], lines[1].replace(",63281,", ",16147,", 1)]) + "\n", encoding="utf-8")
    run = canteens_import(path=path)
    declaration = CanteenDeclaration.objects.get()
    assert declaration.commune_id == "16198" and declaration.department == "16"  # Magnac-lès-Gardes
    assert [(line, code) for line, code, _value in run.problems] == [(2, "insee_former")]


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real is not beside the project")
def test_the_whole_real_2023_file_gives_the_hand_computed_figures(db, client) -> None:
    run = canteens_import(path=REAL)
    assert (run.rows, run.kept, run.years) == (10317, 10317, [2023])
    reported = Counter(code for _line, code, _value in run.problems)
    # 30 without a code; 35 that name no commune (34 of 8 characters, one postcode); 22 without their
    # leading zero; 14 of former communes (16147, Gardes-le-Pontaroux, now in Magnac-lès-Gardes).
    assert reported == {"no_insee": 30, "unknown_insee": 35, "insee_padded": 22, "insee_former": 14}
    france = {"canteens": 10317, "organic_share_mean": 0.142263, "egalim_share_mean": 0.306988,
              "meeting_organic_target": 3044, "meeting_egalim_target": 2116}  # fmt: skip
    assert_figures(figures(client, "year=2023"), france)
    assert_figures(figures(client, "pat=1306&year=2023"), PAT_1306)
    assert_figures(figures(client, "department=63&year=2023"), PUY_DE_DOME)


@pytest.mark.parametrize("query", ["year=%C2%B2", "pat=%D9%A1%D9%A2", "commune=63%C2%B2%C2%B3%C2%B9"])
def test_digits_of_other_scripts_are_refused_not_a_server_error(db, client, query) -> None:
    response = client.get(f"/api/v1/indicators/canteens?{query}")
    assert response.status_code == 400
