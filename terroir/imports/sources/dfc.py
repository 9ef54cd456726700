"""DFC (Data Food Consortium) catalogues and enterprise lists: Open Food Network, Cagette, LiteFarm,
and this platform's own /api/dfc/ export. The reader (`format = "dfc"`, terroir.lib.dfc) gives one row
per enterprise with its products; here each product becomes a category through the DFC product-type
table (terroir.lib.dfc_types). A product whose type the table has no category for, or that has no type
at all (the Shopify bridge's products), is given as a word the mapping does not know, so that the
preview reports it ("unknown category") and the producer is imported all the same: said, not dropped.
"""

from __future__ import annotations

from typing import Any

from terroir.lib.dfc_types import category_of


def product_word(product: dict[str, Any]) -> str:
    """The category slug of a product, else what the document says of it."""
    if product.get("own_category"):  # a Terroir export's own category, finer than the DFC type
        return str(product["own_category"])
    product_type = str(product.get("product_type") or "")
    category = category_of(product_type) if product_type else None
    if category:
        return category
    if product_type:
        return f"dfc-pt:{product_type}"
    return str(product.get("name") or product.get("id") or "?")


# How DFC documents name France (the EU's country authority table, or the ISO codes).
FRANCE = ("/country/FRA", "FRA", "FR", "France")


def prepare(values: dict[str, Any]) -> dict[str, Any]:
    prepared = dict(values)
    products = [p for p in values.get("products") or [] if isinstance(p, dict)]
    prepared["categories"] = "|".join(dict.fromkeys(product_word(p) for p in products))
    country = str(values.get("country") or "")
    if country and not country.endswith(FRANCE):
        # No commune of the directory is abroad: the address is kept as text, the producer unplaced.
        where = ", ".join(str(values.get(k) or "") for k in ("street", "postcode", "city") if values.get(k))
        tail = country.rsplit("/", 1)[-1]
        prepared["description"] = " ".join(p for p in (str(values.get("description") or ""), f"({where}, {tail})") if p)
        for key in ("street", "postcode", "city", "lat", "lon"):
            prepared[key] = None
    prepared["productNames"] = " ; ".join(str(p.get("name") or "") for p in products)
    return prepared
