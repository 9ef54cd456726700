"""Opening hours for people: OSM `opening_hours` expressions read back as French or English prose.

"Tu-Sa 09:00-12:30,15:00-19:00; PH off" reads "mar.–sam. 9 h–12 h 30 et 15 h–19 h ; fermé les jours
fériés". Only a plain subset of the syntax is put into words: rules made of months, a week step ("une
semaine sur deux"), weekdays (with their rank in the month), public holidays, time spans, a state and a
comment. Anything else — years, dates, Easter, sunrise, fallback rules, or rules that override one
another (their meaning depends on their order, which prose would hide) — yields no prose and callers
show the expression itself: wrong prose is worse than code.

The language is a parameter ("fr" or "en"); the words are this module's own tables, so that it stays
pure (no Django). `status` says whether a place is open now and when that changes, evaluated by
opening-hours-py through terroir.lib.hours.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import opening_hours

from terroir.lib import hours
from terroir.lib.text import french_of

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_CODE = re.compile(r"\b(?:Mo|Tu|We|Th|Fr|Sa|Su)\b")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_WORDS = {
    "fr": {
        "day": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        "day_short": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
        "month": (
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
        "and": " et ",
        "rules": "\u202f; ",  # a narrow no-break space before the semicolon, as French writes it
        "every_day": "tous les jours",
        "all_day": "toute la journée",
        "always": "ouvert 24 h/24, 7 j/7",
        "holidays": "jours fériés",
        "closed_holidays": "fermé les jours fériés",
        "closed": "fermé",
        "unknown": "horaires à confirmer",
        "from": "à partir de {time}",
        "midnight": "minuit",
        "every_other": {2: "un {day} sur deux", 3: "un {day} sur trois", 4: "un {day} sur quatre"},
        "weeks_other": {2: "une semaine sur deux", 3: "une semaine sur trois", 4: "une semaine sur quatre"},
        "odd": "semaines impaires",
        "even": "semaines paires",
        "rank": {
            1: "le 1er {day} du mois",
            2: "le 2e {day} du mois",
            3: "le 3e {day} du mois",
            4: "le 4e {day} du mois",
            5: "le 5e {day} du mois",
            -1: "le dernier {day} du mois",
        },
        "today": "aujourd’hui {slots}",
        "closed_today": "fermé aujourd’hui",
        "open_now": "ouvert maintenant",
        "closed_now": "fermé",
        "closes": "ferme {when}",
        "opens": "ouvre {when}",
        "at": "à {time}",
        "today_at": "à {time}",
        "tomorrow_at": "demain à {time}",
        "weekday_at": "{day} à {time}",
        "date_at": "le {date} à {time}",
    },
    "en": {
        "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "day_short": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "month": (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        "and": " and ",
        "rules": "; ",
        "every_day": "every day",
        "all_day": "all day",
        "always": "open 24/7",
        "holidays": "public holidays",
        "closed_holidays": "closed on public holidays",
        "closed": "closed",
        "unknown": "hours to be confirmed",
        "from": "from {time}",
        "midnight": "midnight",
        "every_other": {2: "every other {day}", 3: "every third {day}", 4: "every fourth {day}"},
        "weeks_other": {2: "every other week", 3: "every third week", 4: "every fourth week"},
        "odd": "odd weeks",
        "even": "even weeks",
        "rank": {
            1: "the 1st {day} of the month",
            2: "the 2nd {day} of the month",
            3: "the 3rd {day} of the month",
            4: "the 4th {day} of the month",
            5: "the 5th {day} of the month",
            -1: "the last {day} of the month",
        },
        "today": "today {slots}",
        "closed_today": "closed today",
        "open_now": "open now",
        "closed_now": "closed",
        "closes": "closes {when}",
        "opens": "opens {when}",
        "at": "at {time}",
        "today_at": "at {time}",
        "tomorrow_at": "tomorrow at {time}",
        "weekday_at": "on {day} at {time}",
        "date_at": "on {date} at {time}",
    },
}


def _words(language: str) -> dict[str, Any]:
    return _WORDS["fr" if language[:2].lower() == "fr" else "en"]


def days_short(codes: str, language: str) -> str:
    """OpenStreetMap day codes in a text ("We,Sa / Sa") as their short names ("mer., sam. / sam.")."""
    names = dict(zip(DAYS, _words(language)["day_short"], strict=True))
    return _DAY_CODE.sub(lambda m: names[m.group(0)], codes).replace(",", ", ")


@dataclass(frozen=True)
class Span:
    start: int  # minutes after midnight
    end: int | None  # None: open end ("17:30+")


@dataclass
class Rule:
    """One rule of the plain subset. Weekday selectors are (day index, rank or 0)."""

    months: list[tuple[int, int]] = field(default_factory=list)
    weeks: tuple[int, int, int] | None = None  # (first, last, step)
    days: list[tuple[int, int, int]] = field(default_factory=list)  # (first, last, rank)
    holidays: bool = False
    spans: list[Span] = field(default_factory=list)
    state: str = "open"  # open, off, unknown
    comment: str = ""


_MONTH = "|".join(MONTHS)
_DAY = "|".join(DAYS)
_RULE = re.compile(
    rf"""^
    (?P<months>(?:{_MONTH})(?:-(?:{_MONTH}))?(?:,(?:{_MONTH})(?:-(?:{_MONTH}))?)*\s+)?
    (?:week\s*(?P<w1>\d{{1,2}})(?:-(?P<w2>\d{{1,2}})(?:/(?P<step>\d))?)?\s+)?
    (?P<days>(?:(?:{_DAY})(?:-(?:{_DAY})|\[-?\d\])?|PH)(?:,(?:(?:{_DAY})(?:-(?:{_DAY})|\[-?\d\])?|PH))*(?:\s+|$))?
    (?P<times>\d\d:\d\d(?:-\d\d:\d\d|\+)(?:,\d\d:\d\d(?:-\d\d:\d\d|\+))*(?:\s+|$))?
    (?P<state>(?:off|closed|unknown|open)(?:\s+|$))?
    (?:"(?P<comment>[^"]*)")?
    $""",
    re.VERBOSE,
)


def _minutes(text: str) -> int:
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def _rule_parse(text: str) -> Rule | None:
    match = _RULE.match(text.strip())
    if match is None or not text.strip():
        return None
    rule = Rule()
    if match["months"]:
        for part in match["months"].strip().split(","):
            first, _, last = part.partition("-")
            rule.months.append((MONTHS.index(first), MONTHS.index(last or first)))
    if match["w1"]:
        first, last = int(match["w1"]), int(match["w2"] or match["w1"])
        step = int(match["step"] or 1)
        if not (1 <= first <= last <= 53) or step not in (1, 2, 3, 4):
            return None
        rule.weeks = (first, last, step)
    if match["days"]:
        for part in match["days"].strip().split(","):
            if part == "PH":
                rule.holidays = True
            elif "[" in part:
                rank = int(part[3:-1])
                if rank not in (1, 2, 3, 4, 5, -1):
                    return None
                day = DAYS.index(part[:2])
                rule.days.append((day, day, rank))
            else:
                first, _, last = part.partition("-")
                rule.days.append((DAYS.index(first), DAYS.index(last or first), 0))
    if match["times"]:
        for part in match["times"].strip().split(","):
            if part.endswith("+"):
                rule.spans.append(Span(_minutes(part[:-1]), None))
            else:
                start, end = part.split("-")
                rule.spans.append(Span(_minutes(start), _minutes(end)))
        if any(s.start >= 24 * 60 or (s.end is not None and s.end > 48 * 60) for s in rule.spans):
            return None
    if match["state"]:
        rule.state = {"closed": "off"}.get(match["state"].strip(), match["state"].strip())
    rule.comment = match["comment"] or ""
    if rule.state == "off" and rule.spans:
        return None  # "Mo 12:00-14:00 off" cuts into another rule: its meaning needs the others
    if not (rule.months or rule.weeks or rule.days or rule.holidays or rule.spans or rule.comment):
        return None
    return rule


def _weekdays(rule: Rule) -> set[int]:
    if not rule.days:
        return set() if rule.holidays else set(range(7))
    return {day for first, last, _rank in rule.days for day in _round_range(first, last, 7)}


def _month_set(rule: Rule) -> set[int]:
    if not rule.months:
        return set(range(12))
    return {month for first, last in rule.months for month in _round_range(first, last, 12)}


def _round_range(first: int, last: int, cycle: int) -> list[int]:
    """From `first` to `last` included, going round the cycle (Sa-Mo, Nov-Feb)."""
    return [(first + step) % cycle for step in range((last - first) % cycle + 1)]


def _week_set(rule: Rule) -> set[int]:
    first, last, step = rule.weeks or (1, 53, 1)
    return set(range(first, last + 1, step))


def _overlap(a: Rule, b: Rule) -> bool:
    """Whether two rules could select the same day (then the later one overrides: no plain prose)."""
    if a.holidays and b.holidays:
        return True
    return bool((_weekdays(a) & _weekdays(b)) and (_month_set(a) & _month_set(b)) and (_week_set(a) & _week_set(b)))


@lru_cache(maxsize=4096)
def _rules(expression: str) -> tuple[Rule, ...] | None:
    text = expression.strip()
    if not text or "||" in text:
        return None
    try:
        hours.parse(text)
    except hours.InvalidOpeningHours:
        return None
    if text == "24/7":
        return (Rule(spans=[Span(0, 24 * 60)]),)
    # Commas separate rules too ("Mo 10:00-12:00, We 14:00-16:00"), but a comment may hold ";".
    if '"' in text and text.count('"') != 2:
        return None
    parts = [part for part in re.split(r";(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", text) if part.strip()]
    rules = []
    for part in parts:
        rule = _rule_parse(part)
        if rule is None:
            return None
        rules.append(rule)
    for index, rule in enumerate(rules):
        for earlier in rules[:index]:
            if _overlap(earlier, rule) and not (rule.holidays and not rule.days and rule.state == "off"):
                return None
            if earlier.holidays and rule.days:
                return None  # "PH off; Mo-Fr 09:00-12:00": the weekdays' rule opens the holidays again
    return tuple(rules)


def _time(minutes: int, language: str) -> str:
    words = _words(language)
    hh, mm = divmod(minutes, 60)
    if hh == 24 and mm == 0:
        return str(words["midnight"])
    hh %= 24
    if language.startswith("fr"):
        return f"{hh} h {mm:02d}" if mm else f"{hh} h"
    suffix = "am" if hh < 12 else "pm"
    h12 = hh % 12 or 12
    return f"{h12}:{mm:02d} {suffix}" if mm else f"{h12} {suffix}"


def clock(value: dt.time, language: str = "fr") -> str:
    """A time of day as the prose says it: "9 h", "12 h 30" in French, "9 am", "12:30 pm" in English."""
    return _time(value.hour * 60 + value.minute, language)


def _span(span: Span, language: str) -> str:
    if span.end is None:
        return str(_words(language)["from"]).format(time=_time(span.start, language))
    return f"{_time(span.start, language)}–{_time(span.end, language)}"


def _join(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + str(_words(language)["and"]) + items[-1]


def _months_text(rule: Rule, language: str) -> str:
    names = _words(language)["month"]
    parts = []
    for first, last in rule.months:
        if first == last:
            parts.append(("en " if language.startswith("fr") else "in ") + names[first])
        elif last == (first + 1) % 12:
            parts.append(("en " if language.startswith("fr") else "in ") + _join([names[first], names[last]], language))
        elif language.startswith("fr"):
            start = names[first]
            parts.append(french_of(start) + " à " + names[last])
        else:
            parts.append(f"from {names[first]} to {names[last]}")
    return _join(parts, language)


def _days_text(rule: Rule, language: str) -> str:
    words = _words(language)
    if not rule.days:
        # A comment alone ("sur rendez-vous") says when better than "every day".
        return str(words["every_day"]) if not rule.holidays and not (rule.comment and not rule.spans) else ""
    if len(rule.days) == 1 and rule.days[0][0] == rule.days[0][1]:
        day, _, rank = rule.days[0]
        if rank:
            return str(words["rank"][rank]).format(day=words["day"][day])
        return str(words["day"][day])
    if rule.days == [(0, 6, 0)]:
        return str(words["every_day"])
    parts = []
    for first, last, rank in rule.days:
        if rank:
            parts.append(str(words["rank"][rank]).format(day=words["day"][first]))
        elif first == last:
            parts.append(words["day_short"][first])
        else:
            parts.append(f"{words['day_short'][first]}–{words['day_short'][last]}")
    return _join(parts, language)


def _weeks_text(rule: Rule, language: str) -> tuple[str, bool] | None:
    """The week step in words, and whether it was said with the day ("un samedi sur deux")."""
    if rule.weeks is None:
        return "", False
    words = _words(language)
    first, last, step = rule.weeks
    if step == 1 or last < 52:
        return None  # week ranges ("weeks 10 to 20") are rare: left as code
    if step == 2 and first in (1, 2):
        parity = str(words["odd"] if first == 1 else words["even"])
    elif first <= step:
        parity = ""
    else:
        return None
    single = len(rule.days) == 1 and rule.days[0][0] == rule.days[0][1] and not rule.days[0][2]
    if single and not rule.holidays:
        text = str(words["every_other"][step]).format(day=words["day"][rule.days[0][0]])
    else:
        text = str(words["weeks_other"][step])
    return (f"{text} ({parity})" if parity else text), single


def _rule_text(rule: Rule, language: str) -> str | None:
    words = _words(language)
    if rule.holidays and not rule.days and rule.state == "off" and not rule.months and not rule.weeks:
        return str(words["closed_holidays"])
    weeks = _weeks_text(rule, language)
    if weeks is None:
        return None
    weeks_text, said_with_day = weeks
    parts = []
    if rule.months:
        parts.append(_months_text(rule, language) + ",")
    if said_with_day:
        parts.append(weeks_text)
    else:
        if weeks_text:
            parts.append(weeks_text + ("," if language.startswith("en") else "\u202f:"))
        days = _days_text(rule, language)
        if days:
            parts.append(days)
    if rule.holidays:
        parts.append(
            ("et " if language.startswith("fr") else "and ") + str(words["holidays"])
            if rule.days
            else str(words["holidays"])
        )
    if rule.state == "off":
        parts.append(str(words["closed"]))
    elif rule.spans:
        parts.append(_join([_span(span, language) for span in rule.spans], language))
    elif rule.state == "open":
        if rule.comment:
            pass  # "Tu "sur rendez-vous"": the comment says more than "all day"
        else:
            parts.append(f"({words['all_day']})")
    if rule.state == "unknown":
        parts.append(f"({words['unknown']})")
    if rule.comment:
        parts.append(f"« {rule.comment} »" if language.startswith("fr") else f"“{rule.comment}”")
    text = " ".join(part for part in parts if part)
    return text


def prose_lines(expression: str, language: str = "fr") -> list[str] | None:
    """The rules of `expression` in words, one line each; None when it cannot be said plainly."""
    if expression.strip() == "24/7":
        return [str(_words(language)["always"])]
    rules = _rules(expression)
    if rules is None:
        return None
    lines = []
    for rule in rules:
        text = _rule_text(rule, language)
        if text is None:
            return None
        lines.append(text)
    return lines


def prose(expression: str, language: str = "fr") -> str:
    """The expression in words, or the expression itself when it cannot be said plainly."""
    lines = prose_lines(expression, language)
    if lines is None:
        return expression
    return str(_words(language)["rules"]).join(lines)


def _when(moment: dt.datetime, now: dt.datetime, language: str) -> str:
    words = _words(language)
    time = _time(moment.hour * 60 + moment.minute, language)
    days = (moment.date() - now.date()).days
    if days == 0:
        return str(words["today_at"]).format(time=time)
    if days == 1:
        return str(words["tomorrow_at"]).format(time=time)
    if days < 7:
        return str(words["weekday_at"]).format(day=words["day"][moment.weekday()], time=time)
    month = words["month"][moment.month - 1]
    date = f"{moment.day} {month}" if language.startswith("fr") else f"{month} {moment.day}"
    return str(words["date_at"]).format(date=date, time=time)


def status(expression: str, now: dt.datetime, tz: ZoneInfo, language: str = "fr") -> str:
    """ "ouvert maintenant · ferme à 19 h" / "fermé · ouvre mardi à 9 h", in the place's local time.

    Empty when the expression is empty or invalid, or when its state now is unknown.
    """
    if not expression.strip():
        return ""
    words = _words(language)
    local = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0) if now.tzinfo else now
    try:
        parsed = hours.parse(expression.strip())
    except hours.InvalidOpeningHours:
        return ""
    state = parsed.state(local)[0]
    is_open = state == opening_hours.State.OPEN
    if state == opening_hours.State.UNKNOWN:
        return ""
    head = str(words["open_now" if is_open else "closed_now"])
    change = parsed.next_change(local)
    if change is None or (change - local).days > 366:
        return head
    following = parsed.state(change)[0]
    if following == state or following == opening_hours.State.UNKNOWN:
        return head
    if is_open and change.hour == 0 and change.minute == 0 and (change.date() - local.date()).days >= 1:
        # closing at midnight: say "minuit" tonight rather than "demain à 0 h"
        return f"{head} · " + str(words["closes"]).format(when=str(words["at"]).format(time=words["midnight"]))
    return f"{head} · " + str(words["closes" if is_open else "opens"]).format(when=_when(change, local, language))


def today(expression: str, now: dt.datetime, tz: ZoneInfo, language: str = "fr") -> str:
    """Today's opening slots in words: "aujourd’hui 9 h–12 h 30 et 15 h–19 h" / "fermé aujourd’hui".

    Empty when the expression is empty or invalid. Slots are evaluated (public holidays, seasons and
    week steps included), so this is right even when the whole expression cannot be put into prose.
    """
    if not expression.strip():
        return ""
    words = _words(language)
    start = dt.datetime.combine(now.astimezone(tz).date() if now.tzinfo else now.date(), dt.time.min, tzinfo=tz)
    try:
        found = list(hours.intervals(expression.strip(), start, start + dt.timedelta(days=1), tz))
    except hours.InvalidOpeningHours:
        return ""
    if not found:
        return str(words["closed_today"])
    spans = []
    for interval in found:
        begin = interval.start.hour * 60 + interval.start.minute
        end = (interval.end - start).total_seconds() // 60
        spans.append(_span(Span(begin, int(end)), language))
    return str(words["today"]).format(slots=_join(spans, language))
