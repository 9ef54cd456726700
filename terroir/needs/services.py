"""Writes of the needs board: a buyer's need from draft to closing, producers' answers, the inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from terroir.accounts import notify
from terroir.accounts.models import Membership
from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory import fields
from terroir.directory.french import elided
from terroir.directory.geocoding import address_locate
from terroir.directory.models import Actor, Category, Commune, Label, Offer, Place, PlaceKind
from terroir.directory.services import place_create
from terroir.directory.taxonomy import REQUIREMENT_CHOICES, REQUIREMENTS
from terroir.lib.geo import Point, bbox_around

from . import matching
from .models import (
    DELIVERIES_PER_MONTH,
    Alert,
    Answer,
    AnswerShare,
    Frequency,
    Match,
    Message,
    Need,
    Notification,
    Unit,
)

NEED_FIELDS = (
    "title", "category", "quantity", "unit", "frequency", "months", "start_date", "delivery_place",
    "delivery_weekdays", "window_start", "window_end", "max_km", "labels", "requirements", "price",
    "description", "public",
)  # fmt: skip


def can_manage(user: Any, need: Need) -> bool:
    return is_coordinator(user) or need.buyer_id in actor_ids_of(user)


def producers_of(user: Any) -> list[Actor]:
    """The producers a person answers for."""
    return list(Actor.objects.filter(id__in=actor_ids_of(user), is_producer=True).order_by("name"))


def _decimal(name: str, value: Any, *, positive: bool) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError({name: _("Expected a number.")}) from None
    if not number.is_finite() or (positive and number <= 0) or number < 0:
        raise ValidationError({name: _("Must be more than zero.") if positive else _("Must not be negative.")})
    if number >= Decimal("1e8"):
        raise ValidationError({name: _("Too large.")})
    return number.quantize(Decimal("0.01"))


def need_clean(values: Mapping[str, Any], *, buyer: Actor, started: dt.date | None = None) -> dict[str, Any]:
    """Check a need's values, all errors at once, each under its field. `started` is the start the need
    already has: kept when it is past (a need that started long ago is changed without moving it)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    # The directory's text rules: a title is one line (it reaches e-mail subjects) of at most 200
    # characters, refused rather than cut; a description keeps its lines, up to 5000 characters.
    for name in ("title", "description"):
        try:
            cleaned[name] = fields.clean(name, values.get(name))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    category = values.get("category")
    if not isinstance(category, Category):
        category = Category.objects.filter(slug=str(category or "")).first()
    if category is None:
        fail("category", _("Choose a product from the list."))
    cleaned["category"] = category
    try:
        cleaned["quantity"] = _decimal("quantity", values.get("quantity"), positive=True)
        if cleaned["quantity"] is None:
            fail("quantity", _("This field is required."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned["price"] = _decimal("price", values.get("price"), positive=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, choices in (("unit", Unit.values), ("frequency", Frequency.values)):
        if values.get(name) not in choices:
            fail(name, _("Unknown value."))
        cleaned[name] = values.get(name)
    for name, full in (("months", 4095), ("delivery_weekdays", 127)):
        bits = values.get(name)
        if not isinstance(bits, int) or isinstance(bits, bool) or not 0 < bits <= full:
            fail(name, _("Choose at least one."))
        cleaned[name] = bits
    place = values.get("delivery_place")
    if place is not None and not isinstance(place, Place):
        place = Place.objects.filter(pk=place).first()
    if place is not None and place.operator_id != buyer.pk:
        fail("delivery_place", _("Choose one of your places."))
    cleaned["delivery_place"] = place
    start, end = values.get("window_start"), values.get("window_end")
    if start is not None and end is not None and end <= start:
        fail("window_end", _("The time window ends before it starts."))
    cleaned["window_start"], cleaned["window_end"] = start, end
    max_km = values.get("max_km")
    if not isinstance(max_km, int) or not 1 <= max_km <= 1000:
        fail("max_km", _("Between 1 and 1000 km."))
    cleaned["max_km"] = max_km
    requirements = list(values.get("requirements") or [])
    unknown = [r for r in requirements if r not in REQUIREMENTS]
    if unknown:
        fail("requirements", _("Unknown requirement: %(r)s.") % {"r": ", ".join(map(str, unknown))[:100]})
    cleaned["requirements"] = sorted(set(requirements))
    labels = list(values.get("labels") or [])
    cleaned["labels"] = [label if isinstance(label, Label) else Label.objects.get(slug=label) for label in labels]
    start_date = values.get("start_date")
    if start_date is not None and not isinstance(start_date, dt.date):
        fail("start_date", _("Expected a date (YYYY-MM-DD)."))
    elif start_date is not None and start_date < timezone.localdate() and start_date != started:
        # A start already past is a typing slip (2020 for 2027) that producers would be told about.
        fail("start_date", _("This date has passed: deliveries start today at the earliest."))
    cleaned["start_date"] = start_date
    cleaned["public"] = bool(values.get("public", True))
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class NewPlace:
    """A delivery place a buyer adds from the need form."""

    name: str
    address: str = ""
    commune: Commune | None = None
    lat: float | None = None
    lon: float | None = None


def delivery_position(
    *, buyer: Actor, address: str = "", commune: Commune | None = None
) -> tuple[float | None, float | None]:
    """Where a new delivery place's pin starts: its street address as the geocoder places it, else the
    centre of its own commune when that is not the organisation's, else the organisation's position,
    else its commune's centre."""
    where = commune or buyer.commune
    postcode = fields.postcode_of_commune(where.postcodes) if where else ""
    found = address_locate(address=address, postcode=postcode, commune=where.name if where else "")
    if found is not None:
        return found
    if commune is not None and commune.pk != buyer.commune_id and commune.lat is not None and commune.lon is not None:
        return commune.lat, commune.lon
    if buyer.lat is not None and buyer.lon is not None:
        return buyer.lat, buyer.lon
    if where is not None and where.lat is not None and where.lon is not None:
        return where.lat, where.lon
    return None, None


def _delivery_place_create(*, buyer: Actor, new: NewPlace) -> Place:
    errors: dict[str, list[str]] = {}
    name = address = ""
    try:
        name = fields.clean("name", new.name)
    except ValidationError as exc:
        errors["place_name"] = exc.messages
    try:
        address = fields.clean("address", new.address) if new.address else ""
    except ValidationError as exc:
        errors["place_address"] = exc.messages
    lat, lon = (new.lat, new.lon) if new.lat is not None and new.lon is not None else (None, None)
    if lat is None:
        lat, lon = delivery_position(buyer=buyer, address=address, commune=new.commune)
    if lat is None:
        errors["place_commune"] = [_("Give the commune of the place, or drop its pin on the map.")]
    if errors:
        raise ValidationError(errors)
    commune = new.commune or buyer.commune
    kind = buyer.buyer_kind if buyer.buyer_kind in PlaceKind.values else PlaceKind.SHOP
    postcode = fields.postcode_of_commune(commune.postcodes) if commune else ""
    return place_create(
        name=name, kind=kind, lat=lat, lon=lon, commune=commune, address=address, postcode=postcode, operator=buyer
    )


@transaction.atomic
def need_save(
    *, buyer: Actor, by: Any, values: Mapping[str, Any], need: Need | None = None, new_place: NewPlace | None = None
) -> Need:
    """Create or change a draft (or an open need: its matches are not recomputed). With `new_place` and no
    delivery place chosen, the place is added to the directory, run by the buyer, and delivered to."""
    if not (is_coordinator(by) or buyer.pk in actor_ids_of(by)):
        raise PermissionDenied(_("You do not act for this buyer."))
    if need is not None and need.status == Need.Status.CLOSED:
        raise ValidationError({"__all__": [_("This need is closed.")]})
    refused: dict[str, list[str]] = {}  # the new place's errors and the need's, shown at once
    if new_place is not None and not values.get("delivery_place"):
        try:
            values = {**values, "delivery_place": _delivery_place_create(buyer=buyer, new=new_place)}
        except ValidationError as exc:
            refused = exc.message_dict
    try:
        cleaned = need_clean(values, buyer=buyer, started=need.start_date if need is not None else None)
    except ValidationError as exc:
        raise ValidationError({**refused, **exc.message_dict}) from None
    if refused:
        raise ValidationError(refused)
    labels = cleaned.pop("labels")
    if need is None:
        need = Need(buyer=buyer, created_by=by if by.is_authenticated else None)
    for name, value in cleaned.items():
        setattr(need, name, value)
    need.save()
    need.labels.set(labels)
    return need


def need_spec(need: Need) -> matching.NeedSpec:
    place = need.delivery_place
    assert place is not None and place.lat is not None and place.lon is not None
    return matching.NeedSpec(
        category=need.category.path,
        lat=place.lat,
        lon=place.lon,
        max_km=float(need.max_km),
        monthly_quantity=need.monthly_quantity,
        months=need.months,
        weekdays=need.delivery_weekdays,
        labels=frozenset(need.labels.values_list("slug", flat=True)),
        requirements=frozenset(need.requirements),
    )


def profiles_near(lat: float, lon: float, max_km: float, *, unit: str = "") -> list[matching.ProducerProfile]:
    """Producers whose farm is within `max_km` by road (a box first, the exact test in matching)."""
    box = bbox_around(Point(lat, lon), max_km / road_factor())
    producers = Actor.objects.filter(
        is_producer=True, lat__gte=box.south, lat__lte=box.north, lon__gte=box.west, lon__lte=box.east
    ).prefetch_related(Prefetch("offers", queryset=Offer.objects.select_related("category").prefetch_related("labels")))
    profiles = []
    for actor in producers:
        assert actor.lat is not None and actor.lon is not None
        supplies = tuple(
            matching.Supply(
                category=offer.category.path,
                months=offer.months,
                labels=frozenset(label.slug for label in offer.labels.all()),
                # A declared volume counts only in the need's unit (kilos are not litres).
                monthly_volume=float(offer.monthly_volume)
                if offer.monthly_volume is not None and offer.volume_unit == unit
                else None,
            )
            for offer in actor.offers.all()
        )
        if supplies:
            profiles.append(
                matching.ProducerProfile(
                    id=actor.pk,
                    name=actor.name,
                    lat=actor.lat,
                    lon=actor.lon,
                    supplies=supplies,
                    delivery_radius_km=actor.delivery_radius_km,
                    delivery_weekdays=actor.delivery_weekdays or matching.ALL_DAYS,
                    requirements=frozenset(actor.requirements or []),
                )
            )
    return profiles


@transaction.atomic
def need_publish(*, need: Need, by: Any) -> list[Match]:
    """Open the need: find the producers that fit, keep them with their explanation, tell them."""
    if not can_manage(by, need):
        raise PermissionDenied(_("You do not act for this buyer."))
    if need.status != Need.Status.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be published.")]})
    place = need.delivery_place
    if place is None:
        raise ValidationError({"delivery_place": [_("Say where the products are delivered.")]})
    if place.lat is None or place.lon is None:
        raise ValidationError({"delivery_place": [_("The delivery place has no position on the map.")]})
    spec = need_spec(need)
    profiles = profiles_near(spec.lat, spec.lon, spec.max_km, unit=need.unit)
    table = matching.ProducerTable.build(profiles)
    ranked = matching.rank(spec, table, weights(), limit=settings.TERROIR_MATCH_LIMIT, road_factor=road_factor())
    Match.objects.filter(need=need).delete()
    # The explanation is kept as codes and put in words when read (match_words), in the reader's language.
    matches = Match.objects.bulk_create(
        Match(need=need, producer_id=s.producer_id, score=s.total, road_km=s.road_km,
              reasons=[_reason_stored(r) for r in s.reasons], missing=[_reason_stored(r) for r in s.missing])
        for s in ranked
    )  # fmt: skip
    need.status, need.published_at = Need.Status.OPEN, timezone.now()
    need.save(update_fields=["status", "published_at"])
    notified = ranked[: settings.TERROIR_MATCH_NOTIFY]
    members = Membership.objects.filter(actor_id__in=[s.producer_id for s in notified]).select_related("user")
    Notification.objects.bulk_create(
        Notification(user=m.user, need=need, kind=Notification.Kind.MATCH) for m in members if m.user.is_active
    )
    silent = set(Alert.objects.filter(email_on_match=False).values_list("user_id", "producer_id"))
    emails = sorted(
        {m.user.email for m in members if m.user.is_active and m.user.email and (m.user_id, m.actor_id) not in silent}
    )
    if emails:
        transaction.on_commit(lambda: notify.need_matched(need=need, to=emails))
    return matches


def weights() -> matching.Weights:
    return matching.Weights(**settings.TERROIR_MATCH_WEIGHTS)


def road_factor() -> float:
    """Road km per great-circle km: the one circuity factor of the platform (TERROIR_ROAD_FACTOR), also
    used by the pooled rounds' offline distances (terroir.logistics.distances)."""
    return float(settings.TERROIR_ROAD_FACTOR)


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return matching.road_km(lat1, lon1, lat2, lon2, road_factor=road_factor())


def requirement_names() -> dict[str, str]:
    """The buyers' requirements, translated when asked."""
    return {code: str(label) for code, label in REQUIREMENT_CHOICES}


def reason_text(reason: matching.Reason) -> str:
    """One item of a match's explanation in words."""
    code, value = reason.code, reason.value
    if code == matching.KM:
        return _("%(km)s km") % {"km": f"{float(value or 0):.0f}"}
    if code == matching.REQUIREMENT:
        return requirement_names().get(str(value), str(value))
    if code == matching.MONTHS_MISSING:
        return _("%(n)s needed months not supplied") % {"n": value}
    if code == matching.VOLUME_SHARE:
        return _("volume (%(pct)s%% of the need)") % {"pct": f"{float(value or 0) * 100:.0f}"}
    words = {
        matching.DELIVERS_SAME_DAY: _("delivers on a delivery day"),
        matching.DELIVERS_OTHER_DAYS: _("delivers, on other days"),
        matching.POOLED_LOGISTICS: _("needs pooled logistics"),
        matching.BROADER_CATEGORY: _("broader category"),
    }
    return words.get(code, str(value))  # LABEL: the label's slug, as the board shows it


def _reason_stored(reason: matching.Reason) -> dict[str, Any]:
    value = reason.value if reason.value is None or isinstance(reason.value, str) else float(reason.value)
    return {"code": reason.code, "value": value}


def match_words(match: Match) -> tuple[list[str], list[str]]:
    """Why the producer fits and what it lacks, in words of the reader's language. Matches stored
    before the codes were kept hold their words already (in the publisher's language)."""

    def said(item: Any) -> str:
        if isinstance(item, dict):
            return reason_text(matching.Reason(str(item.get("code", "")), item.get("value")))
        return str(item)

    return [said(r) for r in match.reasons], [said(r) for r in match.missing]


def explanation(score: matching.Score) -> str:
    """Why the producer fits, then what it lacks, in one line."""
    text = ", ".join(reason_text(r) for r in score.reasons)
    if score.missing:
        text += _("; ") + _("missing: %(what)s") % {"what": ", ".join(reason_text(r) for r in score.missing)}
    return text


@transaction.atomic
def need_close(*, need: Need, by: Any, outcome: str) -> Need:
    if not can_manage(by, need):
        raise PermissionDenied(_("You do not act for this buyer."))
    if outcome not in Need.Outcome.values:
        raise ValidationError({"outcome": [_("Unknown value.")]})
    need.status, need.outcome, need.closed_at = Need.Status.CLOSED, outcome, timezone.now()
    need.save(update_fields=["status", "outcome", "closed_at"])
    answering = Membership.objects.filter(actor__need_answers__need=need).values_list("user_id", flat=True)
    Notification.objects.bulk_create(
        Notification(user_id=uid, need=need, kind=Notification.Kind.CLOSED) for uid in set(answering)
    )
    return need


@transaction.atomic
def answer_submit(
    *, need: Need, producer: Actor, by: Any, kind: str, price: Any = None, volume: Any = None,
    first_delivery: dt.date | None = None, reason: str = "", message: str = "",
) -> Answer:  # fmt: skip
    """A producer answers an open need (again: the answer is replaced)."""
    if not (producer.is_producer and producer.pk in actor_ids_of(by)):
        raise PermissionDenied(_("You do not act for this producer."))
    if need.status != Need.Status.OPEN:
        raise ValidationError({"__all__": [_("This need is not open.")]})
    if not need.public and not by.is_authenticated:  # pragma: no cover - members are signed in
        raise PermissionDenied
    if kind not in Answer.Kind.values:
        raise ValidationError({"kind": [_("Unknown value.")]})
    values = {
        "price": _decimal("price", price, positive=False),
        "volume": _decimal("volume", volume, positive=True),
    }
    if kind == Answer.Kind.OFFER and (values["price"] is None or values["volume"] is None):
        raise ValidationError({"price": [_("An offer gives a price and a volume.")]})
    if kind == Answer.Kind.DECLINED and not reason.strip():
        raise ValidationError({"reason": [_("Say why, so that the buyer learns from it.")]})
    sent = Answer.objects.filter(need=need, producer=producer).first()
    if sent is not None and sent.accepted_at is not None:
        raise ValidationError({"__all__": [_("The buyer accepted this offer: change the agreement instead.")]})
    shared = list(sent.shares.all()) if sent is not None else []
    if shared and kind == Answer.Kind.OFFER and sum(s.volume for s in shared) != values["volume"]:
        raise ValidationError({"volume": [_("This is a joint answer: change its volume with the members' shares.")]})
    if shared and kind != Answer.Kind.OFFER:
        assert sent is not None
        sent.shares.all().delete()  # only an offer is made jointly: the members are let go
    answer, _created = Answer.objects.update_or_create(
        need=need,
        producer=producer,
        defaults={
            "by": by, "kind": kind, **values, "first_delivery": first_delivery, "reason": reason.strip()[:300],
            "message": message.strip()[:3000], "updated_at": timezone.now(),
        },
    )  # fmt: skip
    buyers = Membership.objects.filter(actor=need.buyer).values_list("user_id", flat=True)
    Notification.objects.bulk_create(
        Notification(user_id=uid, need=need, kind=Notification.Kind.ANSWER) for uid in buyers
    )
    return answer


@transaction.atomic
def answer_shortlist(*, answer: Answer, by: Any, on: bool = True) -> Answer:
    if not can_manage(by, answer.need):
        raise PermissionDenied(_("You do not act for this buyer."))
    if answer.kind == Answer.Kind.DECLINED and on:
        raise ValidationError({"__all__": [_("This producer declined.")]})
    answer.shortlisted = on
    answer.save(update_fields=["shortlisted"])
    if on:
        producers = Membership.objects.filter(actor=answer.producer).values_list("user_id", flat=True)
        Notification.objects.bulk_create(
            Notification(user_id=uid, need=answer.need, kind=Notification.Kind.SHORTLIST) for uid in producers
        )
    return answer


def contacts_shared(answer: Answer) -> bool:
    """Both sides agreed: the producer answered positively and the buyer shortlisted them."""
    return answer.shortlisted and answer.kind != Answer.Kind.DECLINED


def needs_open(*, user: Any) -> QuerySet[Need]:
    rows = Need.objects.filter(status=Need.Status.OPEN).select_related("buyer", "category", "delivery_place__commune")
    if not user.is_authenticated:
        rows = rows.filter(public=True)
    return rows


def inbox_read(*, user: Any) -> list[Notification]:
    """The person's notifications, newest first; they are read once shown."""
    rows = list(Notification.objects.filter(user=user).select_related("need", "need__buyer")[:100])
    Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
    return rows


# --- Alerts ----------------------------------------------------------------------------------------


@transaction.atomic
def alert_save(
    *, user: Any, producer: Actor, categories: list[Category], radius_km: int, email_on_match: bool, digest: bool
) -> Alert:
    if not (producer.is_producer and producer.pk in actor_ids_of(user)):
        raise PermissionDenied(_("You do not act for this producer."))
    if not 1 <= radius_km <= 1000:
        raise ValidationError({"radius_km": [_("Between 1 and 1000 km.")]})
    alert, _created = Alert.objects.update_or_create(
        user=user, producer=producer,
        defaults={"radius_km": radius_km, "email_on_match": email_on_match, "digest": digest},
    )  # fmt: skip
    alert.categories.set(categories)
    return alert


def _alert_paths(alert: Alert) -> list[str]:
    chosen = [c.path for c in alert.categories.all()]
    return chosen or list(Offer.objects.filter(producer=alert.producer).values_list("category__path", flat=True))


def digest_needs(alert: Alert, *, since: dt.datetime) -> list[Need]:
    """Open needs published since `since` for the alert's products, delivered within its radius."""
    producer = alert.producer
    if producer.lat is None or producer.lon is None:
        return []
    paths = _alert_paths(alert)
    found = []
    rows = Need.objects.filter(status=Need.Status.OPEN, published_at__gt=since).select_related(
        "category", "buyer", "delivery_place"
    )
    for need in rows.order_by("-published_at"):
        place = need.delivery_place
        if place is None or place.lat is None or place.lon is None:
            continue
        if not any(matching.category_fit(need.category.path, path) for path in paths):
            continue
        if road_km(place.lat, place.lon, producer.lat, producer.lon) <= alert.radius_km:
            found.append(need)
    return found


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One e-mail per alert with new needs since its last digest (a week at most). Returns e-mails sent."""
    now = now or timezone.now()
    sent = 0
    alerts = Alert.objects.filter(digest=True, user__is_active=True).select_related("user", "producer")
    for alert in alerts.prefetch_related("categories"):
        since = max(alert.last_digest_at or now - dt.timedelta(days=7), now - dt.timedelta(days=7))
        needs = digest_needs(alert, since=since)
        if needs:
            lines = [(n.title, n.buyer.name, settings.TERROIR_SITE_URL + n.get_absolute_url()) for n in needs]
            sent += notify.needs_digest(to=alert.user.email, producer=alert.producer.name, needs=lines)
        alert.last_digest_at = now
        alert.save(update_fields=["last_digest_at"])
    return sent


def dependence_share(*, need: Need, producer: Actor, volume: Decimal | None) -> float | None:
    """The share of the producer's declared monthly volume of this product that this buyer would take,
    counting the answers already shortlisted by the same buyer for the same product; None when the
    producer declared no volume in the need's unit."""
    offer = (
        Offer.objects.filter(producer=producer, volume_unit=need.unit, monthly_volume__gt=0)
        .filter(category__path__in=[*_ancestors(need.category.path), need.category.path])
        .order_by("-category__path")
        .first()
    )
    if offer is None or offer.monthly_volume is None or volume is None:
        return None
    others = Answer.objects.filter(
        producer=producer, shortlisted=True, need__buyer=need.buyer, need__category=need.category,
        need__status=Need.Status.OPEN, volume__isnull=False,
    ).exclude(need=need)  # fmt: skip
    monthly = float(volume) * DELIVERIES_PER_MONTH[Frequency(need.frequency)]
    monthly += sum(float(a.volume or 0) * DELIVERIES_PER_MONTH[Frequency(a.need.frequency)] for a in others)
    return monthly / float(offer.monthly_volume)


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def dependence_warning(*, need: Need, producer: Actor, volume: Decimal | None) -> str:
    """Empty, or the warning a producer reads before depending too much on one buyer."""
    share = dependence_share(need=need, producer=producer, volume=volume)
    limit = settings.TERROIR_DEPENDENCE_SHARE
    if share is None or share <= limit:
        return ""
    return _(
        "Careful: %(buyer)s would take %(share)s %% of the %(product)s you declared you can sell each month "
        "(more than %(limit)s %%). Depending on a single client is risky."
    ) % {
        "buyer": need.buyer.name, "share": f"{share * 100:.0f}", "product": need.category.name.lower(),
        "limit": f"{limit * 100:.0f}",
    }  # fmt: skip


def can_converse(user: Any, answer: Answer) -> bool:
    return can_manage(user, answer.need) or answer.producer_id in actor_ids_of(user)


@transaction.atomic
def message_send(*, answer: Answer, by: Any, body: str) -> Message:
    """A message between the buyer's people and the producer's people about one answer."""
    if not can_converse(by, answer):
        raise PermissionDenied(_("This conversation is not yours."))
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("This field is required.")]})
    if len(body) > 3000:
        raise ValidationError({"body": [_("At most %(limit)s characters.") % {"limit": 3000}]})
    from_buyer = can_manage(by, answer.need) and answer.producer_id not in actor_ids_of(by)
    message = Message.objects.create(answer=answer, author=by, from_buyer=from_buyer, body=body)
    other = answer.producer if from_buyer else answer.need.buyer
    readers = Membership.objects.filter(actor=other).exclude(user=by).values_list("user_id", flat=True)
    Notification.objects.bulk_create(
        Notification(user_id=uid, need=answer.need, kind=Notification.Kind.MESSAGE) for uid in readers
    )
    return message


