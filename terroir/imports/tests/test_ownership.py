"""Imports never destroy what people gave: owners' edits win over later imports (the source's value is
offered as a suggestion), privacy choices stay, every import write is a revision one can undo, and a
merge moves what people attached to the entry that goes instead of deleting it; a split brings it back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from terroir.accounts.models import Membership
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Claim, Revision, Suggestion
from terroir.directory.models import Actor, Category, Offer, Photo
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import EntryMerge, FieldOrigin, ImportRun, RecordPair, SourceRecord
from terroir.imports.services import record_pair_decide, source_import
from terroir.needs.models import Answer, Need

from .files import PRODUCERS, mapping_text

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "nom", "siret", "tel", "email", "description", "public", "cp", "commune", "lat", "lon", "produits"]
FARM = {
    "id": "b1", "nom": "Ferme des Hautes Chaumes", "siret": "81234567800019", "tel": "04 73 82 11 11",
    "email": "ferme@chaumes.example.org", "description": "Fromages de vache.", "public": "oui", "cp": "63600",
    "commune": "Ambert", "lat": "45.5500", "lon": "3.7400", "produits": "fromage",
}  # fmt: skip


def mapping(name: str) -> str:
    return mapping_text(
        PRODUCERS, source={"name": name, "label": name},
        fields={"email": "email", "description": "description", "contact_public": "public"},
        categories={"beurre": "butter-cream"},
    )  # fmt: skip


def load(tmp_path: Path, rows: list[dict[str, str]], name: str = "bio", by: Any = None) -> ImportRun:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return source_import(path=path, mapping=mapping_parse(mapping(name)), geocode=False, by=by)


def farm_of(ref: str = "b1") -> Actor:
    actor = SourceRecord.objects.get(ref=ref).actor
    assert actor is not None
    return actor


def test_a_reimport_keeps_what_the_owner_edited_and_offers_the_source_s_value_as_a_suggestion(
    tmp_path: Path, territory: Any, people: Any
) -> None:
    load(tmp_path, [FARM])
    farm = farm_of()
    Membership.objects.create(user=people.hugo, actor=farm, how="coordinator")
    revisions.entry_edit(
        entry=farm, changes={"description": "Fourme et tomme au lait cru.", "email": "hugo@chaumes.example.org"},
        by=people.hugo, version=None,
    )  # fmt: skip

    load(tmp_path, [FARM | {"tel": "04 73 82 22 22"}])  # the source changed, not those two fields
    farm.refresh_from_db()
    assert farm.description == "Fourme et tomme au lait cru." and farm.email == "hugo@chaumes.example.org"
    assert farm.phone == "+33473822222"  # a field nobody edited follows the source
    assert not Suggestion.objects.exists()  # the source says what the owner already replaced

    run = load(tmp_path, [FARM | {"description": "Fromages AOP.", "tel": "04 73 82 22 22"}])
    farm.refresh_from_db()
    assert farm.description == "Fourme et tomme au lait cru."
    suggestion = Suggestion.objects.get()
    assert suggestion.origin == Suggestion.Origin.IMPORT and suggestion.entity_id == farm.pk
    assert suggestion.changes == {"description": ["Fourme et tomme au lait cru.", "Fromages AOP."]}
    assert f"import #{run.pk}" in suggestion.comment
    origin = FieldOrigin.objects.get(actor=farm, field="description")
    assert origin.overridden and origin.value == "Fromages AOP."
    assert suggestions.suggestions_pending(entries=[farm]) == [suggestion]  # in the owner's moderation queue

    suggestions.suggestion_accept(suggestion=suggestion, by=people.hugo)
    farm.refresh_from_db()
    assert farm.description == "Fromages AOP."


def test_a_reimport_never_publishes_contact_details_the_owner_hid(tmp_path: Path, territory: Any, people: Any) -> None:
    load(tmp_path, [FARM, FARM | {"id": "b9", "nom": "Chèvrerie du Forez", "siret": "", "public": "non",
                                  "tel": "04 73 82 99 99", "email": "", "lat": "45.4", "lon": "3.9"}])  # fmt: skip
    farm, goats = farm_of(), farm_of("b9")
    assert farm.contact_public and not goats.contact_public
    Membership.objects.create(user=people.hugo, actor=farm, how="coordinator")
    revisions.entry_edit(entry=farm, changes={"contact_public": False}, by=people.hugo, version=None)

    load(tmp_path, [FARM | {"tel": "04 73 82 22 22"}, FARM | {"id": "b9", "nom": "Chèvrerie du Forez", "siret": "",
         "public": "oui", "tel": "04 73 82 99 98", "email": "", "lat": "45.4", "lon": "3.9"}])  # fmt: skip
    farm.refresh_from_db()
    goats.refresh_from_db()
    assert not farm.contact_public and farm.phone == "+33473822222"
    # Consent is the producer's to give on the platform: a source saying yes later publishes nothing.
    assert not goats.contact_public and goats.phone == "+33473829998"
    assert not Suggestion.objects.exists()


def test_a_reimport_adds_the_source_s_products_and_keeps_those_the_owner_set(
    tmp_path: Path, territory: Any, people: Any
) -> None:
    load(tmp_path, [FARM])
    farm = farm_of()
    Membership.objects.create(user=people.hugo, actor=farm, how="coordinator")
    products = [
        {"category": "cow-cheese", "months": 0b0000_1111_0000, "labels": ["ab"], "note": "Fourme",
         "monthly_volume": 200, "unit": "kg"},
        {"category": "honey", "months": 4095, "labels": [], "note": "", "monthly_volume": None, "unit": ""},
    ]  # fmt: skip
    revisions.entry_edit(entry=farm, changes={"products": products}, by=people.hugo, version=None)

    load(tmp_path, [FARM | {"produits": "fromage,beurre"}])
    cheese = Offer.objects.get(producer=farm, category__slug="cow-cheese")
    assert (cheese.months, cheese.note, float(cheese.monthly_volume or 0)) == (0b0000_1111_0000, "Fourme", 200.0)
    assert [label.slug for label in cheese.labels.all()] == ["ab"]
    assert sorted(Offer.objects.filter(producer=farm).values_list("category__slug", flat=True)) == [
        "butter-cream", "cow-cheese", "honey",
    ]  # fmt: skip

    # The import's addition is a revision like any other: undoing it takes the butter away again.
    revision = Revision.objects.get(entity="actor", entity_id=farm.pk, origin=Revision.Origin.IMPORT)
    assert [p["category"] for p in revision.changes["products"][1]] == ["butter-cream", "cow-cheese", "honey"]
    revisions.revision_revert(revision=revision, by=people.hugo)
    assert sorted(Offer.objects.filter(producer=farm).values_list("category__slug", flat=True)) == [
        "cow-cheese", "honey",
    ]  # fmt: skip


def test_every_import_write_to_an_entry_is_a_revision_by_who_imported_that_can_be_undone(
    tmp_path: Path, territory: Any, people: Any
) -> None:
    load(tmp_path, [FARM])
    farm = farm_of()
    assert not Revision.objects.filter(entity="actor", entity_id=farm.pk).exists()  # created, not changed
    run = load(tmp_path, [FARM | {"tel": "04 73 82 22 22", "description": "Fromages AOP."}], by=people.camille)
    revision = Revision.objects.get(entity="actor", entity_id=farm.pk)
    assert (revision.origin, revision.by, revision.note) == (
        Revision.Origin.IMPORT, people.camille, f"import #{run.pk} · bio · bio.csv"
    )  # fmt: skip
    assert revision.changes == {
        "description": ["Fromages de vache.", "Fromages AOP."], "phone": ["+33473821111", "+33473822222"],
    }  # fmt: skip
    assert run.started_by == people.camille

    revisions.revision_revert(revision=revision, by=people.camille)
    farm.refresh_from_db()
    assert (farm.description, farm.phone) == ("Fromages de vache.", "+33473821111")  # E.164, as imports store it
    # Undone on the platform: the next import does not write the source's values back.
    load(
        tmp_path,
        [FARM | {"tel": "04 73 82 22 22", "description": "Fromages AOP.", "email": "autre@chaumes.example.org"}],
    )
    farm.refresh_from_db()
    assert (farm.description, farm.phone) == ("Fromages de vache.", "+33473821111")
    assert farm.email == "autre@chaumes.example.org"


DUROLLE = {
    "id": "b2", "nom": "Rucher de la Durolle", "siret": "", "tel": "04 73 51 00 02", "email": "",
    "description": "", "public": "", "cp": "63300", "commune": "Thiers", "lat": "45.8702", "lon": "3.5601",
    "produits": "miel",
}  # fmt: skip
FERME = DUROLLE | {"id": "c2", "nom": "Ferme de la Durolle", "tel": "04 73 51 00 09", "lat": "45.8760", "lon": "3.5640"}


def test_a_merge_moves_memberships_photos_claims_and_answers_to_the_kept_entry_and_a_split_brings_them_back(
    tmp_path: Path, territory: Any, people: Any
) -> None:
    load(tmp_path, [DUROLLE])
    load(tmp_path, [FERME], name="chamber")
    pair = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    kept, gone = farm_of("b2"), farm_of("c2")
    assert kept.pk < gone.pk
    membership = Membership.objects.create(user=people.hugo, actor=gone, how="coordinator")
    Membership.objects.create(user=people.claire, actor=gone, how="coordinator")
    Membership.objects.create(user=people.claire, actor=kept, how="coordinator")  # a member of both
    photo = Photo.objects.create(actor=gone, image="photos/2026/01/rucher.jpg", width=10, height=10)
    claim = Claim.objects.create(user=people.sophie, actor=gone)
    canteen = Actor.objects.create(name="Cantine de Thiers", is_buyer=True, buyer_kind="canteen")
    need = Need.objects.create(buyer=canteen, title="Miel", category=Category.objects.get(slug="honey"), quantity=10)
    answer = Answer.objects.create(need=need, producer=gone, kind=Answer.Kind.OFFER, message="20 kg par mois")
    revisions.entry_edit(entry=gone, changes={"website": "https://rucher.example.org"}, by=people.hugo, version=None)

    record_pair_decide(pair=pair, same=True, by=people.camille)
    assert not Actor.objects.filter(pk=gone.pk).exists()
    membership.refresh_from_db()
    photo.refresh_from_db()
    claim.refresh_from_db()
    answer.refresh_from_db()
    assert membership.actor_id == photo.actor_id == claim.actor_id == answer.producer_id == kept.pk
    assert Membership.objects.filter(user=people.claire, actor=kept).count() == 1
    assert Revision.objects.filter(entity="actor", entity_id=kept.pk, origin=Revision.Origin.EDIT).exists()
    kept.refresh_from_db()
    assert kept.website == "https://rucher.example.org"  # the owner's edit came along and holds
    assert EntryMerge.objects.get().removed_id == gone.pk

    record_pair_decide(pair=pair, same=False, by=people.camille)
    back = Actor.objects.get(pk=gone.pk)
    assert farm_of("c2") == back and farm_of("b2") == kept
    membership.refresh_from_db()
    photo.refresh_from_db()
    claim.refresh_from_db()
    answer.refresh_from_db()
    assert membership.actor_id == photo.actor_id == claim.actor_id == answer.producer_id == back.pk
    assert Membership.objects.filter(user=people.claire, actor__in=[kept, back]).count() == 2
    assert back.website == "https://rucher.example.org"
    assert Revision.objects.filter(entity="actor", entity_id=back.pk, origin=Revision.Origin.EDIT).exists()
    assert EntryMerge.objects.get().restored_at is not None


def test_an_automatic_merge_of_a_reimport_deletes_nothing_people_attached(
    tmp_path: Path, territory: Any, people: Any
) -> None:
    load(tmp_path, [DUROLLE])
    load(tmp_path, [FERME], name="chamber")
    kept, gone = farm_of("b2"), farm_of("c2")
    Membership.objects.create(user=people.hugo, actor=gone, how="coordinator")
    photo = Photo.objects.create(actor=gone, image="photos/2026/01/rucher.jpg", width=10, height=10)

    # The chamber corrects its record: now plainly the same beekeeper, merged without review.
    load(tmp_path, [DUROLLE | {"id": "c2"}], name="chamber")
    assert RecordPair.objects.get().status == RecordPair.Status.LINKED
    assert farm_of("c2") == kept and not Actor.objects.filter(pk=gone.pk).exists()
    assert Membership.objects.filter(user=people.hugo, actor=kept).exists()
    photo.refresh_from_db()
    assert photo.actor_id == kept.pk


def test_the_origins_page_shows_the_owner_s_value_and_what_the_source_says(
    tmp_path: Path, territory: Any, people: Any, client: Any
) -> None:
    load(tmp_path, [FARM])
    farm = farm_of()
    revisions.entry_edit(entry=farm, changes={"description": "Fourme et tomme."}, by=people.camille, version=None)
    load(tmp_path, [FARM | {"description": "Fromages AOP."}])
    client.force_login(people.camille)
    page = client.get(f"/imports/origins/producer/{farm.pk}/").content.decode()
    line = page[page.index("<th>description</th>") :].split("</tr>")[0]
    assert "Fourme et tomme." in line and "Fromages AOP." in line and "saisi sur la plateforme" in line
