"""Generated directories: the demo territory (Clermont-Ferrand, Thiers, Ambert) and France-wide
synthetic data for benchmarks.

Both are deterministic for a given seed, use the real communes table and invent every name: no real
person's data. They write in bulk, then rebuild the derived search tables once.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from terroir.lib.geo import haversine_km
from terroir.lib.text import french_of, french_of_the, french_the

from . import fields
from .communes import communes_load
from .index import map_cells_rebuild, places_reindex
from .models import Actor, Category, Commune, Label, Offer, Place, PlaceKind
from .services import actors_bulk_create, actors_delete, offers_bulk_replace, places_bulk_create, places_delete

Progress = Callable[[str], None]

# --- Word lists (invented names only) -------------------------------------------------------------

FARM_WORDS = (
    "Pré Vert", "Grands Chênes", "Monts", "Sources", "Genêts", "Bruyères", "Hêtres", "Trois Chemins", "Fontaine",
    "Moulin", "Vallon", "Colline", "Combe", "Puy", "Hautes Terres", "Sapins", "Frênes", "Buron", "Estive",
    "Bois Joli", "Chaumes", "Granges", "Roches", "Noyers", "Tilleuls", "Clairière", "Ruisseau", "Plateau",
)  # fmt: skip
# The feminine ones ("de la Fontaine"); a word ending in s is plural ("des Monts"), one starting with a vowel
# elides ("de l'Estive"): lib.text.french_of_the.
FEMININE_WORDS = frozenset(("Fontaine", "Colline", "Combe", "Clairière", "Estive"))
FARM_PREFIXES = ("Ferme", "Domaine", "Mas", "Jardins", "Vergers", "Chèvrerie", "Bergerie", "Rucher", "Fromagerie")


@dataclass(frozen=True)
class FarmType:
    name: str
    prefix: str
    categories: tuple[str, ...]
    labels: tuple[tuple[str, float], ...]
    weight: float


FARM_TYPES = (
    FarmType("market_gardener", "Jardins",
             ("salads", "tomatoes", "potatoes", "root-vegetables", "cabbages", "squashes"),
             (("ab", 0.35), ("nature-progres", 0.05), ("hve", 0.1)), 0.22),
    FarmType("cow_cheese", "Fromagerie", ("cow-cheese", "butter-cream", "milk", "yoghurts"),
             (("aop", 0.5), ("fermier", 0.6), ("ab", 0.15)), 0.16),
    FarmType("goat", "Chèvrerie", ("goat-cheese",), (("fermier", 0.7), ("ab", 0.25)), 0.07),
    FarmType("sheep", "Bergerie", ("sheep-cheese", "lamb"), (("fermier", 0.5), ("ab", 0.2)), 0.04),
    FarmType("cattle", "Ferme", ("beef", "veal"), (("label-rouge", 0.2), ("ab", 0.1), ("igp", 0.1)), 0.12),
    FarmType("pig", "Ferme", ("pork", "charcuterie"), (("fermier", 0.4), ("igp", 0.1)), 0.06),
    FarmType("poultry", "Ferme", ("poultry", "eggs", "rabbit"), (("label-rouge", 0.25), ("ab", 0.2)), 0.09),
    FarmType("orchard", "Vergers", ("apples", "pears", "juice", "jams", "berries"), (("ab", 0.3), ("hve", 0.1)), 0.08),
    FarmType("beekeeper", "Rucher", ("honey",), (("ab", 0.2),), 0.05),
    FarmType("baker", "Ferme", ("bread", "flour"), (("ab", 0.5), ("nature-progres", 0.1)), 0.04),
    FarmType("pulses", "Domaine", ("pulses", "flour", "pasta"), (("aop", 0.3), ("ab", 0.2)), 0.03),
    FarmType("trout", "Pisciculture", ("trout",), (), 0.01),
    FarmType("brewer", "Brasserie", ("beer",), (("ab", 0.4),), 0.01),
    FarmType("wine", "Domaine", ("wine",), (("aop", 0.6), ("hve", 0.2)), 0.01),
    FarmType("plants", "Jardins", ("plants-flowers", "herbs"), (("ab", 0.3),), 0.01),
)  # fmt: skip

# (kind, share of places, name patterns, opening hours choices)
KIND_MIX: tuple[tuple[str, float], ...] = (
    (PlaceKind.FARM, 0.262), (PlaceKind.MARKET, 0.075), (PlaceKind.AMAP, 0.067), (PlaceKind.PRODUCERS_SHOP, 0.042),
    (PlaceKind.SUPERMARKET, 0.067), (PlaceKind.SHOP, 0.15), (PlaceKind.SOLIDARITY_GROCERY, 0.033),
    (PlaceKind.COOPERATIVE_GROCERY, 0.025), (PlaceKind.RESTAURANT, 0.1), (PlaceKind.CANTEEN, 0.1),
    (PlaceKind.RELAY, 0.013), (PlaceKind.VENDING, 0.041), (PlaceKind.ONLINE, 0.025),
)  # fmt: skip

HOURS: dict[str, tuple[str, ...]] = {
    PlaceKind.FARM: ("Fr 16:00-19:00; Sa 09:00-12:00", "We,Sa 17:00-19:00", "Mo-Sa 17:00-19:00", "Sa 09:00-12:30",
                     "Tu,Fr 16:30-19:00"),
    PlaceKind.MARKET: ("Mo 07:00-13:00", "Tu 07:00-13:00", "We 07:00-13:00", "Th 07:00-13:00", "Fr 07:00-13:00",
                       "Sa 07:00-13:00", "Su 08:00-13:00", "Fr 16:00-20:00", "week 01-53/2 Sa 08:00-12:00",
                       "Apr-Oct We 17:00-21:00"),
    PlaceKind.AMAP: ("Tu 18:00-19:30", "We 18:00-19:30", "Th 18:30-19:30", "Fr 17:30-19:00"),
    PlaceKind.PRODUCERS_SHOP: ("Tu-Sa 09:00-12:30,15:00-19:00", "We-Sa 09:30-12:30,15:00-19:00; Su 09:30-12:30"),
    PlaceKind.SUPERMARKET: ("Mo-Sa 08:30-20:00", "Mo-Sa 08:30-19:30; Su 09:00-12:30"),
    PlaceKind.SHOP: ("Tu-Sa 07:30-12:30,15:00-19:00", "Tu-Sa 08:00-12:30,15:30-19:00; Su 08:00-12:30"),
    PlaceKind.SOLIDARITY_GROCERY: ("Tu,Th 14:00-18:00", "We 09:00-12:00; Fr 14:00-17:30"),
    PlaceKind.COOPERATIVE_GROCERY: ("Tu-Fr 15:00-19:30; Sa 10:00-18:00", "We,Fr 16:00-20:00; Sa 09:30-13:00"),
    PlaceKind.RESTAURANT: ("Tu-Sa 12:00-14:00,19:00-22:00", "Mo-Fr 12:00-14:00"),
    PlaceKind.CANTEEN: ("Mo-Fr 11:30-13:30",),
    PlaceKind.RELAY: ("Mo-Fr 06:00-14:00",),
    PlaceKind.VENDING: ("24/7", "Mo-Su 07:00-21:00"),
    PlaceKind.ONLINE: ("",),
}  # fmt: skip

# "{of_c}": "de Thiers", "d'Ambert" (lib.text.french_of); "{of_w}": "du Moulin", "de la Combe", "de l'Estive"
# and "{the_w}": "Le Moulin", "L'Estive" (lib.text.french_of_the, french_the).
PLACE_NAMES: dict[str, tuple[str, ...]] = {
    PlaceKind.FARM: ("Vente à la ferme {of_w}", "Ferme {of_w}, vente directe"),
    PlaceKind.MARKET: ("Marché {of_c}", "Marché hebdomadaire {of_c}", "Marché de producteurs {of_c}"),
    PlaceKind.AMAP: ("AMAP {of_c}", "AMAP des Paniers {of_c}", "AMAP Les Légumes {of_c}"),
    PlaceKind.PRODUCERS_SHOP: ("Magasin de producteurs {of_c}", "Le Panier Paysan {of_c}", "La Ferme en Ville, {c}"),
    PlaceKind.SUPERMARKET: ("Supermarché {of_w}", "Hypermarché {of_c}", "Supérette {of_c}"),
    PlaceKind.SHOP: ("Boucherie {of_c}", "Boulangerie {of_w}", "Fromagerie {of_c}", "Primeur {of_w}",
                     "Épicerie fine {of_c}", "Crèmerie {of_c}"),
    PlaceKind.SOLIDARITY_GROCERY: ("Épicerie solidaire {of_c}", "L'Épi Solidaire, {c}"),
    PlaceKind.COOPERATIVE_GROCERY: ("Épicerie coopérative {of_c}", "Supermarché coopératif {of_c}"),
    PlaceKind.RESTAURANT: ("Auberge {of_w}", "Restaurant {the_w}", "Bistrot {of_c}", "Table paysanne {of_c}"),
    PlaceKind.CANTEEN: ("Cantine de l'école {of_c}", "Restaurant scolaire du collège {of_c}",
                        "Cuisine centrale {of_c}", "Restaurant de l'EHPAD {of_c}"),
    PlaceKind.RELAY: ("Plateforme relais {of_c}",),
    PlaceKind.VENDING: ("Distributeur de lait {of_c}", "Casier fermier {of_c}", "Distributeur d'œufs {of_c}"),
    PlaceKind.ONLINE: ("Panier fermier {of_c}", "Drive fermier {of_c}", "Livraison paysanne {of_c}"),
}  # fmt: skip

# How many producers a place of each kind lists (min, max); the farm sale lists its own farm.
PRODUCERS_PER_KIND: dict[str, tuple[int, int]] = {
    PlaceKind.FARM: (1, 1), PlaceKind.MARKET: (5, 25), PlaceKind.AMAP: (3, 10), PlaceKind.PRODUCERS_SHOP: (6, 20),
    PlaceKind.SUPERMARKET: (2, 15), PlaceKind.SHOP: (1, 8), PlaceKind.SOLIDARITY_GROCERY: (1, 6),
    PlaceKind.COOPERATIVE_GROCERY: (3, 15), PlaceKind.RESTAURANT: (1, 6), PlaceKind.CANTEEN: (1, 8),
    PlaceKind.RELAY: (5, 15), PlaceKind.VENDING: (1, 1), PlaceKind.ONLINE: (3, 12),
}  # fmt: skip

# Real towns of the demo territory with their real market days.
DEMO_MARKETS = (
    ("63003", "Marché d'Ambert", "Th 07:00-13:00", "Place du Livradois"),
    ("63430", "Marché de Thiers", "Th 07:00-12:30; Sa 07:00-12:30", "Place Antonin Chastel"),
    ("63113", "Marché Saint-Joseph", "Tu-Sa 06:00-13:00", "Place Saint-Joseph"),
    ("63113", "Marché des Salins", "We,Sa 06:00-13:00", "Place des Salins"),
    ("63178", "Marché d'Issoire", "Sa 07:00-13:00", "Place de la République"),
    ("63300", "Marché de Riom", "Sa 07:00-13:00", "Place de la Fédération"),
    ("63040", "Marché de Billom", "Mo 07:00-13:00", "Place du Creux de l'Oulme"),
    ("63125", "Marché de Courpière", "Tu 07:00-12:30", "Place de la Cité Administrative"),
    ("63010", "Marché d'Arlanc", "Sa 08:00-12:30", "Place de l'Église"),
    ("63128", "Marché de Cunlhat", "Tu 08:00-12:30", "Place du Marché"),
    ("63258", "Marché d'Olliergues", "We 08:00-12:30", "Place du Château"),
)


def _of_the(word: str) -> str:
    """ "du Moulin", "de la Combe", "de l'Estive", "des Monts" (a name: the plain apostrophe people type)."""
    return french_of_the(word, feminine=word in FEMININE_WORDS, apostrophe="'")


@dataclass
class Summary:
    producers: int = 0
    places: int = 0
    offers: int = 0
    links: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.producers} producers, {self.places} places, {self.offers} offers, {self.links} producer–place links"
        )


def _siret(rng: random.Random) -> str:
    """A valid SIRET (python-stdnum's Luhn on the SIREN and on the whole) that belongs to nobody: it starts with 9."""
    # Twelve draws, as before python-stdnum made the numbers, so that the rest of the demo is unchanged.
    digits = "".join(str(rng.randrange(10)) for _ in range(12))
    return fields.siret_made_up("9" + digits[:7], digits[7:11])


def _jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    distance = km * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    dlat = distance * math.cos(angle) / 111.2
    dlon = distance * math.sin(angle) / (111.2 * max(0.2, math.cos(math.radians(lat))))
    return round(min(89.9, max(-89.9, lat + dlat)), 6), round(min(179.9, max(-179.9, lon + dlon)), 6)


def _weighted(rng: random.Random, items: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


class Builder:
    """Accumulates generated rows, then writes them in bulk."""

    def __init__(self, *, source: str, rng: random.Random, today: dt.date):
        self.source = source
        self.rng = rng
        self.today = today
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.labels = {label.slug: label for label in Label.objects.all()}
        self.summary = Summary()
        # The demo's producers' names so far, each naming one farm; None: names may repeat (the synthetic
        # directories of the benchmarks, whose rows stay as measured before).
        self.names: set[str] | None = set() if source == "demo" else None

    def verified(self) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randrange(0, 540))

    def producer(self, index: int, commune: Commune, lat: float, lon: float) -> tuple[Actor, FarmType]:
        rng = self.rng
        farm = rng.choices(FARM_TYPES, weights=[f.weight for f in FARM_TYPES])[0]
        legal = rng.choices(["gaec", "earl", "scea", "individual", "sas"], weights=[30, 25, 8, 32, 5])[0]
        word = rng.choice(FARM_WORDS)
        if legal in ("gaec", "earl", "scea"):
            head = legal.upper()
        else:
            head = farm.prefix if rng.random() < 0.6 else rng.choice(FARM_PREFIXES)
        name = self.unique_name(head, word, commune.name, rng.random() < 0.5)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        public = rng.random() < 0.6
        actor = Actor(
            name=name,
            legal_form=legal,
            siret=_siret(rng) if rng.random() < 0.7 else "",
            is_producer=True,
            description="",
            address=f"Lieu-dit {rng.choice(FARM_WORDS)}",
            postcode=fields.postcode_of_commune(commune.postcodes or ""),
            commune=commune,
            lat=lat,
            lon=lon,
            email=f"contact@{slug}-{index}.example.org",
            phone=f"04 7{rng.randrange(10)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            website=f"https://{slug}-{index}.example.org" if rng.random() < 0.3 else "",
            contact_public=public,
            delivery_radius_km=rng.choice([None, 20, 30, 50, 80]),
            source=self.source,
            source_ref=f"{self.source}-producer-{index}",
            verified_at=self.verified(),
        )
        return actor, farm

    def unique_name(self, head: str, word: str, commune: str, with_commune: bool) -> str:
        """ "GAEC du Moulin", "Ferme des Monts (Ambert)": a name no other demo producer has — two farms of one
        name read as one on the map and in the search. Taken, the commune tells them apart, then the next
        free word; no draw of the generator, so that the rest of the demo stays as it was."""
        if self.names is None:
            return f"{head} {_of_the(word)} ({commune})" if with_commune else f"{head} {_of_the(word)}"
        start = FARM_WORDS.index(word)
        for step in range(len(FARM_WORDS)):
            plain = f"{head} {_of_the(FARM_WORDS[(start + step) % len(FARM_WORDS)])}"
            for name in (f"{plain} ({commune})",) if with_commune else (plain, f"{plain} ({commune})"):
                if name not in self.names:
                    self.names.add(name)
                    return name
        raise ValueError(f"no free name for a {head} in {commune}")  # 28 words: never with the demo's sizes

    def offers(self, actor: Actor, farm: FarmType) -> list[tuple[Offer, list[Label]]]:
        rng = self.rng
        count = rng.randint(1, min(4, len(farm.categories)))
        chosen = rng.sample(farm.categories, count)
        result = []
        for slug in chosen:
            category = self.categories[slug]
            labels = [self.labels[label] for label, p in farm.labels if rng.random() < p]
            result.append((Offer(producer=actor, category=category, months=category.season), labels))
        return result

    def write(
        self,
        producers: list[tuple[Actor, list[tuple[Offer, list[Label]]]]],
        places: list[tuple[Place, list[int]]],
        progress: Progress | None,
    ) -> Summary:
        """`places` carry the indexes (into `producers`) of the producers selling there."""
        say = progress or (lambda _message: None)
        actors = [actor for actor, _ in producers]
        actors_bulk_create(actors=actors, batch_size=2000)
        say(f"{len(actors)} producers written")
        offers = [(offer, [label.pk for label in labels]) for _actor, items in producers for offer, labels in items]
        offers_bulk_replace(cleared=[], offers=offers, batch_size=2000, index=False)  # no place lists them yet
        say(f"{len(offers)} offers written")
        # Indexed once, all together, when every place is in.
        links = [[actors[i].pk for i in indexes] for _place, indexes in places]
        # Indexed in steps rather than with `rebuild=True` (the same work) so that a benchmark sees each one.
        places_bulk_create(
            places=[place for place, _ in places], producers=links, index=False, batch_size=2000, bulk=True
        )
        link_count = sum(len(dict.fromkeys(ids)) for ids in links)
        say(f"{len(places)} places and {link_count} links written")
        places_reindex(bulk=True, progress=say)
        say("words, facets and shown producers indexed")
        map_cells_rebuild()
        say("map cells rebuilt")
        kinds: dict[str, int] = {}
        for place, _ in places:
            kinds[place.kind] = kinds.get(place.kind, 0) + 1
        return Summary(len(actors), len(places), len(offers), link_count, kinds)

    def place(self, kind: str, commune: Commune, lat: float | None, lon: float | None, index: int) -> Place:
        rng = self.rng
        word = rng.choice(FARM_WORDS)
        name = rng.choice(PLACE_NAMES[kind]).format(
            c=commune.name,
            of_c=french_of(commune.name, apostrophe="'"),
            of_w=_of_the(word),
            the_w=french_the(word, feminine=word in FEMININE_WORDS, apostrophe="'"),
        )
        return Place(
            name=name,
            kind=kind,
            commune=commune,
            lat=lat,
            lon=lon,
            address=f"{rng.randrange(1, 80)} rue {rng.choice(['du Marché', 'de la Gare', 'des Écoles', 'Principale'])}"
            if kind != PlaceKind.ONLINE
            else "",
            postcode=fields.postcode_of_commune(commune.postcodes or ""),
            opening_hours=rng.choice(HOURS[kind]),
            phone=f"04 7{rng.randrange(10)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            contact_public=kind not in (PlaceKind.CANTEEN, PlaceKind.VENDING) and rng.random() < 0.8,
            website=f"https://lieu-{index}.example.org" if kind == PlaceKind.ONLINE else "",
            source=self.source,
            source_ref=f"{self.source}-place-{index}",
            verified_at=self.verified(),
        )


def _nearest(
    producers: Sequence[tuple[float, float]], lat: float, lon: float, count: int, rng: random.Random, within_km: float
) -> list[int]:
    # Two points farther apart in latitude than `within_km` (111.19 km a degree) are farther apart: the
    # cheap test skips most of the great-circle ones, and its margin keeps the same producers.
    reach = within_km / 111.0 + 0.01
    nearby = [
        i
        for i, (plat, plon) in enumerate(producers)
        if abs(plat - lat) <= reach and haversine_km(lat, lon, plat, plon) <= within_km
    ] or sorted(range(len(producers)), key=lambda i: haversine_km(lat, lon, *producers[i]))[: count * 2]
    return rng.sample(nearby, min(count, len(nearby)))


DEMO_CENTER = (45.70, 3.40)
DEMO_RADIUS_KM = 55.0


@transaction.atomic
def demo_load(*, seed: int = 63, producers: int = 300, places: int = 600, progress: Progress | None = None) -> Summary:
    """Replace the demo territory (records with source "demo") by a freshly generated one."""
    if not Commune.objects.filter(department="63").exists():
        communes_load()
    places_delete(places=Place.objects.filter(source="demo"))
    actors_delete(actors=Actor.objects.filter(source="demo"))
    rng = random.Random(seed)
    builder = Builder(source="demo", rng=rng, today=dt.date(2026, 11, 1))
    # A box around the circle (1° of latitude is 111 km, of longitude 77 km at 46°N) spares reading the
    # 35,000 communes of France; the distance decides, as before.
    box = Commune.objects.filter(
        lat__range=(DEMO_CENTER[0] - 1.0, DEMO_CENTER[0] + 1.0), lon__range=(DEMO_CENTER[1] - 1.5, DEMO_CENTER[1] + 1.5)
    )
    communes = [
        c
        for c in box.order_by("code")
        if c.lat is not None
        and c.lon is not None
        and haversine_km(DEMO_CENTER[0], DEMO_CENTER[1], c.lat, c.lon) <= DEMO_RADIUS_KM
    ]
    rural = [c for c in communes if (c.population or 0) < 5000]
    towns = sorted(communes, key=lambda c: -(c.population or 0))[:60]
    by_code = {c.code: c for c in communes}

    generated: list[tuple[Actor, list[tuple[Offer, list[Label]]]]] = []
    positions: list[tuple[float, float]] = []
    for index in range(producers):
        commune = rng.choice(rural)
        assert commune.lat is not None and commune.lon is not None
        lat, lon = _jitter(rng, commune.lat, commune.lon, 3.0)
        actor, farm = builder.producer(index, commune, lat, lon)
        generated.append((actor, builder.offers(actor, farm)))
        positions.append((lat, lon))

    rows: list[tuple[Place, list[int]]] = []
    farm_count = round(places * dict(KIND_MIX)[PlaceKind.FARM])
    for index in range(min(farm_count, producers)):
        actor, _ = generated[index]
        place = builder.place(PlaceKind.FARM, actor.commune, actor.lat, actor.lon, len(rows))  # type: ignore[arg-type]
        place.name = f"Vente à la ferme – {actor.name}"
        place.operator = actor
        rows.append((place, [index]))
    for code, name, expression, address in DEMO_MARKETS:
        town = by_code.get(code)
        if town is None or town.lat is None or town.lon is None:
            continue
        lat, lon = _jitter(rng, town.lat, town.lon, 0.4)
        place = builder.place(PlaceKind.MARKET, town, lat, lon, len(rows))
        place.name, place.opening_hours, place.address = name, expression, address
        rows.append((place, _nearest(positions, lat, lon, rng.randint(8, 25), rng, 35)))
    ambert = by_code.get("63003")
    if ambert is not None and ambert.lat is not None and ambert.lon is not None:
        lat, lon = _jitter(rng, ambert.lat, ambert.lon, 0.3)
        place = builder.place(PlaceKind.PRODUCERS_SHOP, ambert, lat, lon, len(rows))
        place.name, place.opening_hours = "Le Local, magasin de producteurs", "Tu-Sa 09:00-12:30,15:00-19:00"
        place.address = "Rue de la République"
        rows.append((place, _nearest(positions, lat, lon, 9, rng, 30)))
    # The rest of the places follow the kind mix, counting the markets and the shop placed above.
    other_kinds = [(k, w) for k, w in KIND_MIX if k != PlaceKind.FARM]
    share = places - farm_count
    wanted: list[str] = []
    for kind, weight in other_kinds:
        already = sum(1 for place, _ in rows if place.kind == kind)
        wanted += [kind] * max(0, round(share * weight / sum(w for _, w in other_kinds)) - already)
    while len(rows) + len(wanted) < places:  # rounding left a few places over: spread them over the mix
        wanted.append(_weighted(rng, other_kinds))
    for kind in wanted[: max(0, places - len(rows))]:
        commune = rng.choice(towns if rng.random() < 0.6 else communes)
        assert commune.lat is not None and commune.lon is not None
        lat, lon = _jitter(rng, commune.lat, commune.lon, 1.5)
        online = kind == PlaceKind.ONLINE
        place = builder.place(kind, commune, None if online else lat, None if online else lon, len(rows))
        low, high = PRODUCERS_PER_KIND[kind]
        rows.append((place, _nearest(positions, lat, lon, rng.randint(low, high), rng, 30)))
    return builder.write(generated, rows, progress)


# --- France-wide synthetic data -------------------------------------------------------------------


@transaction.atomic
def synthetic_generate(
    *, places: int, producers: int | None = None, seed: int = 1, progress: Progress | None = None
) -> Summary:
    """Add `places` places and `producers` producers (default places // 2) across France.

    Communes are drawn with probability ∝ population^0.6, so towns get more places while rural
    communes still get farms; positions are jittered within 2 km of the commune centre.
    """
    if not Commune.objects.exists():
        communes_load()
    producers = places // 2 if producers is None else producers
    rng = random.Random(seed)
    builder = Builder(source="synthetic", rng=rng, today=dt.date(2026, 11, 1))
    communes = list(Commune.objects.exclude(lat=None).order_by("code"))
    weights = [max(1, c.population or 1) ** 0.6 for c in communes]
    generated: list[tuple[Actor, list[tuple[Offer, list[Label]]]]] = []
    # Producers are bucketed on a 0.25° grid so each place finds nearby producers without a full scan.
    grid: dict[tuple[int, int], list[int]] = {}
    for index, commune in enumerate(rng.choices(communes, weights=weights, k=producers)):
        assert commune.lat is not None and commune.lon is not None
        lat, lon = _jitter(rng, commune.lat, commune.lon, 4.0)
        actor, farm = builder.producer(index, commune, lat, lon)
        generated.append((actor, builder.offers(actor, farm)))
        grid.setdefault((math.floor(lat * 4), math.floor(lon * 4)), []).append(index)
        if progress and index and index % 20000 == 0:
            progress(f"{index} producers generated")
    kinds = [k for k, _ in KIND_MIX]
    kind_weights = [w for _, w in KIND_MIX]
    rows: list[tuple[Place, list[int]]] = []
    around: dict[tuple[int, int], list[int]] = {}
    for index, commune in enumerate(rng.choices(communes, weights=weights, k=places)):
        assert commune.lat is not None and commune.lon is not None
        kind = rng.choices(kinds, weights=kind_weights)[0]
        lat, lon = _jitter(rng, commune.lat, commune.lon, 2.0)
        cell = (math.floor(lat * 4), math.floor(lon * 4))
        nearby = around.get(cell)
        if nearby is None:  # each cell's neighbourhood once: a million places fall in a few thousand cells
            nearby = [i for dr in (-1, 0, 1) for dc in (-1, 0, 1) for i in grid.get((cell[0] + dr, cell[1] + dc), ())]
            around[cell] = nearby
        low, high = PRODUCERS_PER_KIND[kind]
        chosen = rng.sample(nearby, min(len(nearby), rng.randint(low, high))) if nearby else []
        online = kind == PlaceKind.ONLINE
        place = builder.place(kind, commune, None if online else lat, None if online else lon, index)
        if kind == PlaceKind.FARM and chosen:
            place.operator = generated[chosen[0]][0]
        rows.append((place, chosen))
        if progress and index and index % 50000 == 0:
            progress(f"{index} places generated")
    return builder.write(generated, rows, progress)
