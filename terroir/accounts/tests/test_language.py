"""A person's language (accounts.Preference): set from the header's switcher while signed in and on their
space, and the language of every e-mail Terroir writes to them (accounts.notify.by_language): an
English-preferring person gets English e-mails, a French-preferring one French, each on their own."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terroir.accounts import notify, services
from terroir.accounts.models import Preference
from terroir.conftest import PASSWORD
from terroir.contributions import notify as contributions_notify
from terroir.directory.models import Category

pytestmark = pytest.mark.django_db


def test_the_switcher_records_the_language_of_a_person_signed_in_and_of_nobody_else(people: Any) -> None:
    visitor = Client()
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    assert not Preference.objects.exists()
    hugo = Client()
    hugo.force_login(people.hugo)
    hugo.post("/i18n/setlang/", {"language": "en", "next": "/needs/"})
    assert Preference.objects.get(user=people.hugo).language == "en"
    hugo.post("/i18n/setlang/", {"language": "de", "next": "/"})  # not one of the site's: nothing changes
    assert Preference.objects.get(user=people.hugo).language == "en"


def test_the_space_shows_the_persons_language_and_changes_it(people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    page = client.get(reverse("accounts:space"), headers={"accept-language": "fr"}).content.decode()
    assert 'id="my-language"' in page and '<option value="fr" selected>' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("accounts:space")})
    assert response["Location"] == reverse("accounts:space")
    page = client.get(reverse("accounts:space")).content.decode()
    assert '<option value="en" selected>' in page and "Language of the pages and of the e-mails" in page


def test_saving_the_language_on_the_space_says_it_is_saved_in_the_language_chosen(people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    space = reverse("accounts:space")
    response = client.post("/i18n/setlang/", {"language": "en", "next": space, "saved": "1"}, follow=True)
    assert "Your language is saved." in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "fr", "next": space, "saved": "1"}, follow=True)
    assert "Votre langue est enregistrée." in response.content.decode()
    # The header's switcher says nothing: the page changing language is the answer.
    response = client.post("/i18n/setlang/", {"language": "en", "next": space}, follow=True)
    assert "Your language is saved." not in response.content.decode()


def test_the_language_must_be_one_of_the_sites(people: Any) -> None:
    with pytest.raises(ValidationError, match="langues du site"):
        services.language_set(user=people.hugo, language="xx")


def test_addresses_are_grouped_by_their_persons_choice_else_the_language_they_used_else_the_sites(
    people: Any,
) -> None:
    services.language_set(user=people.hugo, language="en")
    services.language_set(user=people.claire, language="fr")
    to = [people.hugo.email.upper(), people.claire.email, "nobody@example.org", "", people.hugo.email.upper()]
    with translation.override("en"):  # the language of whoever triggered the e-mail does not count
        groups = [(translation.get_language(), list(g)) for g in notify.by_language(to)]
    assert groups == [("en", [people.hugo.email.upper()]), ("fr", [people.claire.email, "nobody@example.org"])]
    used = [(translation.get_language(), g) for g in notify.by_language(["nobody@example.org"], default="en")]
    assert used == [("en", ["nobody@example.org"])]


def test_an_english_preferring_person_gets_english_emails_and_a_french_preferring_one_french(
    people: Any, mailoutbox: list[Any]
) -> None:
    services.language_set(user=people.hugo, language="en")
    with translation.override("en"):
        contributions_notify.verification_reminder(
            to=[people.hugo.email, people.claire.email], entries=[("Rucher", "https://x.example/edit")], months=12
        )
        notify.needs_digest(to=people.hugo.email, producer="Rucher", needs=[("Miel", "Cantine", "https://x/1")])
    by_person = [(m.to, m.subject) for m in mailoutbox]
    assert by_person[0] == ([people.hugo.email], "[Terroir] Is your entry in the directory still true?")
    assert by_person[1][0] == [people.claire.email] and "toujours à jour\u202f?" in by_person[1][1]
    assert by_person[2] == ([people.hugo.email], "[Terroir] New needs of buyers around Rucher")


def test_a_matched_need_names_its_product_family_in_each_persons_language(
    people: Any, territory: Any, mailoutbox: list[Any]
) -> None:
    """The subject's product family was the French name whatever the language the e-mail was written in."""
    services.language_set(user=people.hugo, language="en")
    cheese = Category.objects.get(slug="cow-cheese")
    need = SimpleNamespace(category=cheese, buyer=territory.clermont_supermarket, title="Tomme",
                           get_absolute_url=lambda: "/needs/1/")  # fmt: skip
    notify.need_matched(need=need, to=[people.hugo.email, people.claire.email])
    subjects = {tuple(m.to): m.subject for m in mailoutbox}
    english, french = cheese.name_en.lower(), cheese.name_fr.lower()
    assert english != french
    assert subjects[(people.hugo.email,)] == f"[Terroir] A buyer needs {english} near you"
    assert french in subjects[(people.claire.email,)] and english not in subjects[(people.claire.email,)]


