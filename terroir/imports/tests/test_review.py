"""Coordinators' pages on pairs of records: every automatic merge listed with its reasons and split in one
click (the split is remembered across re-imports), the review queue decided by batch, who may do it, and
bad input answered with a message rather than an error page."""

from __future__ import annotations

from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.accounts.people import name_of
from terroir.conftest import shared_in_module
from terroir.contributions.models import AuditEntry
from terroir.imports.models import EntryMerge, ImportRun, RecordPair, Source, SourceRecord
from terroir.imports.review import observed_reasons, pair_reasons, reason_text, trace_summary

from .test_merging import BIO, CHAMBER, load

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@shared_in_module
def two_sources(folder: Path, territory: Any) -> tuple[ImportRun, ImportRun]:
    """b1 ~ c1 share their SIRET (merged automatically); b2 ~ c2 are alike (left for review). Built once for
    the consecutive tests that ask for it (two imports with their linkage), each test rolling back its own
    writes."""
    return load(folder, "bio", BIO), load(folder, "chamber", CHAMBER)


@pytest.fixture
def coordinator(people: Any) -> Client:
    client = Client()
    client.force_login(people.camille)
    return client


def linked() -> RecordPair:
    return RecordPair.objects.get(status=RecordPair.Status.LINKED)


def actor_of(ref: str) -> int | None:
    return SourceRecord.objects.get(ref=ref).actor_id


def test_every_automatic_merge_is_listed_with_its_reasons_in_french(coordinator, two_sources) -> None:
    page = coordinator.get(reverse("imports:merges"), **FRENCH).content.decode()
    assert "GAEC des Monts du Forez" in page and "Monts du Forez (EARL)" in page
    assert "même SIRET" in page and "noms proches" in page and "Producteur ·" in page
    assert "Séparer" in page
    # The pair only waiting for review is not an automatic merge.
    assert "Ferme de la Durolle" not in page