# --- Joint answers and acceptance ------------------------------------------------------------------


def people_notify(*, need: Need, actors: list[Actor], kind: str, by: Any = None) -> int:
    """Tell the people of these organisations (not the person who acted) in their inbox."""
    users = Membership.objects.filter(actor__in=actors, user__is_active=True).values_list("user_id", flat=True)
    author = getattr(by, "pk", None)
    rows = [Notification(user_id=uid, need=need, kind=kind) for uid in sorted(set(users)) if uid != author]
    Notification.objects.bulk_create(rows)
    return len(rows)


def can_lead(user: Any, answer: Answer) -> bool:
    """The lead producer's people (and coordinators) edit a joint answer."""
    return is_coordinator(user) or answer.producer_id in actor_ids_of(user)


def members_of(answer: Answer) -> list[AnswerShare]:
    return list(answer.shares.select_related("producer").order_by("-volume", "pk"))


def shares_for(user: Any) -> QuerySet[AnswerShare]:
    """The shares the person's producers are asked for in other producers' joint answers."""
    mine = AnswerShare.objects.filter(producer_id__in=actor_ids_of(user)).exclude(answer__producer=F("producer"))
    return mine.select_related("answer", "answer__need", "answer__producer", "producer")


def _producer_of(value: Any) -> Actor:
    if isinstance(value, Actor):
        found: Actor | None = value
    else:
        text = str(value).strip()
        found = Actor.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    if found is None:
        raise ValidationError({"members": [_("Unknown organisation: %(id)s.") % {"id": str(value)[:40]}]})
    if not found.is_producer:
        raise ValidationError({"members": [_("%(name)s is not a producer.") % {"name": found.name}]})
    return found


