"""The field vocabulary: every cleaner on the values people and sources really write."""

from __future__ import annotations

import random
from collections.abc import Iterator

import phonenumbers
import pytest
from django import forms
from django.utils import translation
from stdnum import luhn
from stdnum.fr import siren, siret

from terroir.directory import fields
from terroir.directory.fields import FieldInvalid
from terroir.lib.messages import Message


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


CLEANED = [
    # Phones: every way of writing one number stores it once, in E.164.
    ("phone", "04 73 12 34 56", "+33473123456"),
    ("phone", "0473123456", "+33473123456"),
    ("phone", "+33 4 73 12 34 56", "+33473123456"),
    ("phone", "+33 (0)4 73 12 34 56", "+33473123456"),
    ("phone", "0033 4 73 12 34 56", "+33473123456"),
    ("phone", "06.12.34.56.78", "+33612345678"),
    ("phone", "06-12-34-56-78", "+33612345678"),
    ("phone", "0590 81 23 45", "+590590812345"),  # Guadeloupe, written as on the island
    ("phone", "+590 590 81 23 45", "+590590812345"),
    ("phone", "0262 12 34 56", "+262262123456"),  # La Réunion
    ("phone", "+32 2 511 12 34", "+3225111234"),  # Brussels
    ("phone", "+33473123456", "+33473123456"),  # a stored value is stored again unchanged
    ("phone", "", ""),
    # SIRET and SIREN: bare digits, checksum checked.
    ("siret", "732 829 320 00074", "73282932000074"),
    ("siret", "35600000000048", "35600000000048"),  # La Poste's head office
    ("siret", "356.000.000.00010", "35600000000010"),  # a La Poste establishment: digits sum to a multiple of 5
    ("siren", "732 829 320", "732829320"),
    ("siren", "356000000", "356000000"),
    # Postcodes: metropolitan, Corsica, overseas, Monaco and the Pacific.
    ("postcode", "63000", "63000"),
    ("postcode", "63 600", "63600"),
    ("postcode", "20000", "20000"),
    ("postcode", "97110", "97110"),
    ("postcode", "97600", "97600"),
    ("postcode", "98000", "98000"),
    ("postcode", "98800", "98800"),
    # E-mail: the domain lower-cased, a mailto: link accepted.
    ("email", " Contact@Monts-du-Forez.FR ", "Contact@monts-du-forez.fr"),
    ("email", "mailto:gaec@example.org", "gaec@example.org"),
    # Web: http and https only, https added when no scheme is written.
    ("website", "www.ferme-du-pre.fr", "https://www.ferme-du-pre.fr"),
    ("website", "http://ferme-du-pre.fr/produits", "http://ferme-du-pre.fr/produits"),
    ("website", "ferme-du-pre.fr:8080/a", "https://ferme-du-pre.fr:8080/a"),
    # Opening hours: the OSM syntax, normalised.
    ("opening_hours", "Tu-Sa 09:00-12:30,15:00-19:00; Su off", "Tu-Sa 09:00-12:30,15:00-19:00"),
    ("opening_hours", " Sa 07:00-13:00 ", "Sa 07:00-13:00"),
    # Texts without a cleaner of their own: trimmed, within their limit.
    ("name", "  GAEC des Monts du Forez ", "GAEC des Monts du Forez"),
    ("description", "Fromages.\nVente à la ferme.", "Fromages.\nVente à la ferme."),
]

REFUSED = [
    ("phone", "12", "not a valid phone number"),
    ("phone", "04 73 ??", "not a valid phone number"),
    ("phone", "téléphone : voir site", "not a valid phone number"),
    ("phone", "+33 4 73", "not a valid phone number"),
    ("phone", "0590", "not a valid phone number"),
    ("phone", "0" * 40, "At most 30 characters"),
    ("siret", "73282932000075", "not a valid SIRET"),  # one digit off: the checksum fails
    ("siret", "7328293200007", "not a valid SIRET"),
    ("siret", "35600000000011", "not a valid SIRET"),
    ("siret", "SIRET en cours", "not a valid SIRET"),
    ("siren", "732829321", "not a valid SIREN"),
    ("postcode", "6300", "five digits"),
    ("postcode", "630000", "five digits"),
    ("postcode", "00100", "five digits"),
    ("postcode", "96000", "five digits"),
    ("postcode", "2A004", "INSEE code"),
    ("postcode", "Ambert", "five digits"),
    ("email", "contact@", "not a valid e-mail address"),
    ("email", "contact at ferme.fr", "not a valid e-mail address"),
    ("website", "javascript:alert(1)", "http"),
    ("website", "ftp://ferme.fr", "http"),
    ("website", "mailto:contact@ferme.fr", "http"),
    ("website", "pas de site", "http"),
    ("opening_hours", "whenever we feel like it", "Opening hours not understood"),
    ("name", "   ", "required"),
    ("name", "GAEC\ndes Monts", "one line"),
    ("title", "x" * 201, "At most 200 characters"),
    ("address", 12, "Expected text"),
]


