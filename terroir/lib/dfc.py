"""DFC (Data Food Consortium) documents: enterprises and their catalogues in JSON-LD, read and written.

A DFC document is a graph of nodes that name each other by `@id` (an enterprise `supplies` products,
a catalog item `references` a product and is `offeredThrough` an offer, an address is a node of its
own). The reader resolves those links into one `Enterprise` per enterprise (or organisation, DFC
2.0's name) with its products; it reads the compact form every DFC implementation publishes
(`dfc-b:name`, `dfc-pt:apple`) and the full URIs, without fetching any context: a document names the
DFC context by URL, and nothing here goes to the network. A catalogue that has products but no
enterprise node (the Shopify bridge of Open Food Network's fixtures) has its products grouped by the
enterprise their `@id` names (`…/enterprises/<name>/supplied_products/…`).

The writer builds the documents of the platform's /api/dfc/ paths from the same dataclasses, so an
export read back gives what was written (the round trip of docs/dfc.md). Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .dfc_types import category_of, type_code
from .messages import Message, gettext_noop

BUSINESS_URI = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#"
# This platform's one property beside the DFC ontology's (prefix `terroir:` in its context).
OWN_CATEGORY = "terroir:category"
ENTERPRISE_TYPES = frozenset({"dfc-b:Enterprise", "dfc-b:Organization"})
# How deep a DFC document may nest: they are flat graphs (a node inside a node at most).
MAX_DEPTH = 32


class DfcError(ValueError):
    """A document that is not DFC JSON-LD, said as a Message (the import shows it in the reader's language)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text())
        self.message = message


@dataclass
class Product:
    id: str
    name: str = ""
    description: str = ""
    product_type: str = ""  # the DFC code ("apple"), "" when the document gives none
    # The platform's own category, which its export adds (`terroir:category`) where a DFC type is broader
    # than the category (butter and cream are a "dairy-product"): the round trip keeps it.
    own_category: str = ""

    @property
    def category(self) -> str | None:
        if self.own_category:
            return self.own_category
        return category_of(self.product_type) if self.product_type else None


@dataclass
class Enterprise:
    id: str
    name: str = ""
    description: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    order_url: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    products: list[Product] = field(default_factory=list)


# --- reading --------------------------------------------------------------------------------------


def _key(name: str) -> str:
    return "dfc-b:" + name[len(BUSINESS_URI) :] if name.startswith(BUSINESS_URI) else name


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    return {_key(k): v for k, v in node.items()}


def _types(node: dict[str, Any]) -> set[str]:
    given = node.get("@type", [])
    return {_key(t) for t in (given if isinstance(given, list) else [given]) if isinstance(t, str)}


def _ids(value: Any) -> list[str]:
    """The @ids a property names: a URI, {"@id": URI}, or a list of either."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and isinstance(item.get("@id"), str):
            found.append(item["@id"])
    return found


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value", "")
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def _number(value: Any) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if number == number else None  # NaN is no position


def _depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth)
    return depth


def _graphs(data: Any) -> Iterator[list[dict[str, Any]]]:
    """The node lists of a document: one graph, a list of documents (LiteFarm's one per enterprise), or
    a single node."""
    documents = data if isinstance(data, list) else [data]
    for document in documents:
        if not isinstance(document, dict):
            raise DfcError(Message(gettext_noop("a DFC document is a JSON object or a list of JSON objects")))
        if "@graph" in document:
            graph = document["@graph"]
            if not isinstance(graph, list):
                raise DfcError(Message(gettext_noop("@graph is not a list of nodes")))
            yield [_compact(node) for node in graph if isinstance(node, dict)]
        elif "@id" in document or "@type" in document:
            yield [_compact(document)]
        else:
            raise DfcError(Message(gettext_noop("no @graph and no @id: this is not a JSON-LD document")))


_OWNER = re.compile(r"^(.*?/enterprises/([^/]+))/", re.IGNORECASE)


def enterprises_read(data: Any) -> list[Enterprise]:
    """The enterprises of a parsed DFC document with their products, in the document's order. Products
    that no enterprise supplies are grouped under the enterprise their @id names. Raises DfcError when
    the data is no DFC JSON-LD."""
    if _depth(data) > MAX_DEPTH:
        raise DfcError(
            Message(gettext_noop("the document is nested more than %(limit)s levels deep"), {"limit": MAX_DEPTH})
        )
    nodes: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for graph in _graphs(data):
        for node in graph:
            node_id = node.get("@id")
            if isinstance(node_id, str):
                nodes.setdefault(node_id, {}).update(node)
                order.append(node_id)
            for value in node.values():  # a node written inside another
                for inner in value if isinstance(value, list) else [value]:
                    if isinstance(inner, dict) and isinstance(inner.get("@id"), str) and len(inner) > 1:
                        nodes.setdefault(inner["@id"], {}).update(_compact(inner))
    enterprises: dict[str, Enterprise] = {}
    supplied: set[str] = set()
    for node_id in dict.fromkeys(order):
        node = nodes[node_id]
        if not _types(node) & ENTERPRISE_TYPES:
            continue
        enterprise = _enterprise(node, nodes)
        supplied.update(p.id for p in enterprise.products)
        enterprises[node_id] = enterprise
    for node_id in dict.fromkeys(order):
        node = nodes[node_id]
        if "dfc-b:SuppliedProduct" not in _types(node) or node_id in supplied:
            continue
        found = _OWNER.match(node_id)
        owner_id, owner_name = (found.group(1), found.group(2)) if found else ("", "")
        if owner_id not in enterprises:
            enterprises[owner_id] = Enterprise(id=owner_id, name=owner_name)
        enterprises[owner_id].products.append(_product(node))
    if not enterprises:
        raise DfcError(Message(gettext_noop("no enterprise and no supplied product in the document")))
    return list(enterprises.values())


def _enterprise(node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> Enterprise:
    def linked(prop: str) -> list[dict[str, Any]]:
        return [nodes.get(i, {"@id": i}) for i in _ids(node.get(prop))]

    enterprise = Enterprise(
        id=str(node["@id"]),
        name=_text(node.get("dfc-b:name")),
        description=_text(node.get("dfc-b:hasDescription")),
        email=_text(node.get("dfc-b:email")),
        website=(_ids(node.get("dfc-b:websitePage")) or [""])[0],
    )
    for address in linked("dfc-b:hasAddress")[:1]:
        enterprise.street = _text(address.get("dfc-b:hasStreet"))
        enterprise.postcode = _text(address.get("dfc-b:hasPostalCode"))
        enterprise.city = _text(address.get("dfc-b:hasCity"))
        country = address.get("dfc-b:hasCountry")
        enterprise.country = (_ids(country) or [""])[0] if isinstance(country, dict) else _text(country)
        enterprise.lat = _number(address.get("dfc-b:latitude"))
        enterprise.lon = _number(address.get("dfc-b:longitude"))
    for phone in linked("dfc-b:hasPhoneNumber")[:1]:
        enterprise.phone = " ".join(
            part for part in (_text(phone.get("dfc-b:countryCode")), _text(phone.get("dfc-b:phoneNumber"))) if part
        )
    for social in linked("dfc-b:hasSocialMedia"):
        if _text(social.get("dfc-b:name")).lower() in {"shop", "boutique"}:
            enterprise.order_url = _text(social.get("dfc-b:URL"))
    products = [nodes.get(i, {"@id": i}) for i in _ids(node.get("dfc-b:supplies"))]
    for item in linked("dfc-b:manages"):  # a catalog item names its product
        products += [nodes.get(i, {"@id": i}) for i in _ids(item.get("dfc-b:references"))]
    seen: set[str] = set()
    for product in products:
        if product["@id"] not in seen:
            seen.add(product["@id"])
            enterprise.products.append(_product(product))
    return enterprise


def _product(node: dict[str, Any]) -> Product:
    given = node.get("dfc-b:hasType")
    types = _ids(given) or ([_text(given)] if _text(given) else [])
    return Product(
        id=str(node["@id"]),
        name=_text(node.get("dfc-b:name")),
        description=_text(node.get("dfc-b:description")),
        product_type=type_code(types[0]) if types else "",
        own_category=_text(node.get(OWN_CATEGORY)),
    )


# --- writing --------------------------------------------------------------------------------------


def enterprise_nodes(enterprise: Enterprise) -> list[dict[str, Any]]:
    """The nodes of one enterprise: itself, its address, its products with their catalog items and offers.
    Ids are the platform's URLs (`<enterprise>/supplied_products/<n>`, as OFN's provider names them)."""
    base = enterprise.id
    node: dict[str, Any] = {"@id": base, "@type": "dfc-b:Enterprise", "dfc-b:name": enterprise.name}
    if enterprise.description:
        node["dfc-b:hasDescription"] = enterprise.description
    if enterprise.email:
        node["dfc-b:email"] = enterprise.email
    if enterprise.website:
        node["dfc-b:websitePage"] = enterprise.website
    extra: list[dict[str, Any]] = []
    address: dict[str, Any] = {
        "dfc-b:hasStreet": enterprise.street, "dfc-b:hasPostalCode": enterprise.postcode,
        "dfc-b:hasCity": enterprise.city, "dfc-b:hasCountry": enterprise.country,
    }  # fmt: skip
    address = {k: v for k, v in address.items() if v}
    if enterprise.lat is not None and enterprise.lon is not None:
        address.update({"dfc-b:latitude": enterprise.lat, "dfc-b:longitude": enterprise.lon})
    if address:
        node["dfc-b:hasAddress"] = f"{base}#address"
        extra.append({"@id": f"{base}#address", "@type": "dfc-b:Address", **address})
    if enterprise.phone:
        node["dfc-b:hasPhoneNumber"] = f"{base}#phone"
        extra.append({"@id": f"{base}#phone", "@type": "dfc-b:PhoneNumber", "dfc-b:phoneNumber": enterprise.phone})
    if enterprise.order_url:
        node["dfc-b:hasSocialMedia"] = [f"{base}#shop"]
        extra.append(
            {
                "@id": f"{base}#shop",
                "@type": "dfc-b:SocialMedia",
                "dfc-b:name": "shop",
                "dfc-b:URL": enterprise.order_url,
            }
        )
    node["dfc-b:supplies"] = [p.id for p in enterprise.products]
    node["dfc-b:manages"] = [catalog_item_id(p) for p in enterprise.products]
    products = [n for product in enterprise.products for n in product_nodes(product, enterprise)]
    return [node, *extra, *products]


def catalog_item_id(product: Product) -> str:
    return product.id.replace("/supplied_products/", "/catalog_items/")


def offer_id(product: Product) -> str:
    return product.id.replace("/supplied_products/", "/offers/")


def product_nodes(product: Product, enterprise: Enterprise) -> list[dict[str, Any]]:
    """A supplied product, the catalog item that lists it and the offer that sells it."""
    supplied: dict[str, Any] = {"@id": product.id, "@type": "dfc-b:SuppliedProduct", "dfc-b:name": product.name}
    if product.product_type:
        supplied["dfc-b:hasType"] = f"dfc-pt:{product.product_type}"
    if product.own_category:
        supplied[OWN_CATEGORY] = product.own_category
    if product.description:
        supplied["dfc-b:description"] = product.description
    supplied["dfc-b:referencedBy"] = catalog_item_id(product)
    item = {
        "@id": catalog_item_id(product), "@type": "dfc-b:CatalogItem", "dfc-b:references": product.id,
        "dfc-b:offeredThrough": offer_id(product),
    }  # fmt: skip
    offer = {"@id": offer_id(product), "@type": "dfc-b:Offer", "dfc-b:offers": catalog_item_id(product)}
    return [supplied, item, offer]


def document(nodes: list[dict[str, Any]], context: str) -> dict[str, Any]:
    return {"@context": context, "@graph": nodes}
