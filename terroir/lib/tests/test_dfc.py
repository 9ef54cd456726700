"""The DFC JSON-LD reader and writer (terroir.lib.dfc) on the shapes met in practice and on bad input."""

from __future__ import annotations

import pytest

from terroir.lib import dfc
from terroir.lib.dfc_types import TYPES_URI


def test_nodes_are_linked_by_id_whether_written_as_a_uri_an_object_or_inline() -> None:
    document = {
        "@context": "https://www.datafoodconsortium.org",
        "@graph": [
            {
                "@id": "https://x.example/enterprises/1", "@type": "dfc-b:Enterprise", "dfc-b:name": "Ferme",
                "dfc-b:hasAddress": {"@id": "https://x.example/enterprises/1#a", "@type": "dfc-b:Address",
                                     "dfc-b:hasCity": "Ambert", "dfc-b:latitude": "45.55"},
                "dfc-b:supplies": [{"@id": "https://x.example/p/1"}, "https://x.example/p/2"],
            },
            {"@id": "https://x.example/p/1", "@type": "dfc-b:SuppliedProduct", "dfc-b:hasType": "dfc-pt:egg"},
            {"@id": "https://x.example/p/2", "@type": dfc.BUSINESS_URI + "SuppliedProduct",
             dfc.BUSINESS_URI + "hasType": {"@id": TYPES_URI + "honey"}},
        ],
    }  # fmt: skip
    (farm,) = dfc.enterprises_read(document)
    assert (farm.name, farm.city, farm.lat) == ("Ferme", "Ambert", 45.55)
    assert [(p.product_type, p.category) for p in farm.products] == [("egg", "eggs"), ("honey", "honey")]


def test_an_export_read_back_is_the_same_enterprise() -> None:
    farm = dfc.Enterprise(
        id="https://t.example/api/dfc/enterprises/7", name="GAEC", description="Fourme", email="a@b.fr",
        phone="+33473000000", website="https://gaec.fr", order_url="https://cagette.net/gaec", city="Ambert",
        country="http://publications.europa.eu/resource/authority/country/FRA", lat=45.5, lon=3.7,
        products=[dfc.Product(id="https://t.example/api/dfc/enterprises/7/supplied_products/3", name="Beurre",
                              product_type="dairy-product", own_category="butter-cream")],
    )  # fmt: skip
    assert dfc.enterprises_read(dfc.document(dfc.enterprise_nodes(farm), "ctx")) == [farm]


@pytest.mark.parametrize(
    "data",
    ["text", 3, [1], {"no": "graph"}, {"@graph": "x"}, {"@graph": [{"@id": "p", "@type": "dfc-b:Person"}]}],
)
def test_what_is_not_a_dfc_document_is_refused_with_a_message(data: object) -> None:
    with pytest.raises(dfc.DfcError) as refused:
        dfc.enterprises_read(data)
    assert refused.value.message.template


def test_a_document_nested_too_deep_is_refused() -> None:
    deep: object = {"@id": "x"}
    for _ in range(dfc.MAX_DEPTH + 2):
        deep = {"@id": "x", "dfc-b:name": [deep]}
    with pytest.raises(dfc.DfcError, match="nested"):
        dfc.enterprises_read(deep)
