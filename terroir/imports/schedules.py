"""French prose schedules to OpenStreetMap `opening_hours`.

Directories write when a market or an AMAP is open as a French sentence, not in the OSM syntax the
directory stores:

- jours-de-marche.fr: "Ce marché a lieu de Juillet à Août le  dimanche de 8h à 13h" → "Jul-Aug Su 08:00-13:00";
  "… toute l'année les jours suivants :  mardi, samedi de 8h à 13h" → "Tu,Sa 08:00-13:00";
- nosmarches.com: "mercredi 08:00 - 13:00; samedi 08:00 - 13:00" → "We,Sa 08:00-13:00";
- AMAP lists and GoGoCarto maps: "Distribution le mercredi de 18h30 à 20h à l'Ecole Beaudonnat - 11, rue
  Beaudonnat." → "We 18:30-20:00", and the pickup place "Ecole Beaudonnat - 11, rue Beaudonnat".

The sentence is read left to right: months, weekdays (lists, ranges, "le premier mardi du mois", "un
mercredi sur deux"), time slots, then the place. What is not understood is never dropped: it is the
schedule's `note`. When the note still speaks of weekdays or hours (two seasons' hours, "le mardi ou le
jeudi"), the hours read would be wrong or partial, so none are given and the whole sentence is the note.
What is known only in part is said in the OSM syntax itself: a day without hours, or every other week
with no parity given, is `unknown` with a French comment ("We unknown "horaire non précisé"").

Pure: no Django, so that benchmarks and the mapping share it (.importlinter's "pure engines").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from terroir.lib import hours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NO_TIME = "horaire non précisé"
EVERY_OTHER_WEEK = "une semaine sur deux"

_DAY_WORDS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}  # fmt: skip
_MONTH_WORDS = {
    "janvier": 0, "fevrier": 1, "février": 1, "mars": 2, "avril": 3, "mai": 4, "juin": 5, "juillet": 6,
    "aout": 7, "août": 7, "septembre": 8, "octobre": 9, "novembre": 10, "decembre": 11, "décembre": 11,
}  # fmt: skip
_ORDINALS = {
    "premier": 1, "premiers": 1, "1er": 1, "1ers": 1, "1e": 1, "deuxieme": 2, "deuxième": 2, "deuxiemes": 2,
    "deuxièmes": 2, "second": 2, "seconds": 2, "2e": 2, "2eme": 2, "2ème": 2, "2èmes": 2, "troisieme": 3,
    "troisième": 3, "troisiemes": 3, "troisièmes": 3, "3e": 3, "3eme": 3, "3ème": 3, "3èmes": 3, "quatrieme": 4,
    "quatrième": 4, "quatriemes": 4, "quatrièmes": 4, "4e": 4, "4eme": 4, "4ème": 4, "4èmes": 4, "dernier": -1,
    "derniers": -1,
}  # fmt: skip

_APOS = "['’?]"  # "?" is an apostrophe lost to a wrong encoding ("l?épicerie") in scraped lists
_DAY = r"\b(?P<{n}>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?\b"
_MONTH = r"(?P<{n}>janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)\b"
_TO = rf"(?:à|a|-|–|et|jusqu{_APOS}à)"
_ORDINAL = "|".join(sorted((re.escape(w) for w in _ORDINALS), key=len, reverse=True))
# 8h, 8 h 30, 18H30, 08:00, midi, minuit
_TIME = r"(?:(?P<{n}h>\d{{1,2}})\s*(?:h|:)\s*(?P<{n}m>\d{{2}})?|(?P<{n}w>midi|minuit))"
# In a range one side may be a bare hour when the other has its "h": "de 18 à 19h", "de 18h à 19 au 24, rue …"
_BARE = r"(?P<{n}h>\d{{1,2}})(?P<{n}m>)(?P<{n}w>)(?![\d,:h])"

_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("all_year", rf"toute l{_APOS}ann[ée]e\b|toute la saison\b"),
        ("months", rf"(?:du mois |des mois )?(?:de |d{_APOS})\s*{_MONTH.format(n='m1')}\s*(?:à|a|au|-)\s*"
                   rf"{_MONTH.format(n='m2')}"),
        ("every_day", r"tous les jours\b|chaque jour\b"),
        ("every_other", r"(?:tous les (?:15|quinze) jours|toutes les (?:2|deux) semaines|une semaine sur (?:2|deux)"
                        r"|tous les quinze|une fois (?:tous les|toutes les) (?:15 jours|deux semaines))\b"),
        ("one_in_two", rf"un(?:e)?\s+{_DAY.format(n='d')}\s+sur\s+(?:2|deux)\b"),
        ("week_parity", r"(?:en |les )?semaines? (?P<parity>paires?|impaires?)\b"),
        ("ordinals", rf"(?:(?:le|les|tous les|chaque)\s+)?(?P<ords>(?:(?:{_ORDINAL})(?:\s*(?:,|et)\s*)?)+)\s+"
                     rf"(?={_DAY.format(n='od')})"),
        ("day_range", rf"(?:du |de )?{_DAY.format(n='d1')}\s*(?:au|à|a|-)\s*{_DAY.format(n='d2')}"),
        ("day", _DAY.format(n="d")),
        ("from_time", rf"(?:à partir de|a partir de|dès|des|après)\s*{_TIME.format(n='t')}"),
        ("time_range", rf"(?:(?:de|entre)\s+)*{_TIME.format(n='t')}\s*{_TO}\s*{_TIME.format(n='u')}"),
        ("time_range", rf"(?:(?:de|entre)\s+)*{_BARE.format(n='t')}\s*{_TO}\s*{_TIME.format(n='u')}"),
        ("time_range", rf"(?:(?:de|entre)\s+)*{_TIME.format(n='t')}\s*{_TO}\s*{_BARE.format(n='u')}"),
        ("time_point", rf"(?:à |a |vers )?{_TIME.format(n='t')}(?![\d])"),
        ("skip", rf"ce march[ée] a lieu\b|distributions?(?:\s+s\b)?|livraisons?\b|permanences?\b|retrait\b"
                 rf"|les jours suivants\b|du mois\b|de chaque mois\b|(?:le|les|chaque|tous les|toutes les|l{_APOS})\b"
                 rf"|et\b|en semaine\b|(?:le |en )?(?:matin|soir|soirée|après-midi|apres-midi|fin de journée)\b|[,;:]"),
    )
]  # fmt: skip
_START = re.compile(r"\b(?:distributions?|livraisons?|ce march[ée])\b|" + _DAY.format(n="d"), re.IGNORECASE)
_SPEAKS_OF_TIME = re.compile(r"\b\d{1,2}\s*[hH:]\s*\d{0,2}(?![\d])|" + _DAY.format(n="d"), re.IGNORECASE)
# What a pickup place starts with once the hours are read.
_PLACE_START = re.compile(
    rf"(?:à la |à l{_APOS}|a la |a l{_APOS}|à |au |aux |a )|(?=sur |devant |dans |sous |chez |près |pres |derrière |"
    rf"en face |salle |place |parking |ferme |-|\d|[A-ZÀ-Ý«\"])",
    re.IGNORECASE,
)
# A sentence ends at a full stop followed by a capitalised word, not at an initial or an abbreviation
# ("avenue A. Zenatti", "rue du Dr. Faton").
_SENTENCE_END = re.compile(
    r"(?<![\s.][A-Z])(?<!\bSt)(?<!\bDr)(?<!\bBd)(?<!\bAv)(?<!\bMr)(?<!\bSte)(?<!\bMme)(?<!\bRte)(?<!\bBât)(?<!\bPl)(?<!\bCh)"
    r"\.\s+(?=[A-ZÀ-Ý][a-zà-ÿ])"
)


@dataclass(frozen=True)
class Schedule:
    """A sentence read: the OSM expression ("" when none could be read), the pickup place it names, and what
    was not understood (the whole sentence when no hours were read)."""

    opening_hours: str = ""
    place: str = ""
    note: str = ""

    @property
    def understood(self) -> bool:
        """Hours were read and nothing was left over."""
        return bool(self.opening_hours) and not self.note


@dataclass
class _Clause:
    days: list[tuple[int, tuple[int, ...]]]  # (weekday, nth weekdays of the month: () for every one)
    slots: list[str] = field(default_factory=list)
    unknown: str = ""  # the comment of an `unknown` rule


@dataclass
class _Reading:
    months: tuple[int, int] | None = None
    clauses: list[_Clause] = field(default_factory=list)
    pending_days: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    pending_slots: list[str] = field(default_factory=list)
    pending_ordinals: tuple[int, ...] = ()
    week: str = ""  # "week 2-52/2" and the like
    every_other: bool = False
    broken: bool = False  # an impossible hour ("25h", "0007:")

    def days_add(self, days: list[tuple[int, tuple[int, ...]]]) -> None:
        self.pending_days.extend(days)
        if self.pending_slots:  # "de 18h à 19h le jeudi": the hours came first
            self.clauses.append(_Clause(self.pending_days, self.pending_slots))
            self.pending_days, self.pending_slots = [], []

    def slot_add(self, slot: str) -> None:
        if self.pending_days:
            self.clauses.append(_Clause(self.pending_days, [slot]))
            self.pending_days = []
        elif self.clauses:
            self.clauses[-1].slots.append(slot)  # "de 8h à 12h et de 14h à 18h"
        else:
            self.pending_slots.append(slot)

    def finish(self) -> None:
        if self.pending_days:
            self.clauses.append(_Clause(self.pending_days, [], unknown=NO_TIME))
            self.pending_days = []

    @property
    def started(self) -> bool:
        return bool(self.clauses or self.pending_days or self.pending_slots or self.months)


def _minutes(match: re.Match[str], name: str) -> int | None:
    word = match.group(f"{name}w")
    if word:
        return 12 * 60 if word.lower() == "midi" else 24 * 60
    hour, minute = int(match.group(f"{name}h")), int(match.group(f"{name}m") or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _slot(start: int, end: int) -> str:
    if end == 0:
        end = 24 * 60  # "de 18h à 0h": until midnight
    return f"{_clock(start)}-{_clock(end)}"


def _weekday(word: str) -> int:
    return _DAY_WORDS[word.lower()]


def _token_at(text: str, position: int) -> tuple[str, re.Match[str]] | None:
    for name, pattern in _TOKENS:
        match = pattern.match(text, position)
        if match and match.end() > position:
            return name, match
    return None


def _read(text: str) -> tuple[_Reading, int, str]:
    """Read tokens from the start; returns the reading, where it stopped, and the text skipped before the
    schedule began ("Autres produits : miel Distribution le jeudi …")."""
    reading = _Reading()
    position, skipped = 0, ""
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        token = _token_at(text, position)
        if token is None:
            if reading.started:
                break
            start = _START.search(text, position + 1)
            if start is None:
                break
            skipped += text[position : start.start()]
            position = start.start()
            continue
        name, match = token
        position = match.end()
        if name == "all_year":
            reading.months = None
        elif name == "months":
            first, last = (_MONTH_WORDS[match.group(g).lower()] for g in ("m1", "m2"))
            # jours-de-marche.fr writes "de Janvier à Janvier" for a market held all year.
            reading.months = None if (first, last) in ((0, 0), (0, 11)) else (first, last)
        elif name == "every_day":
            reading.days_add([(d, ()) for d in range(7)])
        elif name == "every_other":
            reading.every_other = True
        elif name == "one_in_two":
            reading.every_other = True
            reading.days_add([(_weekday(match.group("d")), ())])
        elif name == "week_parity":
            reading.week = "week 1-53/2" if match.group("parity").lower().startswith("i") else "week 2-52/2"
        elif name == "ordinals":
            words = re.findall(_ORDINAL, match.group("ords"), re.IGNORECASE)
            reading.pending_ordinals = tuple(sorted({_ORDINALS[w.lower()] for w in words}, key=lambda n: (n < 0, n)))
        elif name == "day_range":
            first, last = _weekday(match.group("d1")), _weekday(match.group("d2"))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            reading.days_add([(d, ()) for d in span])
        elif name == "day":
            reading.days_add([(_weekday(match.group("d")), reading.pending_ordinals)])
            reading.pending_ordinals = ()
        elif name == "from_time":
            start_minutes = _minutes(match, "t")
            if start_minutes is None:
                reading.broken = True
            else:
                reading.slot_add(f"{_clock(start_minutes)}+")
        elif name == "time_range":
            start_minutes, end_minutes = _minutes(match, "t"), _minutes(match, "u")
            if start_minutes is None or end_minutes is None:
                reading.broken = True
            elif 6 * 60 < end_minutes < start_minutes:
                reading.broken = True  # "de 19h45 à 19h15": a slip, not a night across midnight
            elif start_minutes == end_minutes:
                pass  # "de 0h à 0h", "00:00 - 00:00": a form left at its default, no hours known
            else:
                reading.slot_add(_slot(start_minutes, end_minutes))
        elif name == "time_point":
            start_minutes = _minutes(match, "t")
            if start_minutes is None:
                reading.broken = True
            else:
                reading.slot_add(f"{_clock(start_minutes)}+")  # "le mercredi à 18h30": from then on
    reading.finish()
    return reading, position, skipped


def _days_text(days: list[int]) -> str:
    """Weekdays in OSM order, runs of three or more as ranges: [0, 1, 2, 3, 4, 6] → "Mo-Fr,Su"."""
    parts, run = [], [days[0]]
    for day in days[1:]:
        if day == run[-1] + 1:
            run.append(day)
            continue
        parts.append(run)
        run = [day]
    parts.append(run)
    texts = []
    for run in parts:
        if len(run) >= 3:
            texts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            texts.extend(DAYS[d] for d in run)
    return ",".join(texts)


def _expression(reading: _Reading) -> str:
    # One rule per weekday set: in OSM a later rule for the same day replaces an earlier one, so the slots
    # of one day ("lundi 08:00 - 12:00; lundi 14:00 - 18:00") are gathered first.
    by_day: dict[tuple[int, tuple[int, ...]], tuple[list[str], str]] = {}
    for clause in reading.clauses:
        for day in clause.days:
            known, unknown = by_day.get(day, ([], ""))
            known = known + [slot for slot in clause.slots if slot not in known]
            by_day[day] = (known, "" if known else (unknown or clause.unknown))
    groups: dict[tuple[tuple[int, ...], tuple[str, ...], str], list[int]] = {}
    for (weekday, nth), (known, unknown) in sorted(by_day.items()):
        groups.setdefault((nth, tuple(sorted(known)), unknown), []).append(weekday)
    prefix = " ".join(
        part
        for part in (
            reading.week,
            f"{MONTHS[reading.months[0]]}-{MONTHS[reading.months[1]]}"
            if reading.months and reading.months[0] != reading.months[1]
            else (MONTHS[reading.months[0]] if reading.months else ""),
        )
        if part
    )
    rules = []
    for (nth, slots, unknown), days in sorted(groups.items(), key=lambda item: (bool(item[0][0]), item[1])):
        selector = ",".join(f"{DAYS[d]}[{','.join(str(n) for n in nth)}]" for d in days) if nth else _days_text(days)
        rule = " ".join(part for part in (prefix, selector, ",".join(slots)) if part)
        if unknown:
            rule += f' unknown "{unknown}"'
        elif reading.every_other and not reading.week:
            rule += f' unknown "{EVERY_OTHER_WEEK}"'
        rules.append(rule)
    return "; ".join(rules)


def _place_of(tail: str) -> tuple[str, str]:
    """The pickup place at the start of what follows the hours, and what comes after its sentence."""
    aside = ""
    if tail.startswith("("):  # "de 18h à 20h (adhérents seulement) dans le local …"
        closing = tail.find(")")
        if closing > 0:
            aside, tail = tail[: closing + 1], tail[closing + 1 :].lstrip()
    marker = _PLACE_START.match(tail)
    if tail.startswith(".") or marker is None:
        return "", " ".join(part for part in (aside, tail.lstrip(". ")) if part)
    place = tail[marker.end() :]
    end = _SENTENCE_END.search(place)
    rest = ""
    if end:
        place, rest = place[: end.start()], place[end.end() :]
    place = place.strip(" -.")
    if place[:1] in '"«' and place[-1:] in '"»' and len(place) > 2:
        place = place[1:-1].strip()  # a place quoted whole: "Ferme des Ecuets"
    return place, " ".join(part for part in (aside, rest.strip()) if part)


@lru_cache(maxsize=8192)
def schedule_parse(text: str) -> Schedule:
    """Read a French schedule sentence (see the module's docstring)."""
    text = " ".join(text.split())
    if not text:
        return Schedule()
    reading, stop, skipped = _read(text)
    tail = text[stop:].strip()
    place, rest = _place_of(tail) if tail and reading.clauses else ("", tail)
    note = " ".join(part for part in (skipped.strip(" ,;:-"), rest) if part)
    if (
        not reading.clauses
        or reading.broken
        or reading.pending_slots
        or _SPEAKS_OF_TIME.search(note)
        or _SPEAKS_OF_TIME.search(place)
    ):
        return Schedule(note=text)
    expression = _expression(reading)
    try:
        hours.validate(expression)
    except hours.InvalidOpeningHours:
        return Schedule(note=text)
    return Schedule(opening_hours=expression, place=place, note=note)
