"""The producers of a territory (producers whose commune is one of its communes): by product family and
label, in direct sale or not, their channels, and how many depend on a single channel or buyer.

Definitions (shown beside each figure on the dashboard):
- a producer's places: the open places of the directory it supplies or runs (any kind, canteens and
  relay platforms included: they are outlets too);
- its channels: the kinds of those places (a farm shop and two markets: two channels);
- direct sale: at least one place where it sells to the eater with no one in between (`DIRECT_KINDS`:
  sale at the farm, market, AMAP, producers' shop, vending machine, online or delivery); the other kinds
  (shops, supermarkets, groceries, restaurants, canteens, relay platforms) are intermediaries;
- single channel: one kind of place only; single buyer: no direct sale and exactly one intermediary
  place — all it sells goes through one buyer. Both are shares of the producers with at least one place;
- dependence warning (the needs board's, at territory scale): a producer for whom one buyer's
  shortlisted answers on open needs would take more than TERROIR_DEPENDENCE_SHARE (50 %) of the monthly
  volume it declared (terroir.needs.services.dependence_share, what the producer reads when answering);
- product family: the top of the taxonomy its offers belong to; label: a label of one of its offers.
A producer counts once per family and per label, so those counts add up to more than the producers.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from terroir.directory.models import Actor, Category, Label, Offer, Place, PlaceKind
from terroir.lib import spreadsheet
from terroir.needs.models import Answer, Need
from terroir.needs.services import dependence_share

from .models import Territory

DIRECT_KINDS = frozenset(
    {PlaceKind.FARM, PlaceKind.MARKET, PlaceKind.AMAP, PlaceKind.PRODUCERS_SHOP, PlaceKind.VENDING, PlaceKind.ONLINE}
)

NO_PRODUCERS = gettext_lazy("No producer of the directory is in this territory's communes: no data.")
CHANNELS_SHOWN = 4  # 0, 1, 2, 3, and "4 or more"


def producers_of(territory: Territory) -> QuerySet[Actor]:
    return Actor.objects.filter(is_producer=True, commune__in=territory.communes.all())


def _places_of(producers: QuerySet[Actor]) -> dict[int, set[tuple[int, str]]]:
    """Each producer's open places as (place id, kind)."""
    wanted = producers.values("pk")
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    supplied = Place.producers.through.objects.filter(actor_id__in=wanted, place__closed_at__isnull=True)
    for actor, place, kind in supplied.values_list("actor_id", "place_id", "place__kind").iterator(chunk_size=20_000):
        found[actor].add((place, kind))
    run = Place.objects.filter(operator_id__in=wanted, closed_at__isnull=True)
    for actor, place, kind in run.values_list("operator_id", "pk", "kind").iterator(chunk_size=20_000):
        found[actor].add((place, kind))
    return found


def _dependent(producers: QuerySet[Actor]) -> tuple[set[int], int]:
    """The producers warned by the needs board's dependence rule, and the answers checked."""
    answers = Answer.objects.filter(
        producer__in=producers.values("pk"), shortlisted=True, need__status=Need.Status.OPEN
    ).select_related("need__category", "need__buyer", "producer")
    warned, checked = set(), 0
    for answer in answers:
        checked += 1
        share = dependence_share(need=answer.need, producer=answer.producer, volume=answer.volume)
        if share is not None and share > settings.TERROIR_DEPENDENCE_SHARE:
            warned.add(answer.producer_id)
    return warned, checked


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def territory_producers(territory: Territory) -> dict[str, Any]:
    producers = producers_of(territory)
    actors = list(producers.order_by("name", "pk").values_list("pk", "name", "commune_id"))
    families_of: dict[int, set[str]] = defaultdict(set)
    for producer, path in Offer.objects.filter(producer__in=producers.values("pk")).values_list(
        "producer_id", "category__path"
    ):
        families_of[producer].add(path.strip("/").split("/")[0])
    labels_of: dict[int, set[int]] = defaultdict(set)
    through = Offer.labels.through.objects.filter(offer__producer__in=producers.values("pk"))
    for producer, label in through.values_list("offer__producer_id", "label_id"):
        labels_of[producer].add(label)
    places = _places_of(producers)
    warned, checked = _dependent(producers)
    family_names = {c.slug: c.name for c in Category.objects.filter(depth=0)}
    label_names = {label.pk: (label.slug, label.name) for label in Label.objects.all()}
    result = producer_figures(actors, families_of, labels_of, places, warned, family_names, label_names)
    result = {"territory": territory.slug, "name": territory.name} | result
    result["dependence_answers_checked"] = checked
    if result["no_data"]:
        result["message"] = str(NO_PRODUCERS)
    return result


