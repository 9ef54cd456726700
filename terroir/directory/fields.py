"""The directory's field vocabulary: one cleaner per field, the same rule for web forms, the API, imports,
needs and services.

Before this module, a phone typed in a form was stored "04 73 12 34 56" and the same number imported
"+33473123456" in the same column, and a SIRET was checked with its checksum by imports only. Now:

- ``phone``: parsed with phonenumbers for France first (overseas departments too), stored E.164
  (``+33473123456``); ``phone_display`` gives it back the way people write it (``04 73 12 34 56``).
- ``siret``, ``siren``: python-stdnum's rule (Luhn, and La Poste's own), stored as bare digits; bare digits are
  checked without stdnum's layers (the same answer, see ``_siret_valid``).
- ``postcode``: five digits of a French département, overseas included (97x, 98x).
- ``email``: Django's validator, domain lower-cased. ``website``: http or https only, ``https://``
  added when a scheme is missing. ``opening_hours``: the OpenStreetMap syntax, normalised.
- ``name``, ``title``, ``address``, ``description``: one line (or one text) of at most ``LIMITS``.

``clean(name, value)`` returns the stored value or raises ``FieldInvalid``: a Django ValidationError
``{name: [reason]}`` whose reason is said when it is shown, in the reader's language (English or French);
``FieldInvalid.said`` keeps it as a template and values (``lib.messages.Message``) for an import's
report, read later by someone else in another language.
An empty value is "" (whether a field is required is the caller's business, except for a name).
Every cleaner is idempotent: cleaning a stored value gives it back unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from phonenumbers.phonemetadata import PhoneMetadata
from stdnum import luhn
from stdnum.exceptions import ValidationError as NumberInvalid
from stdnum.fr import siren, siret

from terroir.lib import hours
from terroir.lib.messages import Message
from terroir.lib.text import has_control

# The longest text each field holds (the columns' sizes, or what a page can show).
LIMITS = {
    "name": 200, "title": 200, "description": 5000, "address": 255, "opening_hours": 255, "website": 200,
    "order_url": 200, "phone": 30, "email": 254, "postcode": 10, "siret": 20, "siren": 20,
}  # fmt: skip
# Texts that may span several lines; every other text is one line, without control characters.
MULTILINE = frozenset({"description", "comment", "note", "message"})
REQUIRED = frozenset({"name", "title"})

# Numbers are read as French first, then as the overseas departments' and collectivities': a
# Guadeloupe farm writes "0590 81 23 45", which the metropolitan plan does not know.
PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
# Numbers dialled with a leading 0 from anywhere in France: shown in the national format.
PHONE_NATIONAL = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "BL", "MF"})
# Départements 01–95 (Corsica's postcodes start with 20), overseas 971–978 and 98x (Monaco, the Pacific).
_POSTCODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-8]\d{2}|98\d{3}")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)  # "host:8080" is a port, not a scheme


def message_text(message: Message) -> str:
    """The message in the active language."""
    return message.text(gettext)


# The message said when it is shown (a form rendered, an API answer written), not when it is raised.
message_lazy = lazy(message_text, str)


class FieldInvalid(ValidationError):
    """A value refused. As a ValidationError it is ``{field: [reason]}``, what forms, services and the API
    already show, in the language active when they show it; ``field``, ``said`` (the template and its
    values) and ``reason`` (its text now) serve imports, which keep one problem per field."""

    def __init__(self, field: str, said: Message) -> None:
        super().__init__({field: [message_lazy(said)]})
        self.field = field
        self.said = said

    @property
    def reason(self) -> str:
        return message_text(self.said)


def text_clean(
    field: str, value: Any, *, limit: int | None = None, multiline: bool | None = None, required: bool = False
) -> str:
    """A text stripped of its surrounding spaces: one line unless ``multiline``, at most ``limit`` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldInvalid(field, Message(_("Expected text.")))
    value = value.strip()
    multiline = field in MULTILINE if multiline is None else multiline
    if "\x00" in value:
        raise FieldInvalid(field, Message(_("The text contains a null character.")))
    if has_control(value, multiline=multiline):
        # A line break in a name reaches e-mail subjects (a header) and one-line exports.
        raise FieldInvalid(
            field,
            Message(
                _("Remove the control characters from this text.")
                if multiline
                else _("Remove the line breaks and control characters: this field holds one line.")
            ),
        )
    if required and not value:
        raise FieldInvalid(field, Message(_("This field is required.")))
    limit = LIMITS.get(field, 254) if limit is None else limit
    if len(value) > limit:
        raise FieldInvalid(field, Message(_("At most %(limit)s characters."), {"limit": limit}))
    return value