def test_the_persons_language_is_in_the_data_they_download(people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    assert client.get("/account/space/data.json").json()["account"]["language"] is None
    services.language_set(user=people.claire, language="en")
    assert client.get("/account/space/data.json").json()["account"]["language"] == "en"


def test_every_module_writing_e_mails_writes_them_in_each_persons_language() -> None:
    """A module that sends through accounts.notify writes each message inside `by_language` (the person's
    choice), never in a language it fixes itself (the site's, as every e-mail was before)."""
    root = Path(__file__).resolve().parents[2]
    senders = [path for path in root.rglob("*.py") if "tests" not in path.parts
               and re.search(r"from terroir\.accounts(\.notify import| import notify)", path.read_text())]  # fmt: skip
    assert len(senders) >= 7  # contributions, events, carpool, solidarity, shops, needs, meetings
    for path in [*senders, root / "accounts" / "notify.py"]:
        text = path.read_text()
        assert "translation.override(settings.LANGUAGE_CODE)" not in text, path
        assert "by_language(" in text or "notify.need_matched" in text or "notify.event_invitation" in text, path


def test_signing_in_switches_the_pages_to_the_language_the_person_chose(people: Any) -> None:
    services.language_set(user=people.hugo, language="en")
    client = Client()
    client.cookies["django_language"] = "fr"  # browsing in French before signing in
    assert 'lang="fr"' in client.get(reverse("account_login")).content.decode()
    response = client.post(reverse("account_login"), {"login": people.hugo.email, "password": PASSWORD})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    page = client.get(reverse("accounts:space"), headers={"accept-language": "fr"})
    assert 'lang="en"' in page.content.decode() and page["Content-Language"] == "en"


def test_signing_in_leaves_the_language_of_a_person_who_chose_none_as_they_browse(people: Any) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("account_login"), {"login": people.hugo.email, "password": PASSWORD})
    assert response.status_code == 302 and "django_language" not in response.cookies
    assert 'lang="en"' in client.get(reverse("accounts:space")).content.decode()
    assert not Preference.objects.exists()


def test_allauths_own_e_mails_follow_the_language_the_recipient_chose(people: Any) -> None:
    """A password reset and an address's confirmation asked for from a French page reach an English-preferring
    person in English; a person who chose nothing gets them in the page's language, as before."""
    from django.core import mail

    services.language_set(user=people.hugo, language="en")
    client = Client()
    client.post("/account/password/reset/", {"email": people.hugo.email}, headers={"accept-language": "fr"})
    client.post("/account/password/reset/", {"email": people.claire.email}, headers={"accept-language": "fr"})
    reset = {message.to[0]: message for message in mail.outbox}
    assert "Password Reset" in reset[people.hugo.email].subject and "password" in reset[people.hugo.email].body
    assert "Password Reset" not in reset[people.claire.email].subject
    assert "mot de passe" in reset[people.claire.email].body
    mail.outbox.clear()
    client.force_login(people.hugo)
    client.post("/account/email/", {"action_add": "", "email": "hugo.miel@durolle.example.org"},
                headers={"accept-language": "fr"})  # fmt: skip
    (confirmation,) = mail.outbox
    assert confirmation.to == ["hugo.miel@durolle.example.org"]
    assert "Please Confirm Your Email Address" in confirmation.subject