def producer_figures(
    actors: Sequence[tuple[int, str, str | None]],
    families_of: Mapping[int, set[str]],
    labels_of: Mapping[int, set[int]],
    places: Mapping[int, set[tuple[int, str]]],
    warned: set[int],
    family_names: Mapping[str, str],
    label_names: Mapping[int, tuple[str, str]],
) -> dict[str, Any]:
    """The producers' figures from what was read: producers (id, name, commune), their families, label
    ids and places (id, kind), those the needs board warns; names of the families and labels."""
    count = len(actors)
    direct = sum(1 for pk, _n, _c in actors if any(kind in DIRECT_KINDS for _p, kind in places.get(pk, ())))
    with_outlet = sum(1 for pk, _n, _c in actors if places.get(pk))
    channels = {pk: len({kind for _p, kind in places.get(pk, ())}) for pk, _n, _c in actors}
    single_channel = sum(1 for n in channels.values() if n == 1)
    single_buyer = {
        pk for pk, _n, _c in actors
        if len(found := places.get(pk, set())) == 1 and next(iter(found))[1] not in DIRECT_KINDS
    }  # fmt: skip
    distribution = Counter(min(n, CHANNELS_SHOWN) for n in channels.values())

    family_count = Counter(f for fs in families_of.values() for f in fs)
    family_direct = Counter(
        f for pk, fs in families_of.items() for f in fs if any(kind in DIRECT_KINDS for _p, kind in places.get(pk, ()))
    )
    label_count = Counter(label for ls in labels_of.values() for label in ls)
    return {
        "producers": count,
        "direct_sale": direct, "direct_sale_share": _ratio(direct, count),
        "intermediaries_only": with_outlet - direct, "no_place": count - with_outlet,
        "with_place": with_outlet,
        "channels": [{"channels": n, "producers": distribution.get(n, 0)} for n in range(CHANNELS_SHOWN + 1)],
        "channels_mean": round(sum(channels.values()) / with_outlet, 2) if with_outlet else None,
        "single_channel": single_channel, "single_channel_share": _ratio(single_channel, with_outlet),
        "single_buyer": len(single_buyer), "single_buyer_share": _ratio(len(single_buyer), with_outlet),
        "dependence_warned": len(warned), "dependence_answers_checked": 0,
        "dependence_limit": settings.TERROIR_DEPENDENCE_SHARE,
        "families": sorted(
            ({"family": slug, "label": family_names.get(slug, slug), "producers": n,
              "share": _ratio(n, count), "direct_sale": family_direct.get(slug, 0)}
             for slug, n in family_count.items()), key=lambda f: (-f["producers"], f["family"])),
        "labels": sorted(
            ({"label": label_names[pk][0], "name": label_names[pk][1], "producers": n, "share": _ratio(n, count)}
             for pk, n in label_count.items() if pk in label_names), key=lambda f: (-f["producers"], f["label"])),
        "rows": [
            {"producer_id": pk, "name": name, "commune": commune,
             "families": sorted(families_of.get(pk, ())),
             "labels": sorted(label_names[label][0] for label in labels_of.get(pk, ()) if label in label_names),
             "places": len(places.get(pk, ())), "kinds": sorted({kind for _p, kind in places.get(pk, ())}),
             "channels": channels[pk],
             "direct_sale": any(kind in DIRECT_KINDS for _p, kind in places.get(pk, ())),
             "single_buyer": pk in single_buyer, "dependence_warned": pk in warned}
            for pk, name, commune in actors
        ],
        "no_data": count == 0,
    }  # fmt: skip


def territory_producers_csv(figures: Mapping[str, Any]) -> str:
    """Per producer, for French spreadsheets (semicolons, UTF-8 with BOM; lists joined by commas)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["producer_id", "name", "commune", "families", "labels", "places", "kinds", "channels",
                     "direct_sale", "single_buyer", "dependence_warned"])  # fmt: skip
    for row in figures["rows"]:
        writer.writerow([
            row["producer_id"], row["name"], row["commune"] or "", ",".join(row["families"]),
            ",".join(row["labels"]), row["places"], ",".join(row["kinds"]), row["channels"],
            int(row["direct_sale"]), int(row["single_buyer"]), int(row["dependence_warned"]),
        ])  # fmt: skip
    return out.getvalue()