# --- Phones ----------------------------------------------------------------------------------------


# A number written with digits, spaces, dots and hyphens alone, not dialled from abroad ("00…"), read for a
# region: its national significant number is its digits, less a national prefix "0", or the region's calling
# code and up to two prefixes; and it is valid only if that number fits the general pattern of a region of
# that code.
_NATIONAL_DIGITS = re.compile(r"[0-9][0-9 .\-]*")


@functools.cache
def _region_numbers(region: str) -> tuple[str, re.Pattern[str]]:
    """The region's calling code, and the general pattern of the regions sharing it (those ``is_valid_number``
    may check a number of that code against)."""
    code = phonenumbers.country_code_for_region(region)
    patterns = [
        metadata.general_desc.national_number_pattern
        for name in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, (region,))
        if (metadata := PhoneMetadata.metadata_for_region(name)) is not None
        and metadata.general_desc is not None
        and metadata.general_desc.national_number_pattern
    ]
    return str(code), re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def _may_be_valid(text: str, region: str) -> bool:
    """False when reading ``text`` for ``region`` cannot give a valid number, found without parsing it: a
    number invalid for France was parsed again for each of the eleven overseas regions (a tenth of an
    import's reading). True when unsure (letters, "+", "00", brackets…): the number is parsed."""
    if not _NATIONAL_DIGITS.fullmatch(text):
        return True
    digits = re.sub(r"[ .\-]", "", text)
    if digits.startswith("00"):
        return True
    code, fits = _region_numbers(region)
    # The calling code goes with a national prefix ("508 0 41 23 45"), and the prefix is stripped once more
    # from what is left: up to two zeros after the code.
    national = [digits, digits[1:] if digits.startswith("0") else ""]
    if digits.startswith(code):
        rest = digits[len(code) :]
        national += [rest, rest[1:] if rest.startswith("0") else "", rest[2:] if rest.startswith("00") else ""]
    return any(number and fits.fullmatch(number) for number in national)


def phone_parse(text: str, *, region: str = "FR") -> phonenumbers.PhoneNumber | None:
    """The number ``text`` means, read for ``region`` then for France and its overseas; None if none is valid."""
    for where in dict.fromkeys((region, *PHONE_REGIONS)):
        if where != region and not _may_be_valid(text, where):
            continue
        try:
            number = phonenumbers.parse(text, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
        if text.lstrip().startswith("+"):
            return None  # an international number reads the same whatever the region
    return None


# A French number written the national way ("04 73 12 34 56", "04.73.12.34.56"), most of a French file's
# numbers: its national significant number is its digits less the national prefix "0".
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9 .\-]*")


@functools.cache
def _valid_french() -> re.Pattern[str]:
    """The national significant numbers ``is_valid_number`` accepts for France: those fitting France's general
    pattern and one of its number types' (each pattern with its possible lengths), from phonenumbers' own
    metadata (France is the only region of its calling code)."""
    metadata = PhoneMetadata.metadata_for_region("FR")
    assert metadata is not None and phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code or 0) == ("FR",)

    def fits(desc: Any) -> str:
        lengths = "|".join(rf"\d{{{n}}}" for n in desc.possible_length or ())
        pattern = f"(?:{desc.national_number_pattern})"
        return f"(?=(?:{lengths})$){pattern}" if lengths else pattern

    kinds = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
             "fixed_line", "mobile")  # fmt: skip
    types = [
        fits(desc) for kind in kinds if (desc := getattr(metadata, kind)) is not None and desc.national_number_pattern
    ]
    return re.compile(f"(?=(?:{fits(metadata.general_desc)})$)(?:{'|'.join(types)})")


def _french_e164(text: str) -> str | None:
    """A number written the national French way and valid for France, in E.164, found without parsing it
    (``phonenumbers.parse`` and ``is_valid_number`` were most of a phone's cost in an import); None when the
    text is anything else, or a number France does not know (it is then parsed, overseas regions included)."""
    if not _FRENCH_NATIONAL.fullmatch(text):
        return None
    national = text.replace(" ", "").replace(".", "").replace("-", "")[1:]
    return "+33" + national if _valid_french().fullmatch(national) else None


