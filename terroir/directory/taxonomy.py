"""The product taxonomy and the quality labels, in French and English.

Reference data kept in code so that every installation has the same slugs; `sync` writes it to the
database (from a migration, with historical models) and never deletes what a territory added.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

ALL_YEAR = 4095


def months(*numbers: int) -> int:
    """Bit mask of months, 1 = January."""
    mask = 0
    for number in numbers:
        mask |= 1 << (number - 1)
    return mask


def month_range(first: int, last: int) -> int:
    if first <= last:
        return months(*range(first, last + 1))
    return months(*range(first, 13), *range(1, last + 1))


@dataclass(frozen=True)
class Node:
    slug: str
    fr: str
    en: str
    season: int = ALL_YEAR
    children: tuple[Node, ...] = field(default_factory=tuple)


def node(slug: str, fr: str, en: str, season: int = ALL_YEAR, *children: Node) -> Node:
    return Node(slug, fr, en, season, tuple(children))


TAXONOMY: tuple[Node, ...] = (
    node(
        "vegetables",
        "Légumes",
        "Vegetables",
        ALL_YEAR,
        node("salads", "Salades", "Salads", month_range(3, 11)),
        node("potatoes", "Pommes de terre", "Potatoes", ALL_YEAR),
        node("tomatoes", "Tomates", "Tomatoes", month_range(6, 10)),
        node("root-vegetables", "Légumes racines", "Root vegetables", ALL_YEAR),
        node("cabbages", "Choux", "Cabbages", month_range(9, 3)),
        node("squashes", "Courges", "Squashes", month_range(9, 2)),
        node("mushrooms", "Champignons", "Mushrooms", ALL_YEAR),
    ),
    node(
        "fruit",
        "Fruits",
        "Fruit",
        month_range(5, 12),
        node("apples", "Pommes", "Apples", month_range(8, 4)),
        node("pears", "Poires", "Pears", month_range(8, 1)),
        node("stone-fruit", "Fruits à noyau", "Stone fruit", month_range(6, 9)),
        node("berries", "Petits fruits rouges", "Berries", month_range(5, 9)),
        node("nuts", "Noix et châtaignes", "Nuts and chestnuts", month_range(9, 3)),
    ),
    node(
        "dairy",
        "Produits laitiers",
        "Dairy products",
        ALL_YEAR,
        node("milk", "Lait", "Milk"),
        node("yoghurts", "Yaourts et desserts lactés", "Yoghurts and dairy desserts"),
        node("butter-cream", "Beurre et crème", "Butter and cream"),
        node(
            "cheese",
            "Fromages",
            "Cheese",
            ALL_YEAR,
            node("cow-cheese", "Fromages de vache", "Cow's milk cheese"),
            node("goat-cheese", "Fromages de chèvre", "Goat's cheese", month_range(3, 11)),
            node("sheep-cheese", "Fromages de brebis", "Sheep's cheese", month_range(2, 10)),
        ),
    ),
    node(
        "meat",
        "Viandes",
        "Meat",
        ALL_YEAR,
        node("beef", "Bœuf", "Beef"),
        node("veal", "Veau", "Veal"),
        node("pork", "Porc", "Pork"),
        node("lamb", "Agneau", "Lamb"),
        node("poultry", "Volailles", "Poultry"),
        node("rabbit", "Lapin", "Rabbit"),
        node("game", "Gibier", "Game", month_range(9, 2)),
        node("charcuterie", "Charcuterie", "Charcuterie"),
    ),
    node("eggs", "Œufs", "Eggs"),
    node("fish", "Poissons", "Fish", ALL_YEAR, node("trout", "Truite", "Trout")),
    node(
        "bread-cereals",
        "Pain et céréales",
        "Bread and cereals",
        ALL_YEAR,
        node("bread", "Pain", "Bread"),
        node("flour", "Farines", "Flour"),
        node("pulses", "Légumineuses", "Pulses"),
        node("pasta", "Pâtes", "Pasta"),
    ),
    node("honey", "Miel et produits de la ruche", "Honey and hive products"),
    node(
        "drinks",
        "Boissons",
        "Drinks",
        ALL_YEAR,
        node("juice", "Jus de fruits", "Fruit juice"),
        node("wine", "Vins", "Wine"),
        node("beer", "Bières", "Beer"),
        node("cider", "Cidres", "Cider"),
    ),
    node(
        "pantry",
        "Épicerie",
        "Pantry",
        ALL_YEAR,
        node("jams", "Confitures", "Jams"),
        node("oils", "Huiles", "Oils"),
        node("herbs", "Plantes aromatiques", "Herbs"),
    ),
    node("plants-flowers", "Plants et fleurs", "Plants and flowers", month_range(3, 10)),
)

# (slug, French, English, ma-cantine/EGalim characteristic)
LABELS: tuple[tuple[str, str, str, str], ...] = (
    ("ab", "Agriculture biologique (AB)", "Organic farming (AB)", "BIO"),
    ("nature-progres", "Nature & Progrès", "Nature & Progrès", ""),
    ("demeter", "Demeter (biodynamie)", "Demeter (biodynamic)", "BIO"),
    ("label-rouge", "Label Rouge", "Label Rouge", "LABEL_ROUGE"),
    ("aop", "AOP / AOC", "PDO (AOP / AOC)", "AOCAOP"),
    ("igp", "IGP", "PGI (IGP)", "IGP"),
    ("stg", "STG", "TSG (STG)", "STG"),
    ("hve", "Haute Valeur Environnementale (HVE)", "High Environmental Value (HVE)", "HVE"),
    ("fermier", "Fermier", "Farm-made (fermier)", "FERMIER"),
    ("bienvenue-a-la-ferme", "Bienvenue à la ferme", "Bienvenue à la ferme", ""),
    ("commerce-equitable", "Commerce équitable", "Fair trade", "COMMERCE_EQUITABLE"),
)


def walk(
    nodes: tuple[Node, ...] = TAXONOMY, parent: Node | None = None, path: str = "/"
) -> Iterator[tuple[Node, Node | None, str, int]]:
    """Yield (node, parent, path, depth) depth-first, parents before children."""
    for item in nodes:
        item_path = f"{path}{item.slug}/"
        yield item, parent, item_path, item_path.count("/") - 2
        yield from walk(item.children, item, item_path)


def sync(category_model: Any, label_model: Any) -> None:
    """Create or update the reference categories and labels (works with historical models)."""
    by_slug: dict[str, Any] = {}
    for item, parent, path, depth in walk():
        obj, _ = category_model.objects.update_or_create(
            slug=item.slug,
            defaults={
                "name_fr": item.fr,
                "name_en": item.en,
                "parent": by_slug.get(parent.slug) if parent else None,
                "path": path,
                "depth": depth,
                "season": item.season,
            },
        )
        by_slug[item.slug] = obj
    for slug, fr, en, egalim in LABELS:
        label_model.objects.update_or_create(slug=slug, defaults={"name_fr": fr, "name_en": en, "egalim": egalim})


# Buyers' requirements a producer may meet (needs board), with their names for people.
REQUIREMENT_CHOICES = (
    ("gtin", gettext_lazy("GTIN barcodes")),
    ("sanitary_approval", gettext_lazy("sanitary approval")),
    ("cold_chain", gettext_lazy("cold chain")),
    ("invoicing", gettext_lazy("invoicing terms")),
    ("organic_certificate", gettext_lazy("organic certificate")),
)
REQUIREMENTS = tuple(code for code, _label in REQUIREMENT_CHOICES)
