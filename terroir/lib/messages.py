"""A message said later, in the reader's language: an English template marked for the catalogue and
the values that fill it.

An import runs on the worker, in the site's language; the people who read its problems may read
another. A message kept as text stays in the worker's language, so what is kept is a `Message`: its
template (the catalogue's msgid) and its values, as JSON (`data`, `Message.of`). A value may itself be
a Message ("<reason>; replaced by the centre of <commune>"), translated with it. Pure Python: the caller
passes the translation function (Django's `gettext`, or nothing for English).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue (makemessages finds it by this name) without translating it."""
    return message


def _english(message: str) -> str:
    return message


# A value someone gave (a word of their file, a column's name, a key of their mapping) is quoted the way the
# reader's language quotes — “legumes” in English, « legumes » in French — never as Python writes it
# ('legumes'). A template asks for it with `%(name)r`; a list given there is each of its values quoted.
QUOTES = gettext_noop("“%(value)s”")
_QUOTED = re.compile(r"(?<!%)%\((\w+)\)r")


def quoted(value: Any, translate: Callable[[str], str] = _english) -> str:
    """`value` in the quotation marks of the language of `translate` (English without one); a list, each of
    its values so, separated by commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(quoted(item, translate) for item in value)
    return translate(QUOTES) % {"value": value}


def formatted(template: str, values: Mapping[str, Any], translate: Callable[[str], str] = _english) -> str:
    """`template % values` (the template already translated), each `%(name)r` its value quoted for the
    language of `translate` (`quoted`)."""
    names = set(_QUOTED.findall(template))
    if not names:
        return template % values
    filled = dict(values) | {f"{name} quoted": quoted(values[name], translate) for name in names if name in values}
    return _QUOTED.sub(lambda found: f"%({found.group(1)} quoted)s", template) % filled


# json.dumps(…, ensure_ascii=False, separators=(",", ":"), sort_keys=True), its encoder made once (dumps makes
# one per call: an import's report encodes a message per problem).
_json_encoded = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


@dataclass(frozen=True)
class Message:
    """`template % values`, translated when it is read. Values are JSON's own (text, numbers, booleans,
    None) or Messages; `%(name)r` in a template quotes a value the reader's way (`quoted`: “word”,
    « word »), which a round trip through JSON keeps."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = _english, number: Callable[[int], str] | None = None) -> str:
        """The message in the language of `translate` (English without one); its whole numbers written by
        `number` when given (the way the reader's language groups their digits: "12 000", "12,000")."""
        said = translate(self.template) if self.template else ""
        if not self.values:
            return said
        values = {
            name: value.text(translate, number)
            if isinstance(value, Message)
            else number(value)
            if number is not None and isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in self.values.items()
        }
        return formatted(said, values, translate)

    def texts(self) -> list[str]:
        """The text values filled in, nested messages' included: those a French reading elides before
        ("remplacée par le centre d’Ambert", directory.french.elided)."""
        found: list[str] = []
        for value in self.values.values():
            found += value.texts() if isinstance(value, Message) else [value] if isinstance(value, str) else []
        return found

    def __str__(self) -> str:
        return self.text()

    def data(self) -> dict[str, Any]:
        """The message as JSON-ready data: {"t": template, "v": {name: value}}, a nested message as its own data."""
        values = {name: value.data() if isinstance(value, Message) else value for name, value in self.values.items()}
        return {"t": self.template, "v": values} if values else {"t": self.template}

    def json(self) -> str:
        # Keys sorted: the same message reads the same after a round trip through PostgreSQL's jsonb, which
        # keeps keys in its own order (a re-import's report is then the first one, to the byte).
        return _json_encoded(self.data())

    @classmethod
    def of(cls, data: Any) -> Message:
        """The message back from `data()` (or its JSON text). Anything else is a message of plain text,
        shown as it is: a report stored before messages were kept reads the same as before."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return cls.plain(data)
        if not isinstance(data, Mapping) or not isinstance(data.get("t"), str):
            return cls.plain("" if data is None else str(data))
        raw = data.get("v") or {}
        values = {
            str(name): cls.of(value) if isinstance(value, Mapping) and "t" in value else value
            for name, value in (raw.items() if isinstance(raw, Mapping) else ())
        }
        return cls(data["t"], values)

    @classmethod
    def quoting(cls, value: Any) -> Message:
        """`value` (a text, or a list of texts) as a message's value that is quoted when the message is read,
        in the reader's language (`quoted`): for a template whose msgid says `%(name)s`."""
        return cls("%(value)r", {"value": value})

    @classmethod
    def plain(cls, text: str) -> Message:
        """A text that is no template: shown as it is, never looked up nor formatted (a '%' stays)."""
        return cls("%(text)s", {"text": text}) if text else cls("")