@pytest.mark.parametrize(("name", "given", "stored"), CLEANED)
def test_each_field_stores_what_people_write_one_way(name: str, given: str, stored: str) -> None:
    assert fields.clean(name, given) == stored
    assert fields.clean(name, stored) == stored, "cleaning a stored value must give it back unchanged"


@pytest.mark.parametrize(("name", "given", "says"), REFUSED)
def test_each_field_refuses_garbage_naming_the_field_and_why(name: str, given: object, says: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        fields.clean(name, given)
    assert caught.value.field == name
    assert says in caught.value.reason
    assert caught.value.message_dict == {name: [caught.value.reason]}


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33473123456", "04 73 12 34 56"),
        ("+33612345678", "06 12 34 56 78"),
        ("+590590812345", "0590 81 23 45"),
        ("+3225111234", "+32 2 511 12 34"),
        ("04 73 ??", "04 73 ??"),  # what a person gave and nobody could read is shown as given
        ("", ""),
    ],
)
def test_a_stored_phone_is_shown_in_the_national_format_when_it_is_french(stored: str, shown: str) -> None:
    assert fields.phone_display(stored) == shown


def test_an_import_may_read_its_numbers_for_another_country_first() -> None:
    assert fields.phone_clean("02 511 12 34", region="BE") == "+3225111234"
    assert fields.phone_clean("0590 81 23 45", region="BE") == "+590590812345"  # still French when not Belgian


def _phone_parse_every_region(text: str, region: str) -> object:
    """phone_parse as it was: the text parsed for each region in turn until one reads it as valid."""
    for where in dict.fromkeys((region, *fields.PHONE_REGIONS)):
        try:
            number = phonenumbers.parse(text, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
        if text.lstrip().startswith("+"):
            return None
    return None


def test_a_number_invalid_for_france_is_not_parsed_again_for_regions_it_cannot_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    parse = phonenumbers.parse

    def counted(text: str, region: str) -> phonenumbers.PhoneNumber:
        parsed.append(region)
        return parse(text, region)

    monkeypatch.setattr(phonenumbers, "parse", counted)
    assert fields.phone_parse("04 00 12 34 56") is None
    assert parsed == ["FR"]  # eleven overseas regions were tried before, none of whose numbers ends so
    parsed.clear()
    assert fields.phone_clean("0590 81 23 45") == "+590590812345"
    assert parsed == ["FR", "GP"]


def test_phone_parse_reads_every_number_as_parsing_it_for_each_region_would() -> None:
    rng = random.Random(3)
    prefixes = ["", "0", "00", "0033", "33", "0590", "0596", "0594", "0262", "0692", "0639", "0269", "0508", "687"]
    prefixes += ["508", "50800", "5080", "590", "5900", "262", "2620", "33", "330", "689", "681"]
    texts = {"41 23 45", "28 12 34", "87 12 34 56", "40 12 34", "0 590 81 23 45", "12", "-0473123456"}
    for _ in range(3000):
        prefix = rng.choice(prefixes)
        length = rng.choice([4, 6, 8, 9, 10, 11])
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        separator = rng.choice(["", " ", ".", "-"])
        texts.add(separator.join(digits[i : i + 2] for i in range(0, len(digits), 2)))
    for region in ("FR", "BE", "RE"):
        for text in sorted(texts):
            assert fields.phone_parse(text, region=region) == _phone_parse_every_region(text, region), (text, region)


def test_a_french_number_read_without_parsing_is_what_parsing_it_gives() -> None:
    # fields._french_e164 (numbers written "04 73 12 34 56", valid for France) against phonenumbers' own reading.
    rng = random.Random(5)
    texts = {"04 73 12 34 56", "06.12.34.56.78", "0590 81 23 45", "0262 12 34 56", "08 00 12 34 56", "01-2"}
    for _ in range(20000):
        digits = "0" + rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(rng.choice([7, 8, 9])))
        separator = rng.choice(["", " ", ".", "-"])
        texts.add(separator.join(digits[i : i + 2] for i in range(0, len(digits), 2)))
    fast = 0
    for text in sorted(texts):
        try:
            number = phonenumbers.parse(text, "FR")
            valid = phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            valid = False
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if valid else None
        assert fields._french_e164(text) == expected, text
        fast += expected is not None
        if valid:
            assert fields.phone_clean(text) == expected
    assert fast > 5000  # a good share of the generated numbers is valid for France


