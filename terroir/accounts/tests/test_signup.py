"""Sign-up does not tell, by its answer or by its time, whether an address already has an account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from terroir.accounts import notify
from terroir.accounts.models import Preference

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """Counts the passwords hashed: the costly step that a sign-up must do whether or not the address is known."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def counting(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    return CountingHasher


def sign_up(client: Client, email: str) -> Any:
    return client.post(
        "/account/signup/", {"email": email, "password1": "Saint-Nectaire-63", "password2": "Saint-Nectaire-63"}
    )


def test_a_sign_up_with_a_known_address_hashes_a_password_like_a_new_one(
    client: Client, people: Any, counting: type[CountingHasher]
) -> None:
    new = sign_up(client, "lea@ferme-du-puy.example.org")
    hashed_for_new = counting.hashed
    counting.hashed = 0
    known = sign_up(Client(), people.claire.email)
    assert hashed_for_new == counting.hashed == 1
    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"]
    # The known address gets a note that it has an account; no second account is made.
    assert [m.to for m in mail.outbox] == [["lea@ferme-du-puy.example.org"], [people.claire.email]]
    assert get_user_model().objects.filter(email=people.claire.email).count() == 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_new_account_keeps_the_language_it_signed_up_in_as_its_choice(language: str) -> None:
    """Its e-mails are written in it (notify.by_language), whatever language the site defaults to."""
    response = sign_up(Client(headers={"accept-language": language}), "lea@ferme-du-puy.example.org")
    assert response.status_code == 302
    user = get_user_model().objects.get(email="lea@ferme-du-puy.example.org")
    assert Preference.objects.get(user=user).language == language
    assert list(notify.languages_chosen([user.email]).values()) == [language]
