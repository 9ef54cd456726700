"""The OpenAPI document names each schema by its class name (django-ninja): two routers' classes of one
name make one component, and whichever is read last describes the other route's answers wrongly (a shops
`ProductOut` once replaced the places' one; `ChannelsOut`, `ReachOut` and `BeyondOut` of the observatory's
routers did the same). No two different schemas of the API may share a name, and every component of the
document is the class of its name."""

from __future__ import annotations

from collections import defaultdict
from importlib import import_module
from typing import Any

from django.test import Client
from ninja import Schema


def schemas_declared() -> dict[str, set[type[Schema]]]:
    """Every Schema class of the project that the API has loaded (its routers, the directory's filters, an
    app's own API module), by name."""
    import_module("terroir.api.api")  # the API with all its routers
    found: dict[str, set[type[Schema]]] = defaultdict(set)
    waiting: list[type[Schema]] = [Schema]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            waiting.append(subclass)
            if subclass.__module__.startswith("terroir.") and ".tests" not in subclass.__module__:
                found[subclass.__name__].add(subclass)
    return found


def test_no_two_different_schemas_of_the_api_share_a_name() -> None:
    declared = schemas_declared()
    assert len(declared) > 20
    shared = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
              for name, classes in declared.items() if len(classes) > 1}  # fmt: skip
    assert shared == {}


def test_every_component_of_the_document_is_the_schema_of_its_name(db: Any) -> None:
    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    checked = 0
    for name, classes in schemas_declared().items():
        if name not in components or len(classes) != 1:
            continue
        (schema,) = classes
        fields = {field.alias or key for key, field in schema.model_fields.items()}
        assert set(components[name].get("properties", {})) == fields, name
        checked += 1
    assert checked > 20
