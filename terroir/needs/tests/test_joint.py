"""Joint answers' pages: the lead producer shares an offer's volume among members, each member confirms
its share or leaves; the role matrix of both pages, and bad input said in French, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.needs import services
from terroir.needs.models import Answer, AnswerShare, Notification
from terroir.needs.tests.test_board import cheese_need

pytestmark = pytest.mark.django_db


def offer(territory: Any, people: Any) -> Answer:
    need = cheese_need(territory, people)
    services.need_publish(need=need, by=people.sophie)
    return services.answer_submit(
        need=need, producer=territory.cheese_farm, by=people.claire, kind="offer", price="13.90", volume="40"
    )


def client_of(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def shares(territory: Any, cheese: str = "25", honey: str = "15") -> dict[str, list[str]]:
    return {"member": [str(territory.cheese_farm.pk), str(territory.honey_farm.pk)], "share": [cheese, honey]}


def test_only_the_lead_s_people_and_coordinators_share_a_joint_answer(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    url = f"/needs/answers/{answer.pk}/members/"
    assert client_of(None).get(url).status_code == 302
    assert client_of(people.sophie).get(url).status_code == 403  # the buyer
    assert client_of(people.hugo).get(url).status_code == 403  # another producer
    assert client_of(people.hugo).post(url, shares(territory)).status_code == 403
    assert client_of(people.camille).get(url).status_code == 200
    page = client_of(people.claire).get(url)
    assert page.status_code == 200 and territory.honey_farm.name not in page.content.decode()  # not matched
    Answer.objects.create(need=answer.need, producer=territory.honey_farm, kind="interested")
    assert territory.honey_farm.name in client_of(people.claire).get(url).content.decode()
    assert client_of(people.claire).post(url, shares(territory)).status_code == 302
    assert {(s.producer, str(s.volume), s.confirmed_at is not None) for s in answer.shares.all()} == {
        (territory.cheese_farm, "25.00", True), (territory.honey_farm, "15.00", False)
    }  # fmt: skip
    assert Notification.objects.filter(user=people.hugo, kind=Notification.Kind.JOINT).exists()


@pytest.mark.parametrize(
    ("posted", "words"),
    [
        ({"cheese": "25", "honey": "10"}, "ne font pas le volume de l’offre"),
        ({"cheese": "25", "honey": "abc"}, "Nombre attendu"),
        ({"cheese": "40", "honey": "-1"}, "supérieur à zéro"),
    ],
)
def test_bad_shares_on_the_page_are_said_in_french_and_nothing_is_kept(
    territory: Any, people: Any, posted: dict[str, str], words: str
) -> None:
    answer = offer(territory, people)
    page = client_of(people.claire).post(
        f"/needs/answers/{answer.pk}/members/", shares(territory, posted["cheese"], posted["honey"])
    )
    assert page.status_code == 400 and words in page.content.decode()
    assert not answer.shares.exists()


def test_a_member_that_is_not_a_producer_or_a_share_without_producer_is_refused_on_the_page(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    shop = Actor.objects.create(name="Épicerie du coin", is_buyer=True)
    url = f"/needs/answers/{answer.pk}/members/"
    page = client_of(people.claire).post(
        url, {"member": [str(territory.cheese_farm.pk), str(shop.pk)], "share": ["25", "15"]}
    )
    assert page.status_code == 400 and "Épicerie du coin n’est pas un producteur" in page.content.decode()
    page = client_of(people.claire).post(url, {"member": [str(territory.cheese_farm.pk), ""], "share": ["25", "15"]})
    assert page.status_code == 400 and "Choisissez le producteur de chaque part" in page.content.decode()
    for unknown in ("abc", "9" * 30, "-3"):
        page = client_of(people.claire).post(url, {"member": [unknown, "1"], "share": ["25", "15"]})
        assert page.status_code == 400 and "Organisation inconnue" in page.content.decode()


def test_only_the_member_s_people_confirm_its_share_and_the_buyer_sees_one_offer(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    services.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    share = AnswerShare.objects.get(producer=territory.honey_farm)
    url = f"/needs/shares/{share.pk}/confirm/"
    buyer_page = client_of(people.sophie).get(answer.need.get_absolute_url()).content.decode()
    assert buyer_page.count('class="answer') == 1 and territory.honey_farm.name in buyer_page
    assert f"/supply/answers/{answer.pk}/accept/" not in buyer_page  # not every share is confirmed
    assert client_of(None).post(url, {"yes": "1"}).status_code == 302
    for stranger in (people.claire, people.sophie, people.camille):  # the lead, the buyer, a coordinator
        assert client_of(stranger).post(url, {"yes": "1"}).status_code == 403
    share.refresh_from_db()
    assert share.confirmed_at is None
    member_page = client_of(people.hugo).get(answer.need.get_absolute_url()).content.decode()
    assert url in member_page and "13,90" in member_page
    assert client_of(people.hugo).post(url, {"yes": "1"}).status_code == 302
    share.refresh_from_db()
    assert share.confirmed_at is not None
    assert (
        f"/supply/answers/{answer.pk}/accept/"
        in client_of(people.sophie).get(answer.need.get_absolute_url()).content.decode()
    )


def test_other_producers_see_nothing_of_a_joint_answer(territory: Any, people: Any) -> None:
    answer = offer(territory, people)
    services.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    gardener = person("lea@jardins.example.org")
    Membership.objects.create(user=gardener, actor=territory.market_gardener, how="coordinator")
    page = client_of(gardener).get(answer.need.get_absolute_url()).content.decode()
    assert territory.honey_farm.name not in page and "13,90" not in page and "/members/" not in page
    assert client_of(gardener).get(f"/needs/answers/{answer.pk}/members/").status_code == 403


def test_a_joint_offer_s_volume_changes_only_with_its_shares_and_declining_lets_the_members_go(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    services.answer_members_set(
        answer=answer, by=people.claire, shares=[(territory.cheese_farm.pk, "25"), (territory.honey_farm.pk, "15")]
    )
    with pytest.raises(ValidationError, match="parts des membres"):
        services.answer_submit(need=answer.need, producer=territory.cheese_farm, by=people.claire, kind="offer",
                               price="13.90", volume="50")  # fmt: skip
    services.answer_submit(need=answer.need, producer=territory.cheese_farm, by=people.claire, kind="offer",
                           price="12.50", volume="40")  # fmt: skip
    assert answer.shares.count() == 2  # a new price keeps the members
    services.answer_submit(need=answer.need, producer=territory.cheese_farm, by=people.claire, kind="declined",
                           reason="Plus de lait cet hiver")  # fmt: skip
    assert not answer.shares.exists()
    with pytest.raises(ValidationError, match="Seule une offre"):
        services.answer_members_set(answer=Answer.objects.get(pk=answer.pk), by=people.claire, shares=[])


def test_two_producers_of_one_name_are_told_apart_by_their_commune_in_the_members_list(
    territory: Any, people: Any
) -> None:
    answer = offer(territory, people)
    twin = Actor.objects.create(name=territory.cheese_farm.name, is_producer=True, commune=territory.thiers)
    Answer.objects.create(need=answer.need, producer=twin, kind="interested")
    page = client_of(people.claire).get(f"/needs/answers/{answer.pk}/members/").content.decode()
    name = territory.cheese_farm.name.replace("'", "&#x27;")
    assert f">{name} ({territory.thiers.name})</option>" in page
    assert f">{name} ({territory.cheese_farm.commune.name})</option>" in page
    honey = territory.honey_farm.name.replace("'", "&#x27;")
    Answer.objects.create(need=answer.need, producer=territory.honey_farm, kind="interested")
    assert f">{honey}</option>" in client_of(people.claire).get(f"/needs/answers/{answer.pk}/members/").content.decode()