@transaction.atomic
def answer_members_set(*, answer: Answer, by: Any, shares: list[tuple[Any, Any]]) -> list[AnswerShare]:
    """Make an offer a joint answer: each member (a producer) with its share of the volume per delivery,
    the shares adding up to the offer's volume, the lead among them. An empty list makes it the lead's
    answer alone again. A member whose share is unchanged keeps its confirmation; the others are asked."""
    if not can_lead(by, answer):
        raise PermissionDenied(_("Only the lead producer changes a joint answer."))
    if answer.need.status != Need.Status.OPEN:
        raise ValidationError({"__all__": [_("This need is not open.")]})
    if answer.accepted_at is not None:
        raise ValidationError({"__all__": [_("The buyer accepted this offer: change the agreement instead.")]})
    if answer.kind != Answer.Kind.OFFER or answer.volume is None:
        raise ValidationError({"__all__": [_("Only an offer with a volume is made jointly.")]})
    before = {s.producer_id: s for s in answer.shares.all()}
    if not shares:
        answer.shares.all().delete()
        return []
    wanted: dict[int, tuple[Actor, Decimal]] = {}
    for producer_value, volume_value in shares:
        producer = _producer_of(producer_value)
        volume = _decimal("members", volume_value, positive=True)
        if volume is None:
            raise ValidationError(
                {"members": [elided(_("Give the share of %(name)s.") % {"name": producer.name}, producer.name)]}
            )
        if producer.pk in wanted:
            raise ValidationError({"members": [_("%(name)s is listed twice.") % {"name": producer.name}]})
        wanted[producer.pk] = (producer, volume)
    if answer.producer_id not in wanted:
        raise ValidationError({"members": [_("The lead producer takes a share too.")]})
    if len(wanted) < 2:
        raise ValidationError({"members": [_("A joint answer has at least two producers.")]})
    total = sum((v for _p, v in wanted.values()), Decimal(0))
    if total != answer.volume:
        raise ValidationError({"members": [
            _("The shares add up to %(total)s, not to the offer's volume (%(volume)s).")
            % {"total": formats.number_format(total, 2), "volume": formats.number_format(answer.volume, 2)}
        ]})  # fmt: skip
    answer.shares.exclude(producer_id__in=list(wanted)).delete()
    now, kept, asked = timezone.now(), [], []
    for pk, (producer, volume) in wanted.items():
        old = before.get(pk)
        lead = pk == answer.producer_id
        if old is not None and old.volume == volume:
            kept.append(old)
            continue
        share, _created = AnswerShare.objects.update_or_create(
            answer=answer, producer=producer,
            defaults={"volume": volume, "confirmed_at": now if lead else None, "confirmed_by": by if lead else None},
        )  # fmt: skip
        kept.append(share)
        if not lead:
            asked.append(producer)
    if asked:
        people_notify(need=answer.need, actors=asked, kind=Notification.Kind.JOINT, by=by)
    return sorted(kept, key=lambda s: (-s.volume, s.pk))