def phone_clean(value: Any, *, field: str = "phone", region: str = "FR") -> str:
    """The number in E.164 (``+33473123456``), the machine format: one number, one way to store it."""
    text = text_clean(field, value, limit=LIMITS["phone"])
    if not text:
        return ""
    if region == "FR":
        # Read for France first, as phone_parse does: a number valid for France is France's.
        french = _french_e164(text)
        if french is not None:
            return french
    number = phone_parse(text, region=region)
    if number is None:
        raise FieldInvalid(field, Message(_("%(value)s is not a valid phone number."), {"value": text[:30]}))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(stored: str) -> str:
    """A stored number the way people read it: ``04 73 12 34 56`` for a French one (overseas included),
    ``+32 2 511 12 34`` for another country's. A value that is not a number is shown as it is."""
    if not stored:
        return ""
    number = phone_parse(stored)
    if number is None:
        return stored
    if phonenumbers.region_code_for_number(number) in PHONE_NATIONAL:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- Company numbers -------------------------------------------------------------------------------


# A digit at an even position from the right of a Luhn number counts doubled, the two digits added.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def _digits_sum(digits: str) -> int:
    """The sum of a text of ASCII digits' values."""
    return sum(digits.encode()) - 48 * len(digits)


def _luhn_valid(digits: str) -> bool:
    """python-stdnum's `luhn.is_valid` for a text of ASCII digits."""
    return (_digits_sum(digits[-1::-2]) + _digits_sum(digits[-2::-2].translate(_LUHN_DOUBLED))) % 10 == 0


def _siret_valid(digits: str) -> bool:
    """python-stdnum's `siret.is_valid` for 14 ASCII digits, without its layers (the text cleaned again,
    each digit found in an alphabet, an exception per failed check): a directory file has thousands."""
    if digits.startswith("356000000") and digits != "35600000000048":
        # La Poste's establishments (not its head office): the digits' sum a multiple of 5, not Luhn.
        valid = _digits_sum(digits) % 5 == 0
    else:
        valid = _luhn_valid(digits)
    return valid and _luhn_valid(digits[:9])


def _company_number(text: str, length: int, valid: Callable[[str], bool], rule: Any) -> str | None:
    """A SIRET's or SIREN's text as its digits when python-stdnum's `rule` (its module) holds, else None. Bare
    digits, as most files give them, are checked by `valid`, the same rule without stdnum's layers (what
    stdnum would return is the text itself)."""
    if len(text) == length and text.isascii() and text.isdigit():
        return text if valid(text) else None
    try:
        return str(rule.validate(text))
    except NumberInvalid:
        return None


def siret_clean(value: Any, *, field: str = "siret") -> str:
    """A SIRET as its 14 digits, checked by python-stdnum's rule (Luhn, and La Poste's establishments')."""
    text = re.sub(r"\s", "", text_clean(field, value, limit=LIMITS["siret"]))
    if not text:
        return ""
    number = _company_number(text, 14, _siret_valid, siret)
    if number is None:
        raise FieldInvalid(
            field, Message(_("%(value)s is not a valid SIRET (14 digits and their checksum)."), {"value": text[:20]})
        )
    return number


def siren_clean(value: Any, *, field: str = "siren") -> str:
    """A SIREN (a company's number, the first 9 digits of its establishments' SIRET), checked by python-stdnum."""
    text = re.sub(r"\s", "", text_clean(field, value, limit=LIMITS["siren"]))
    if not text:
        return ""
    number = _company_number(text, 9, _luhn_valid, siren)
    if number is None:
        raise FieldInvalid(
            field, Message(_("%(value)s is not a valid SIREN (9 digits and their checksum)."), {"value": text[:20]})
        )
    return number


def siret_made_up(company: str, establishment: str) -> str:
    """A valid SIRET from 8 digits of a company and 4 of an establishment, each part given its Luhn check
    digit (the demo's numbers, which must pass the same rule as real ones)."""
    number = company + luhn.calc_check_digit(company) + establishment
    return number + luhn.calc_check_digit(number)


# --- Addresses and the web -------------------------------------------------------------------------


