"""Where one address is, for a person at a form (a buyer's new delivery place): the directory asks, the
geocoder module (terroir.imports.geocode: the service, its cache, its settings) answers. It registers
itself when the apps load (`locator_register`), as apps register their reapers, so that a page of any
layer places an address without importing the imports app; with no geocoder registered or configured
the answer is None and the caller falls back to the commune's centre."""

from __future__ import annotations

from collections.abc import Callable

# (address, postcode, commune name) -> (lat, lon), or None when unknown or unsure.
Locator = Callable[[str, str, str], "tuple[float, float] | None"]

_locators: list[Locator] = []


def locator_register(locator: Locator) -> None:
    if locator not in _locators:
        _locators.append(locator)


def address_locate(*, address: str, postcode: str = "", commune: str = "") -> tuple[float, float] | None:
    """The position of a street address, or None (no street address, no geocoder, no sure answer)."""
    if not address.strip():
        return None  # a commune alone is placed at its centre by the caller, without asking a service
    for locator in _locators:
        found = locator(address.strip(), postcode.strip(), commune.strip())
        if found is not None:
            return found
    return None
