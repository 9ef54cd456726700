"""What upper apps add to the directory's pages, without the directory naming them: a layer of the search
map (the coming events), a section of a producer's, a place's or the search page ("where to find me
soon"). The apps register here when they load (their `AppConfig.ready`), as the geocoder registers in
`geocoding.py`; the directory's views and templates ask here. With nothing registered, the pages are the
directory's alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# What map.js needs to draw a layer of points beside the places: {"key": a short name, "url": GeoJSON
# asked with `bbox=west,south,east,north`, "label": the legend's words for its switch, "details": the
# popup's link's words}. A callable, so that the words are said in the reader's language.
MapLayer = Callable[[], dict[str, str]]

Page = Literal["producer", "place", "search"]
# A section of a page: the entry shown (an Actor on a producer's page, a Place on a place's, None on the
# search page) -> HTML, escaped by its maker (rendered from a template).
Section = Callable[[Any], str]

_map_layers: list[MapLayer] = []
_sections: dict[str, list[Section]] = {"producer": [], "place": [], "search": []}


def map_layer_register(layer: MapLayer) -> None:
    if layer not in _map_layers:
        _map_layers.append(layer)


def map_layers() -> list[dict[str, str]]:
    return [layer() for layer in _map_layers]


def section_register(page: Page, section: Section) -> None:
    if section not in _sections[page]:
        _sections[page].append(section)


def sections_render(page: Page, entry: Any = None) -> SafeString:
    """The registered sections of `page`, one after the other (each escaped once more unless it is
    already safe HTML: a section returning plain text shows as text)."""
    return mark_safe("".join(str(conditional_escape(section(entry))) for section in _sections[page]))
