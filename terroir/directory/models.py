"""The directory: actors (producers, buyers, carriers, organisations), places where food is sold or
handed over, what producers offer, and the reference tables (communes, categories, labels).

Derived tables (SearchTerm, MapCell) are written only by services.index; nothing here has side effects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Commune(models.Model):
    """A French commune from the INSEE official geographic code (reference data)."""

    code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    name_key = models.CharField(max_length=120, db_index=True, editable=False)
    department = models.CharField(_("department"), max_length=3, db_index=True)
    postcodes = models.CharField(_("postcodes"), max_length=200, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    # The intercommunality (EPCI) it belongs to: SIREN and name.
    epci_code = models.CharField(_("EPCI"), max_length=9, blank=True, db_index=True)
    epci_name = models.CharField(_("EPCI name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.department})"


class CommuneName(models.Model):
    """A name people and files use for a commune: its official name, the name without its article
    ("Mans" for Le Mans) and the names of the former communes merged into it ("Cordieux" → Montluel),
    each folded (terroir.directory.communes.name_key). Reference data, rebuilt with the communes."""

    key = models.CharField(max_length=120, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="names")
    # The former commune's own INSEE code, empty for today's names.
    former_code = models.CharField(max_length=5, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "commune"], name="commune_name_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.commune_id}"


class Category(models.Model):
    """A node of the product taxonomy; `path` ("/dairy/cheese/") makes "this and below" one index range."""

    slug = models.SlugField(max_length=60, unique=True)
    name_fr = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    # Months (bit 0 = January) when the category is usually in season; 4095 = all year.
    season = models.PositiveSmallIntegerField(default=4095)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr


class Label(models.Model):
    """A quality label or certification (AB, Nature & Progrès, Label Rouge, AOP, IGP, HVE, fermier…)."""

    slug = models.SlugField(max_length=40, unique=True)
    name_fr = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    # The ma-cantine/EGalim purchase characteristic this label counts as, if any (BIO, LABEL_ROUGE…).
    egalim = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr


class Sourced(models.Model):
    """Where a record comes from and when somebody last checked it is true."""

    source = models.CharField(_("source"), max_length=60, default="terroir")
    source_ref = models.CharField(_("reference in the source"), max_length=120, blank=True)
    verified_at = models.DateField(_("last verified"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Contact(models.Model):
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Contact details are published only when the actor agreed to it.
    contact_public = models.BooleanField(_("contact details may be published"), default=False)

    class Meta:
        abstract = True


class LegalForm(models.TextChoices):
    INDIVIDUAL = "individual", _("individual farm")
    GAEC = "gaec", "GAEC"
    EARL = "earl", "EARL"
    SCEA = "scea", "SCEA"
    SARL = "sarl", "SARL"
    SAS = "sas", "SAS"
    SCIC = "scic", "SCIC"
    COOPERATIVE = "cooperative", _("cooperative")
    ASSOCIATION = "association", _("association")
    PUBLIC = "public", _("public body")
    OTHER = "other", _("other")


class Actor(Sourced, Contact):
    """A person or organisation of the food system. One actor may hold several roles."""

    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    is_producer = models.BooleanField(_("producer"), default=False, db_index=True)
    is_buyer = models.BooleanField(_("buyer"), default=False)
    is_carrier = models.BooleanField(_("carrier"), default=False)
    is_organisation = models.BooleanField(_("organisation"), default=False)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    search_key = models.CharField(max_length=400, blank=True, editable=False)
    # Derived from ProducerPlace (`index.shown_at_place_refresh`, with the places' words): the producer is
    # shown on the map at an open place. The map's layer of producers without a place reads the others
    # from the `actor_producer_unshown` index instead of probing ProducerPlace for every producer of its box.
    shown_at_place = models.BooleanField(default=False, editable=False)
    # How far the producer is willing to deliver, km (used by matching and logistics).
    delivery_radius_km = models.PositiveIntegerField(_("delivery radius (km)"), null=True, blank=True)
    # For a buyer: what kind of buyer it is (one of the place kinds that buy: shop, canteen…).
    buyer_kind = models.CharField(_("kind of buyer"), max_length=30, blank=True)
    # For a producer: the days it delivers (bit 0 = Monday; 0: not said) and the buyers' requirements it
    # meets (codes of terroir.directory.taxonomy.REQUIREMENTS: gtin, sanitary_approval, cold_chain…).
    delivery_weekdays = models.PositiveSmallIntegerField(_("delivery days"), default=0)
    requirements = models.JSONField(_("requirements met"), default=list, blank=True)
    # Where one can order from a producer online (their shop, an Open Food Network or Cagette hub):
    # public like the producer's page, whatever contact_public says, and exported in DFC.
    order_url = models.URLField(_("where to order online"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        indexes = [
            models.Index(fields=["source", "source_ref"]),
            # The map's layer of producers without a place, and producers near a point, read a box: from the
            # index alone (is_producer and the key in it; at a million places a box around Paris holds 5,700
            # producers on 3,100 pages of the wide actors' table).
            models.Index(fields=["lat", "lon", "is_producer", "id"], name="actor_lat_lon"),
            # The producers not shown at a place, in a box: one range of this index, without the others.
            models.Index(fields=["is_producer", "shown_at_place", "lat", "lon"], name="actor_producer_unshown"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:producer", args=[self.pk])

    @property
    def roles(self) -> list[str]:
        flags = [
            ("producer", self.is_producer),
            ("buyer", self.is_buyer),
            ("carrier", self.is_carrier),
            ("organisation", self.is_organisation),
        ]
        return [role for role, held in flags if held]


class PlaceKind(models.TextChoices):
    FARM = "farm", _("sale at the farm")
    MARKET = "market", _("market")
    AMAP = "amap", _("AMAP pickup")
    PRODUCERS_SHOP = "producers_shop", _("producers' shop")
    SUPERMARKET = "supermarket", _("supermarket")
    SHOP = "shop", _("shop or artisan")
    SOLIDARITY_GROCERY = "solidarity_grocery", _("solidarity grocery")
    COOPERATIVE_GROCERY = "cooperative_grocery", _("citizen or cooperative grocery")
    RESTAURANT = "restaurant", _("restaurant")
    CANTEEN = "canteen", _("canteen")
    RELAY = "relay", _("relay platform")
    VENDING = "vending", _("vending machine")
    ONLINE = "online", _("online or delivery")

    @property
    def public(self) -> bool:
        """Whether a resident can buy there: collective catering (school canteens, care-home kitchens)
        and relay platforms stay in the directory for professionals, out of the public search."""
        return self.value not in PROFESSIONAL_KINDS


PROFESSIONAL_KINDS = frozenset({PlaceKind.CANTEEN.value, PlaceKind.RELAY.value})
PUBLIC_KINDS = tuple(kind for kind in PlaceKind.values if kind not in PROFESSIONAL_KINDS)


class Place(Sourced, Contact):
    """Where food is sold or handed over: a farm shop, a market, an AMAP pickup, a supermarket shelf…"""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=PlaceKind.choices, db_index=True)
    # Who runs the place (the farm for a sale at the farm, the shop's company…), when known.
    operator = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="operated_places"
    )
    producers = models.ManyToManyField(Actor, blank=True, related_name="places", verbose_name=_("producers"))
    # What is sold there as the place's sources say it (a market's, a vending machine's products), besides
    # what its producers offer.
    categories = models.ManyToManyField(Category, blank=True, related_name="places", verbose_name=_("products sold"))
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    # WGS84; empty only for online places.
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=255, blank=True)
    # A closed place keeps its page (saying so) but leaves the search and the map.
    closed_at = models.DateField(_("closed since"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            models.Index(fields=["lat", "lon"], name="place_lat_lon"),
            models.Index(fields=["source", "source_ref"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:place", args=[self.pk])


BUYER_KINDS = (
    PlaceKind.SUPERMARKET,
    PlaceKind.SHOP,
    PlaceKind.SOLIDARITY_GROCERY,
    PlaceKind.COOPERATIVE_GROCERY,
    PlaceKind.RESTAURANT,
    PlaceKind.CANTEEN,
)


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    LITRE = "l", _("litres")
    PIECE = "piece", _("pieces")
    DOZEN = "dozen", _("dozens")
    CRATE = "crate", _("crates")


class Offer(models.Model):
    """A product category a producer offers, with its season, labels and the volume it can sell."""

    producer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="offers")
    # Indexed with the producer (offer_category_producer): a category's producers read from the index alone.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="offers", db_index=False)
    # Months available (bit 0 = January); 4095 = all year.
    months = models.PositiveSmallIntegerField(_("months"), default=4095)
    labels = models.ManyToManyField(Label, blank=True, related_name="offers")
    note = models.CharField(_("note"), max_length=255, blank=True)
    # What the producer can sell in a month, declared by them (matching, and the dependence warning).
    monthly_volume = models.DecimalField(_("volume per month"), max_digits=10, decimal_places=2, null=True, blank=True)
    volume_unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, blank=True)

    class Meta:
        ordering = ["category__path"]
        constraints = [models.UniqueConstraint(fields=["producer", "category"], name="offer_unique_category")]
        indexes = [models.Index(fields=["category", "producer"], name="offer_category_producer")]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return f"{self.producer} – {self.category}"


# The keys of the search tables below (SearchTerm, PlaceFacet, ProducerTerm, ProducerPlace) are not checked by
# the database (db_constraint=False): their rows are derived, written by the index after the entries they
# name and deleted with them by Django's cascade, which every delete of an entry runs
# (terroir/imports/tests/test_derived_rows.py); a full rebuild (`index.places_reindex`) writes them anew.
# PostgreSQL checked each key of each row an import wrote at its commit: a fifth of its key checks.


class SearchTerm(models.Model):
    """One folded word under which a place is found (its name, commune, producers' names; the words of its
    products are found through its category facets, `search.category_facets_named`).

    The place's position is copied here (`band` is a 0.1-degree strip of latitude) so that "this word
    within 30 km" is one index range per strip, without visiting the places themselves; and its kind,
    so that "a place the public can buy at" is read from the same index entry instead of probed per row.

    Keyed by (place, term), without a row id of its own: on SQLite the table is the key's B-tree (`WITHOUT
    ROWID`, migration 0023), so a row is written once, in its place's order, where a row id table and a
    unique (place, term) index wrote it twice; the other indexes hold the key instead of a row id.
    """

    pk = models.CompositePrimaryKey("place", "term")
    term = models.CharField(max_length=40)
    # No index of its own: the (place, term) key leads with it (one index fewer to keep per row).
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    kind = models.CharField(max_length=30, default="")
    band = models.IntegerField(null=True)
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)

    class Meta:
        indexes = [
            # With the position on PostgreSQL (INCLUDE: not in the key, in each entry), so that a word's page
            # without a point is sorted from the index alone (migration 0026); SQLite has no INCLUDE and reads
            # the position from the table's key, in process.
            models.Index(fields=["term", "kind", "place"], include=["lat", "lon"], name="searchterm_term_kind"),
            models.Index(fields=["band", "term", "lon", "lat", "kind", "place"], name="searchterm_band_kind"),
        ]

    def __str__(self) -> str:
        return self.term


class PlaceFacet(models.Model):
    """The kind of a place, the categories (with their ancestors) and labels found there through its
    producers, with the place's position.

    A flat copy so that "places selling cheese within 30 km" is one index range per strip of latitude
    instead of four joins and a visit to every place in the area. The place's kind is on every row too,
    read from the index entry rather than probed per row.

    Keyed by (place, facet) without a row id, as SearchTerm (`WITHOUT ROWID` on SQLite, migration 0023).
    """

    pk = models.CompositePrimaryKey("place", "facet")
    # No index of its own: the (place, facet) key leads with it.
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    # "k:<place kind>" once per place, "c:<category slug>" for the category sold and each of its
    # ancestors, "l:<label slug>".
    facet = models.CharField(max_length=80)
    kind = models.CharField(max_length=30, default="")
    band = models.IntegerField(null=True)
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["facet", "band", "lon", "lat", "kind", "place"], name="placefacet_band_kind")]

    def __str__(self) -> str:
        return self.facet


class ProducerTerm(models.Model):
    """One folded word of a producer's search key (its name and commune), with the name to sort by.

    Derived from the actors by `index.producer_terms_write`, so that a text search of producers reads one
    index range in name order instead of every actor's key.
    """

    term = models.CharField(max_length=40)
    # No index of its own: the unique (actor, term) index leads with it.
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    name = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["term", "name", "actor"], name="producerterm_term_name")]
        constraints = [models.UniqueConstraint(fields=["actor", "term"], name="producerterm_unique")]

    def __str__(self) -> str:
        return self.term


class ProducerPlace(models.Model):
    """A producer shown on the map at an open place: it supplies the place or runs it.

    Derived from the places' producers and operators, rebuilt with the place's words and facets, so that
    "producers without a place of sale" is one index probe per producer instead of two joins.

    Keyed by (place, actor) without a row id, as SearchTerm (`WITHOUT ROWID` on SQLite, migration 0023): the
    key serves the lookups by place, which an index of its own served before.
    """

    pk = models.CompositePrimaryKey("place", "actor")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)

    class Meta:
        # Named here rather than by the key's db_index so that a full rebuild drops it and builds it again
        # after the load (`index.plain_indexes_deferred`): the actor index is written in random order.
        indexes = [models.Index(fields=["actor"], name="producerplace_actor")]

    def __str__(self) -> str:
        return f"{self.actor_id} @ {self.place_id}"


class MapCell(models.Model):
    """Pre-aggregated place counts per map grid cell, zoom level and kind (server-side clustering)."""

    level = models.PositiveSmallIntegerField()
    row = models.IntegerField()
    col = models.IntegerField()
    kind = models.CharField(max_length=30)
    count = models.PositiveIntegerField()
    lat_sum = models.FloatField()
    lon_sum = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["level", "row", "col"], name="mapcell_level_row_col")]
        constraints = [models.UniqueConstraint(fields=["level", "row", "col", "kind"], name="mapcell_unique")]

    def __str__(self) -> str:
        return f"{self.level}/{self.row}/{self.col} {self.kind}: {self.count}"


class Entity(models.TextChoices):
    """The directory entries people edit, suggest corrections to and claim."""

    PLACE = "place", _("place")
    ACTOR = "actor", _("organisation")


def photo_path(instance: Photo, filename: str) -> str:
    return f"photos/{timezone.now():%Y/%m}/{filename}"


class Photo(models.Model):
    """A picture of a producer or a place, re-encoded on upload (no metadata kept)."""

    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Removing a photo hides it (a revision can bring it back); the file stays.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False, place__isnull=True) | Q(actor__isnull=True, place__isnull=False),
                name="photo_one_entry",
            )
        ]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or self.image.name