def test_a_made_up_siret_gets_a_valid_check_digit() -> None:
    made_up = fields.siret_made_up("91234567", "0001")
    assert fields.siret_clean(made_up) == made_up and fields.siren_clean(made_up[:9]) == made_up[:9]


def test_sirets_and_sirens_of_bare_digits_are_checked_as_python_stdnum_checks_them() -> None:
    """Bare digits are checked without stdnum's layers (`fields._siret_valid`): the same answer as
    stdnum's on random numbers, made-up valid ones, one digit changed, La Poste's establishments."""
    rng = random.Random(14)
    numbers = ["35600000000048", "35600000000049", "35600000000010", "00000000000000", "99999999999999"]
    for _n in range(1500):
        numbers.append(f"{rng.randrange(10**14):014d}")
        valid = fields.siret_made_up(f"{rng.randrange(10**8):08d}", f"{rng.randrange(10**4):04d}")
        spot = rng.randrange(14)
        numbers += [valid, valid[:spot] + str(rng.randrange(10)) + valid[spot + 1 :]]
        numbers.append(f"356000000{rng.randrange(10**5):05d}")
        company = f"{rng.randrange(10**8):08d}"
        numbers.append(company + luhn.calc_check_digit(company) + f"{rng.randrange(10**5):05d}")
    valid_sirets = valid_sirens = 0
    for number in numbers:
        for clean, check, digits in ((fields.siret_clean, siret, number), (fields.siren_clean, siren, number[:9])):
            expected = check.is_valid(digits)
            if expected:
                assert clean(digits) == digits
            else:
                with pytest.raises(FieldInvalid):
                    clean(digits)
            valid_sirets += expected and check is siret
            valid_sirens += expected and check is siren
    assert valid_sirets > 2000 and valid_sirens > 5000  # of 7,505 numbers: both answers well represented
    # Other writings still go through stdnum: spaces, dots, a dash stdnum cleans, letters.
    assert fields.siret_clean("732.829.320 00074") == "73282932000074"
    assert fields.siren_clean("732.829.320") == "732829320"
    with pytest.raises(FieldInvalid):
        fields.siret_clean("7328293200007A")


def test_the_message_is_french_for_a_french_reader() -> None:
    with pytest.raises(FieldInvalid) as caught:
        fields.clean("phone", "12")
    with translation.override("fr"):
        assert "numéro de téléphone" in caught.value.reason
    with pytest.raises(FieldInvalid) as caught:
        fields.clean("siret", "73282932000075")
    with translation.override("fr"):
        assert caught.value.reason == "73282932000075 n’est pas un SIRET valide (14 chiffres et leur clé de contrôle)."


def test_a_refused_value_is_said_in_the_language_of_whoever_reads_it_not_of_whoever_cleaned_it() -> None:
    with translation.override("fr"), pytest.raises(FieldInvalid) as caught:
        fields.clean("phone", "12")
    with translation.override("en"):
        assert caught.value.reason == "12 is not a valid phone number." == caught.value.messages[0]
    with translation.override("fr"):
        assert "numéro de téléphone" in caught.value.messages[0]
    said = Message.of(caught.value.said.json())
    assert said == caught.value.said and said.text() == "12 is not a valid phone number."


def test_a_form_shows_the_cleaner_s_message_in_the_language_it_is_rendered_in() -> None:
    class PhoneForm(forms.Form):
        phone = fields.VocabularyField("phone")

    form = PhoneForm({"phone": "12"})
    with translation.override("en"):
        assert not form.is_valid()
    with translation.override("fr"):
        assert "numéro de téléphone" in str(form["phone"].errors)
    with translation.override("en"):
        assert "is not a valid phone number" in str(form["phone"].errors)


@pytest.mark.parametrize(("postcodes", "first"), [("63600", "63600"), ("63000;63100", "63000"), ("", "")])
def test_a_commune_s_first_postcode_is_the_one_an_entry_gets(postcodes: str, first: str) -> None:
    assert fields.postcode_of_commune(postcodes) == first


def test_opening_hours_errors_say_in_french_where_reading_stopped() -> None:
    with translation.override("fr"), pytest.raises(FieldInvalid) as caught:
        fields.hours_clean("Mo-Sa 9h-12h")
    with translation.override("fr"):
        message = " ".join(caught.value.messages)
    assert "Horaires non compris à partir du caractère 7 (« 9h-12h »)" in message
    assert "expected" not in message
