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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue (makemessages finds it by this name) without translating it."""
    return message


def _english(message: str) -> str:
    return message


@dataclass(frozen=True)
class Message:
    """`template % values`, translated when it is read. Values are JSON's own (text, numbers, booleans,
    None) or Messages; `%(name)r` in a template shows a text as Python writes it ('word'), which a
    round trip through JSON keeps."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = _english) -> str:
        """The message in the language of `translate` (English without one)."""
        said = translate(self.template) if self.template else ""
        if not self.values:
            return said
        values = {
            name: value.text(translate) if isinstance(value, Message) else value for name, value in self.values.items()
        }
        return said % values

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
        return json.dumps(self.data(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

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
    def plain(cls, text: str) -> Message:
        """A text that is no template: shown as it is, never looked up nor formatted (a '%' stays)."""
        return cls("%(text)s", {"text": text}) if text else cls("")