def test_the_merges_of_one_import_are_listed_on_its_own_page(coordinator, two_sources) -> None:
    bio, chamber = two_sources
    page = coordinator.get(reverse("imports:run-merges", args=[chamber.pk]), **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" in page
    # The first import merged nothing: the merge came with the second one.
    page = coordinator.get(reverse("imports:run-merges", args=[bio.pk]), **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" not in page and "Aucune fusion automatique" in page
    run_page = coordinator.get(reverse("imports:run", args=[chamber.pk])).content.decode()
    assert reverse("imports:run-merges", args=[chamber.pk]) in run_page


def test_overlapping_imports_each_list_the_merges_their_own_linkage_made(coordinator, two_sources) -> None:
    _bio, chamber = two_sources
    pair = linked()
    assert pair.run == chamber
    # Another source's import started while the chamber's was still merging (pairs are stored at its end):
    # halfway between the two, as on an idle machine the chamber's import takes less than a second.
    osm = Source.objects.create(name="osm", label="OpenStreetMap")
    started = chamber.started_at + (pair.updated_at - chamber.started_at) / 2
    other = ImportRun.objects.create(source=osm, file_name="osm.json", file_sha256="0" * 64, started_at=started)
    page = coordinator.get(reverse("imports:run-merges", args=[chamber.pk]), **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" in page
    page = coordinator.get(reverse("imports:run-merges", args=[other.pk]), **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" not in page
    # A pair stored before pairs said their run is still found by time, on the run it falls in.
    RecordPair.objects.filter(pk=pair.pk).update(run=None)
    page = coordinator.get(reverse("imports:run-merges", args=[other.pk]), **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" in page


def test_reasons_recorded_by_the_merge_decision_are_shown_translated(coordinator, two_sources) -> None:
    pair = linked()
    reasons = [{"code": "siret", "value": "73282932000074"}, {"code": "name", "value": 0.97},
               {"code": "distance_m", "value": 40}, {"code": "days_differ", "value": "Th / Sa"}]  # fmt: skip
    pair.reasons = reasons
    with translation.override("fr"):
        texts, recorded = pair_reasons(pair)
    assert recorded and texts == [
        "même SIRET (73282932000074)", "noms proches (97 %)", "à 40 m l’un de l’autre",
        "ouverts des jours différents (jeu. / sam.)",
    ]  # fmt: skip


def test_an_entry_folded_by_a_merge_shows_what_moved_with_it(coordinator, two_sources) -> None:
    pair = linked()
    EntryMerge.objects.create(
        record_type="producer", kept_id=actor_of("b1") or 0, removed_id=999, records=[pair.second_id],
        trace={"moved": [["accounts.Membership", "actor", [7]]], "revisions": [], "suggestions": []},
    )  # fmt: skip
    page = coordinator.get(reverse("imports:merges"), **FRENCH).content.decode()
    assert "999" in page and "Membership: 1" in page


def test_a_coordinator_splits_an_automatic_merge_in_one_click_and_it_is_remembered(
    coordinator, two_sources, tmp_path, people
) -> None:
    pair = linked()
    assert actor_of("b1") == actor_of("c1")
    response = coordinator.post(reverse("imports:split", args=[pair.pk]), **FRENCH)
    assert response.status_code == 302 and response["Location"] == reverse("imports:merges")
    pair.refresh_from_db()
    assert pair.status == RecordPair.Status.DIFFERENT and pair.split_at is not None and pair.decided_by is not None
    assert actor_of("b1") != actor_of("c1") and None not in (actor_of("b1"), actor_of("c1"))
    assert AuditEntry.objects.filter(action="merge_split", target=f"pair:{pair.pk}").count() == 1
    # Re-importing the same sources does not merge the two again.
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    pair.refresh_from_db()
    assert pair.status == RecordPair.Status.DIFFERENT and actor_of("b1") != actor_of("c1")
    page = coordinator.get(reverse("imports:merges") + "?show=split", **FRENCH).content.decode()
    assert "Monts du Forez (EARL)" in page and "Séparée le" in page
    # By whom: the coordinator as the others read them, never their login.
    assert f"par {name_of(people.camille)}." in unescape(page)
    assert f"par {people.camille.username}." not in page


def test_splitting_a_merge_twice_or_a_pair_that_is_no_merge_says_why_in_french(coordinator, two_sources) -> None:
    pair = linked()
    coordinator.post(reverse("imports:split", args=[pair.pk]))
    response = coordinator.post(reverse("imports:split", args=[pair.pk]), follow=True, **FRENCH)
    assert response.status_code == 200 and "cette fusion a déjà été séparée" in response.content.decode()
    waiting = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    response = coordinator.post(reverse("imports:split", args=[waiting.pk]), follow=True, **FRENCH)
    assert "pas une fusion automatique" in response.content.decode()
    response = coordinator.post(reverse("imports:split", args=[987654]), follow=True, **FRENCH)
    assert response.status_code == 200 and "La paire 987654 n’existe pas" in response.content.decode()
    assert RecordPair.objects.get(pk=waiting.pk).status == RecordPair.Status.REVIEW


def test_the_split_goes_back_only_to_a_page_of_this_site(coordinator, two_sources) -> None:
    response = coordinator.post(reverse("imports:split", args=[linked().pk]), {"next": "https://evil.example.org/"})
    assert response["Location"] == reverse("imports:merges")


def test_a_batch_of_review_decisions_is_taken_in_one_post_each_one_audited(coordinator, two_sources) -> None:
    # As if the linkage had been unsure of the SIRET pair too: two pairs wait.
    RecordPair.objects.filter(status=RecordPair.Status.LINKED).update(status=RecordPair.Status.REVIEW)
    ids = [str(pk) for pk in RecordPair.objects.filter(status=RecordPair.Status.REVIEW).values_list("pk", flat=True)]
    assert len(ids) == 2
    response = coordinator.post(reverse("imports:decide-batch"), {"pairs": ids, "decision": "different"}, **FRENCH)
    assert response.status_code == 302
    assert set(RecordPair.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"different"}
    assert actor_of("b1") != actor_of("c1") and actor_of("b2") != actor_of("c2")
    assert AuditEntry.objects.filter(action="merge_different").count() == len(ids)
    messages = coordinator.get(reverse("imports:review"), **FRENCH).content.decode()
    assert messages.count("Gardées séparées") == len(ids)


def test_the_review_queue_is_ranked_by_probability_and_shows_a_map_of_both_records(coordinator, two_sources) -> None:
    page = coordinator.get(reverse("imports:review"), **FRENCH).content.decode()
    assert 'class="pair-map" data-points="[{&quot;lat&quot;: 45.8702' in page
    assert "terroir/review.js" in page and "<script>" not in page and "style=" not in page
    assert 'name="pairs"' in page and "csrfmiddlewaretoken" in page


def test_a_batch_with_a_pair_already_decided_or_unknown_decides_the_others_and_says_why(
    coordinator, two_sources
) -> None:
    waiting = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    done = linked()
    response = coordinator.post(
        reverse("imports:decide-batch"),
        {"pairs": [str(waiting.pk), str(done.pk), "424242", "abc"], "decision": "same"},
        follow=True,
        **FRENCH,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Fusionnées" in page
    assert "fusionnées automatiquement" in page and "La paire 424242 n’existe pas" in page
    assert RecordPair.objects.get(pk=waiting.pk).status == RecordPair.Status.SAME
    assert RecordPair.objects.get(pk=done.pk).status == RecordPair.Status.LINKED
    # The same pair decided again, one by one: a message, the first decision stays.
    response = coordinator.post(reverse("imports:decide", args=[waiting.pk]), {"decision": "different"}, follow=True,
                                **FRENCH)  # fmt: skip
    assert "déjà décidée" in response.content.decode()
    assert RecordPair.objects.get(pk=waiting.pk).status == RecordPair.Status.SAME
    response = coordinator.post(reverse("imports:decide-batch"), {"decision": "same"}, follow=True, **FRENCH)
    assert "Cochez d’abord les paires" in response.content.decode()
    assert coordinator.post(reverse("imports:decide-batch"), {"pairs": [waiting.pk]}).status_code == 400


@pytest.mark.parametrize("who", ["outsider", "other_organisation", "own_organisation", "coordinator"])
def test_only_coordinators_see_and_decide_merges_and_the_review_queue(who, people, two_sources, django_user_model):
    user = {
        "outsider": lambda: django_user_model.objects.create_user("passant", password="x"),
        "other_organisation": lambda: people.sophie,
        # Claire's farm is one of the two merged records: still not hers to decide.
        "own_organisation": lambda: people.claire,
        "coordinator": lambda: people.camille,
    }[who]()
    client = Client()
    client.force_login(user)
    pair, waiting = linked(), RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    run = ImportRun.objects.latest("started_at")
    expected = 200 if who == "coordinator" else 403
    for url in (reverse("imports:merges"), reverse("imports:run-merges", args=[run.pk]), reverse("imports:review")):
        assert client.get(url).status_code == expected, url
    posts = [
        (reverse("imports:split", args=[pair.pk]), {}),
        (reverse("imports:decide-batch"), {"pairs": [waiting.pk], "decision": "different"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == (302 if who == "coordinator" else 403), url
    changed = RecordPair.objects.filter(pk__in=[pair.pk, waiting.pk], status=RecordPair.Status.DIFFERENT).count()
    assert changed == (2 if who == "coordinator" else 0)


def test_anonymous_visitors_are_sent_to_sign_in_and_the_actions_want_a_post(client, coordinator, two_sources) -> None:
    urls = (reverse("imports:merges"), reverse("imports:split", args=[linked().pk]), reverse("imports:decide-batch"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert coordinator.get(reverse("imports:split", args=[linked().pk])).status_code == 405
    assert coordinator.get(reverse("imports:decide-batch")).status_code == 405


def test_the_forms_need_the_csrf_token(people, two_sources) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.camille)
    assert client.post(reverse("imports:split", args=[linked().pk])).status_code == 403
    assert linked().status == RecordPair.Status.LINKED


def test_a_pair_waiting_for_review_says_what_the_rules_saw_not_why_it_was_merged(coordinator, two_sources) -> None:
    waiting = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    waiting.reasons = [{"code": "names_differ", "value": 0.74}, {"code": "distance_m", "value": 712}]
    waiting.save(update_fields=["reasons"])
    queue = coordinator.get(reverse("imports:review"), **FRENCH).content.decode()
    assert "Ce qu’ont relevé les règles de fusion\u202f:" in queue and "Pourquoi elles ont été fusionnées" not in queue
    merges = coordinator.get(reverse("imports:merges"), **FRENCH).content.decode()
    assert "Pourquoi elles ont été fusionnées\u202f:" in merges


def test_the_review_queue_filters_by_source_and_type_of_record_and_keeps_them_after_a_decision(
    coordinator, two_sources
) -> None:
    pair = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    kind = pair.first.record_type
    other = "place" if kind == "producer" else "producer"
    url = reverse("imports:review")
    shown = coordinator.get(url, {"source": "bio", "type": kind}, **FRENCH).content.decode()
    assert f'id="pair-{pair.pk}"' in shown and '<option value="bio" selected>' in shown
    hidden = coordinator.get(url, {"type": other}, **FRENCH).content.decode()
    assert f'id="pair-{pair.pk}"' not in hidden and "Rien à vérifier." in hidden
    # An unknown source is said in French and the queue is shown whole, not emptied.
    unknown = coordinator.get(url, {"source": "<b>nope</b>"}, **FRENCH).content.decode()
    assert "Aucune source ne s’appelle « &lt;b&gt;nope&lt;/b&gt; »\u202f: toutes les sources sont affichées." in unknown
    assert f'id="pair-{pair.pk}"' in unknown
    # A decision goes back to the same filtered queue.
    response = coordinator.post(
        reverse("imports:decide", args=[pair.pk]), {"decision": "different", "source": "bio", "type": kind, "page": "1"}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?source=bio&type={kind}&page=1"


def test_a_pair_s_opening_hours_read_as_the_public_pages_say_them_not_as_code(coordinator, two_sources) -> None:
    waiting = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    for record, hours in ((waiting.first, "Tu-Sa 09:00-12:30,15:00-19:00"), (waiting.second, "Tu-Sa 09:00-12:30")):
        record.data = {**record.data, "opening_hours": hours}
        record.save(update_fields=["data"])
    page = unescape(coordinator.get(reverse("imports:review"), **FRENCH).content.decode())
    assert "mar.–sam. 9 h–12 h 30 et 15 h–19 h" in page and "mar.–sam. 9 h–12 h 30<" in page
    assert "Tu-Sa" not in page
    # An expression prose could not say exactly stays as it is.
    waiting.second.data = {**waiting.second.data, "opening_hours": "sunrise-sunset"}
    waiting.second.save(update_fields=["data"])
    assert "sunrise-sunset" in coordinator.get(reverse("imports:review"), **FRENCH).content.decode()


def test_a_pair_s_phones_read_as_people_write_them_not_as_kept(coordinator, two_sources) -> None:
    """Kept "+33473820001" (E.164), said "04 73 82 00 01", as on the public pages."""
    page = unescape(coordinator.get(reverse("imports:merges"), **FRENCH).content.decode())
    assert "04 73 82 00 01" in page and "+33473820001" not in page


def test_the_origins_and_preview_pages_say_opening_hours_in_words_too() -> None:
    from terroir.imports.views import _field_text, _value_of

    with translation.override("fr"):
        assert _value_of({"opening_hours": "Th 07:00-13:00"}, "opening_hours") == "jeudi 7 h–13 h"
        assert _field_text("opening_hours", "Th 07:00-13:00") == "jeudi 7 h–13 h"
        assert _field_text("name", "Th 07:00-13:00") == "Th 07:00-13:00"
        assert _field_text("opening_hours", None) == ""
        assert _field_text("kind", "market") == "marché"


def test_a_reason_of_an_unknown_code_is_shown_as_it_is_rather_than_dropped() -> None:
    with translation.override("fr"):
        assert reason_text({"code": "osm_id"}) == "même objet OpenStreetMap"
        two = reason_text({"code": "ambiguous", "value": 2})
        assert two == "2 candidats dans l’autre source\u202f: un coordinateur choisit"
        assert reason_text({"code": "new_rule", "value": 3}) == "new rule (3)"
        assert reason_text({"code": "distance_m", "value": "far"}) == "distance m (far)"
        assert reason_text({"code": "distance_m", "value": 1500}) == "à 1,5 km l’un de l’autre"


def test_the_days_and_kinds_of_a_merge_reason_are_in_the_readers_words_not_codes() -> None:
    with translation.override("fr"):
        assert reason_text({"code": "days", "value": "We,Sa"}) == "ouverts les mêmes jours (mer., sam.)"
        assert reason_text({"code": "days_differ", "value": "Mo / Tu"}).endswith("(lun. / mar.)")
        assert reason_text({"code": "kind", "value": "market"}) == "types compatibles (marché)"
        assert reason_text({"code": "kinds_differ", "value": "market / farm"}).endswith("(marché / vente à la ferme)")
    with translation.override("en"):
        assert reason_text({"code": "days", "value": "Fr"}) == "open on the same days (Fri)"


def test_what_two_records_share_is_found_from_their_data() -> None:
    a = {"siret": "73282932000074", "name": "Ferme du Bourg", "lat": 45.0, "lon": 3.0, "commune_code": "63003"}
    b = {"siret": "73282932000074", "name": "Ferme du bourg", "lat": 45.0, "lon": 3.0005, "commune_code": "63003"}
    codes = {r["code"]: r.get("value") for r in observed_reasons(a, b)}
    assert codes == {"siret": "73282932000074", "name": 1.0, "commune": "63003", "distance_m": 39}


def test_the_trace_of_an_entry_merge_is_counted_by_kind() -> None:
    trace = {"moved": [["accounts.Membership", "actor", [1, 2]], ["folded", "[]"]], "revisions": [5], "suggestions": []}
    with translation.override("en"):
        assert trace_summary(trace) == ["Membership: 2", "rows folded into the kept entry's: 1", "revisions: 1"]


def test_splitting_a_merge_that_folded_an_entry_brings_that_entry_back(coordinator, territory, tmp_path) -> None:
    load(tmp_path, "bio", BIO)
    # First the chamber gives its farm without SIRET, in another commune: two entries.
    elsewhere = [["c1", "Monts du Forez (EARL)", "", "", "", "63300", "Thiers", "45.8600", "3.5500", "fromage"]]
    load(tmp_path, "chamber", elsewhere)
    before = actor_of("c1")
    assert before is not None and before != actor_of("b1")
    # Then its SIRET and place: merged automatically, the chamber's entry folded into the other.
    load(tmp_path, "chamber", CHAMBER[:1])
    assert actor_of("c1") == actor_of("b1")
    merge = EntryMerge.objects.get(restored_at=None)
    page = coordinator.get(reverse("imports:merges"), **FRENCH).content.decode()
    assert f"La fiche n° {merge.removed_id} a été fondue dans la fiche n° {merge.kept_id}" in page
    coordinator.post(reverse("imports:split", args=[linked().pk]))
    merge.refresh_from_db()
    assert merge.restored_at is not None
    assert {actor_of("b1"), actor_of("c1")} == {merge.kept_id, merge.removed_id}
