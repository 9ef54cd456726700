"""A producer's usual delivery choices through the API (/api/v1/delivery-preferences): every role × every
operation (the cheese farm's people set theirs, a coordinator any producer's, the customer's people read
the choices that concern them and change none, anyone else finds nothing), bad input refused with a 4xx
saying why in the reader's language, and a choice made through the API taken by the next order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.services import api_token_create
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.logistics import services
from terroir.logistics.models import DeliveryOrder, DeliveryPreference, Depot, OrderKind
from terroir.logistics.tests.test_delivery_mode import WEEK

pytestmark = pytest.mark.django_db
URL = "/api/v1/delivery-preferences"


class Setting:
    """The cheese farm delivers the supermarket company itself; the honey farm sends the canteen by the
    platform. Sophie acts for the supermarket company (the customer)."""

    def __init__(self, territory: Any, people: Any) -> None:
        self.territory, self.people = territory, people
        self.supermarket = Actor.objects.get(name="SAS Supermarché des Volcans")
        self.canteen = Actor.objects.create(name="Cantine Jaude", is_buyer=True)
        self.platform = Depot.objects.create(name="Plateforme Clermont-Nord", lat=45.80, lon=3.10)
        self.own = services.preference_set(producer=territory.cheese_farm, customer=self.supermarket, mode="self")
        self.other = services.preference_set(producer=territory.honey_farm, customer=self.canteen, mode="relay",
                                             relay=self.platform)  # fmt: skip


@pytest.fixture
def setting(territory: Any, people: Any) -> Setting:
    return Setting(territory, people)


def key_of(user: Any, scope: str = "write") -> Client:
    _token, key = api_token_create(user=user, name="app", scope=scope)
    return Client(headers={"authorization": f"Bearer {key}"})


def as_who(s: Setting, who: str) -> Client:
    people = s.people
    return {
        "nobody": lambda: Client(),
        "outsider": lambda: key_of(person("paul@ailleurs.example.org")),
        "other_organisation": lambda: key_of(people.hugo),
        "customer": lambda: key_of(people.sophie),
        "own_organisation": lambda: key_of(people.claire),
        "own_read_key": lambda: key_of(people.claire, "read"),
        "coordinator": lambda: key_of(people.camille),
    }[who]()


def new_body(s: Setting) -> dict[str, Any]:
    return {"producer": s.territory.cheese_farm.pk, "customer": s.canteen.pk, "delivery_mode": "relay",
            "relay": s.platform.pk}  # fmt: skip


Url = Callable[[Setting], str]
Body = Callable[[Setting], dict[str, Any]] | None
EVERYONE = ("nobody", "outsider", "other_organisation", "customer", "own_organisation", "own_read_key", "coordinator")
MATRIX: list[tuple[str, str, Url, Body, tuple[int, ...]]] = [
    # name, method, url, body, the answer of each of EVERYONE in turn
    ("list", "get", lambda s: URL, None, (401, 200, 200, 200, 200, 200, 200)),
    ("read", "get", lambda s: f"{URL}/{s.own.pk}", None, (401, 404, 404, 200, 200, 200, 200)),
    ("create", "post", lambda s: URL, new_body, (401, 404, 404, 404, 201, 403, 201)),
    ("change", "put", lambda s: f"{URL}/{s.own.pk}", lambda s: {"delivery_mode": "carpool"},
     (401, 404, 404, 403, 200, 403, 200)),
    ("delete", "delete", lambda s: f"{URL}/{s.own.pk}", None, (401, 404, 404, 403, 204, 403, 204)),
]  # fmt: skip
CASES = [(name, method, url, body, who, status) for name, method, url, body, seen in MATRIX
         for who, status in zip(EVERYONE, seen, strict=True)]  # fmt: skip


@pytest.mark.parametrize(("name", "method", "url", "body", "who", "status"), CASES,
                         ids=[f"{c[0]}-{c[4]}" for c in CASES])  # fmt: skip
def test_the_delivery_preferences_api_s_role_matrix(
    setting: Setting, name: str, method: str, url: Url, body: Body, who: str, status: int
) -> None:
    client = as_who(setting, who)
    data = body(setting) if body else None
    if method in ("get", "delete"):
        response = getattr(client, method)(url(setting))
    else:
        response = getattr(client, method)(url(setting), data, content_type="application/json")
    assert response.status_code == status, response.content
    if status >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
    own = DeliveryPreference.objects.filter(pk=setting.own.pk).first()
    changed = status < 300 and method != "get"
    if name == "create":
        assert DeliveryPreference.objects.filter(customer=setting.canteen, producer=setting.territory.cheese_farm,
                                                 relay=setting.platform).exists() == changed  # fmt: skip
    elif name == "change":
        assert own is not None and (own.delivery_mode == "carpool") == changed
    elif name == "delete":
        assert (own is None) == changed
    assert DeliveryPreference.objects.filter(pk=setting.other.pk).exists()


def test_each_person_lists_their_producers_choices_and_those_concerning_them_as_customers(setting: Setting) -> None:
    def ids(who: str, query: str = "") -> set[int]:
        return {p["id"] for p in as_who(setting, who).get(f"{URL}{query}").json()}

    own, other = setting.own.pk, setting.other.pk
    assert (ids("outsider"), ids("own_organisation"), ids("customer")) == (set(), {own}, {own})
    assert (ids("other_organisation"), ids("coordinator")) == ({other}, {own, other})
    assert ids("coordinator", f"?producer={setting.territory.honey_farm.pk}") == {other}
    assert ids("coordinator", f"?customer={setting.supermarket.pk}") == {own}
    [seen] = as_who(setting, "customer").get(URL).json()
    assert seen | {"updated_at": None} == {
        "id": own, "producer": setting.territory.cheese_farm.pk, "producer_name": setting.territory.cheese_farm.name,
        "customer": setting.supermarket.pk, "customer_name": "SAS Supermarché des Volcans", "delivery_mode": "self",
        "delivery_mode_label": "le producteur livre lui-même", "relay": None, "relay_name": "", "updated_at": None,
    }  # fmt: skip


def test_a_choice_made_through_the_api_is_taken_by_the_next_order(setting: Setting) -> None:
    made = as_who(setting, "own_organisation").post(URL, new_body(setting), content_type="application/json")
    assert made.status_code == 201, made.content
    assert (made.json()["relay"], made.json()["relay_name"]) == (setting.platform.pk, "Plateforme Clermont-Nord")
    order = DeliveryOrder(week=WEEK, kind=OrderKind.SHIPMENT, producer=setting.territory.cheese_farm,
                          customer=setting.canteen, kg=5)  # fmt: skip
    services.order_save(order=order, usual=True)
    assert (order.delivery_mode, order.relay) == ("relay", setting.platform)
    again = as_who(setting, "own_organisation").post(URL, new_body(setting), content_type="application/json")
    assert again.status_code == 409 and f"{URL}/{made.json()['id']}" in again.json()["error"]["message"]


BAD: list[tuple[str, dict[str, Any], int, str, str, str]] = [
    # what, body changes, status, parameter, French, English
    ("an unknown mode", {"delivery_mode": "drone"}, 400, "delivery_mode", "Choisissez comment",
     "Choose how the goods travel"),
    ("a relay platform missing", {"relay": None}, 400, "relay", "Indiquez la plateforme relais",
     "Name the relay platform"),
    ("a relay platform with another mode", {"delivery_mode": "self"}, 400, "relay", "ne s’indique que",
     "A relay platform is named only"),
    ("an unknown relay platform", {"relay": 99_999}, 400, "relay", "Aucune plateforme relais",
     "No relay platform has this id"),
    ("an unknown customer", {"customer": 99_999}, 400, "customer", "Aucun client", "No customer of the directory"),
    ("another producer", {"producer": "honey"}, 404, "producer", "Aucun producteur", "No producer of yours"),
    ("a field the API does not know", {"mode": "self"}, 400, "mode", "", ""),
]  # fmt: skip


@pytest.mark.parametrize(("what", "changes", "status", "parameter", "french", "english"), BAD,
                         ids=[b[0] for b in BAD])  # fmt: skip
def test_bad_input_is_refused_saying_why_in_the_reader_s_language(
    setting: Setting, what: str, changes: dict[str, Any], status: int, parameter: str, french: str, english: str
) -> None:
    body = new_body(setting) | changes
    if body["producer"] == "honey":
        body["producer"] = setting.territory.honey_farm.pk
    client = as_who(setting, "own_organisation")
    for language, said in (("fr", french), ("en", english)):
        refused = client.post(URL, body, content_type="application/json", headers={"accept-language": language})
        assert refused.status_code == status, refused.content
        assert refused.json()["error"]["parameter"] == parameter
        assert said in refused.json()["error"]["message"], (language, refused.json())
    assert not DeliveryPreference.objects.filter(customer=setting.canteen, producer=setting.territory.cheese_farm)
    change = client.put(f"{URL}/{setting.own.pk}", {"delivery_mode": "relay"}, content_type="application/json")
    assert change.status_code == 400 and change.json()["error"]["parameter"] == "relay"
    assert DeliveryPreference.objects.get(pk=setting.own.pk).delivery_mode == "self"


def test_the_delivery_preferences_operations_are_in_the_openapi_document(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    paths = {path for path in doc["paths"] if path.startswith(URL)}
    assert paths == {URL, f"{URL}/{{preference_id}}"}
    assert doc["paths"][URL]["post"]["tags"] == ["delivery preferences"]
    modes = doc["components"]["schemas"]["DeliveryPreferenceIn"]["properties"]["delivery_mode"]
    assert modes["enum"] == ["pooled", "self", "relay", "carpool"]