@transaction.atomic
def answer_share_confirm(*, share: AnswerShare, by: Any, yes: bool) -> AnswerShare | None:
    """A member's people confirm their share, or withdraw from the joint answer (the lead is told and
    must share the volume again)."""
    if share.producer_id not in actor_ids_of(by):
        raise PermissionDenied(_("You do not act for this producer."))
    answer = share.answer
    if answer.accepted_at is not None:
        raise ValidationError({"__all__": [_("The buyer accepted this offer: change the agreement instead.")]})
    if answer.need.status != Need.Status.OPEN:
        raise ValidationError({"__all__": [_("This need is not open.")]})
    people_notify(need=answer.need, actors=[answer.producer], kind=Notification.Kind.SHARE, by=by)
    if not yes:
        share.delete()
        return None
    share.confirmed_at, share.confirmed_by = timezone.now(), by
    share.save(update_fields=["confirmed_at", "confirmed_by"])
    return share


def acceptance_refusal(answer: Answer) -> str:
    """Why the buyer cannot accept this answer now, in words; empty when they can."""
    if answer.accepted_at is not None:
        return _("This offer is already accepted.")
    if answer.need.status != Need.Status.OPEN:
        return _("This need is not open: an offer is accepted only while its need is open.")
    if answer.kind != Answer.Kind.OFFER or answer.price is None or answer.volume is None:
        return _("Only an offer with a price and a volume can be accepted.")
    shares = list(answer.shares.all())
    if shares and sum(s.volume for s in shares) != answer.volume:
        return _("The members' shares do not add up to the offer's volume: the lead producer must correct them.")
    if any(s.confirmed_at is None for s in shares):
        return _("Every member of this joint answer must confirm its share first.")
    return ""


@transaction.atomic
def answer_accept(*, answer: Answer, by: Any) -> Answer:
    """The buyer accepts an offer (the agreement and its orders are terroir.supply's): the producers'
    people are told."""
    answer = Answer.objects.select_for_update(of=("self",)).select_related("need", "producer").get(pk=answer.pk)
    if not can_manage(by, answer.need):
        raise PermissionDenied(_("You do not act for this buyer."))
    refusal = acceptance_refusal(answer)
    if refusal:
        raise ValidationError({"__all__": [refusal]})
    answer.accepted_at, answer.accepted_by = timezone.now(), by
    answer.save(update_fields=["accepted_at", "accepted_by"])
    producers = [answer.producer, *(s.producer for s in answer.shares.select_related("producer"))]
    people_notify(need=answer.need, actors=producers, kind=Notification.Kind.ACCEPTED, by=by)
    return answer