def postcode_clean(value: Any, *, field: str = "postcode") -> str:
    """Five digits of a French département (``63000``), overseas included (``97110``, ``98800``)."""
    text = re.sub(r"\s", "", text_clean(field, value, limit=LIMITS["postcode"]))
    if not text or _POSTCODE.fullmatch(text):
        return text
    if re.fullmatch(r"2[AB]\d{3}", text, re.IGNORECASE):
        message = _("%(value)s is a Corsican commune's INSEE code, not its postcode (20000 to 20620).")
        raise FieldInvalid(field, Message(message, {"value": text}))
    raise FieldInvalid(
        field, Message(_("%(value)s is not a French postcode: it has five digits."), {"value": text[:10]})
    )


def postcode_of_commune(postcodes: str) -> str:
    """The first postcode of a commune's list (the communes table keeps them "63000;63100"), or "" when the
    list holds none a place could be given."""
    first = postcodes.split(";")[0].strip()
    try:
        return postcode_clean(first)
    except FieldInvalid:
        return ""


def email_clean(value: Any, *, field: str = "email") -> str:
    """An e-mail address checked by Django's validator; its domain lower-cased (the part before the @
    belongs to the mailbox, whose case some servers keep)."""
    text = text_clean(field, value, limit=LIMITS["email"]).removeprefix("mailto:").strip()
    if not text:
        return ""
    try:
        EmailValidator()(text)
    except ValidationError:
        raise FieldInvalid(
            field, Message(_("%(value)s is not a valid e-mail address."), {"value": text[:60]})
        ) from None
    mailbox, _at, domain = text.rpartition("@")
    return f"{mailbox}@{domain.lower()}"


def url_clean(value: Any, *, field: str = "website") -> str:
    """A web address, http or https only; ``https://`` is added when no scheme is written (``ferme.fr``)."""
    text = text_clean(field, value, limit=LIMITS["website"])
    if not text:
        return ""
    if "://" not in text and not _SCHEME.match(text):
        text = "https://" + text
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise FieldInvalid(field, Message(_("Enter a web address starting with http:// or https://."))) from None
    if len(text) > LIMITS["website"]:
        raise FieldInvalid(field, Message(_("At most %(limit)s characters."), {"limit": LIMITS["website"]}))
    return text


def hours_clean(value: Any, *, field: str = "opening_hours") -> str:
    """Opening hours in the OpenStreetMap syntax, normalised (terroir.lib.hours)."""
    text = text_clean(field, value, limit=LIMITS["opening_hours"])
    if not text:
        return ""
    try:
        return hours.validate(text)
    except hours.InvalidOpeningHours as error:
        # The parser's reason is English grammar jargon: say where reading stopped instead, and show the way.
        example = Message(
            _("Write them like “Tu-Sa 09:00-12:30,15:00-19:00; PH off” (days Mo Tu We Th Fr Sa Su, times 09:00).")
        )
        if error.position is None:
            reason = Message(_("Opening hours not understood."))
        else:
            rest: str | Message = text[error.position - 1 :][:20] or Message(_("the end"))
            reason = Message(
                _("Opening hours not understood from character %(position)s (“%(rest)s”)."),
                {"position": error.position, "rest": rest},
            )
        # Two sentences, each its own msgid: the template joining them is no text to translate.
        raise FieldInvalid(field, Message("%(reason)s %(example)s", {"reason": reason, "example": example})) from None


# --- The registry ----------------------------------------------------------------------------------

CLEANERS: dict[str, Callable[[Any], str]] = {
    "phone": phone_clean,
    "siret": siret_clean,
    "siren": siren_clean,
    "postcode": postcode_clean,
    "email": email_clean,
    "website": url_clean,
    "order_url": lambda value: url_clean(value, field="order_url"),
    "opening_hours": hours_clean,
}


def clean(name: str, value: Any) -> str:
    """The value of field ``name`` as stored, or FieldInvalid saying why. A field without a cleaner of its
    own (a name, an address, a title, a description) is a text of at most ``LIMITS[name]`` characters."""
    cleaner = CLEANERS.get(name)
    if cleaner is not None:
        return cleaner(value)
    return text_clean(name, value, required=name in REQUIRED)


class VocabularyField(forms.CharField):
    """A form field cleaned by the registry: the form shows the same message and keeps the same value as
    the service that stores it."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.vocabulary = name
        kwargs.setdefault("max_length", LIMITS.get(name))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # A stored phone is shown the way people write it; what they typed is shown as typed.
        return phone_display(value) if self.vocabulary == "phone" and isinstance(value, str) else value

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return clean(self.vocabulary, text) if text else ""
        except FieldInvalid as error:
            raise ValidationError(message_lazy(error.said), code="invalid") from None
