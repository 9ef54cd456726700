"""OpenStreetMap in both shapes met in practice: an Overpass answer (`{"type": "node", "id": 1, "lat": …,
"tags": {…}}`, ways with a `center`) and GeoJSON (farmshops.eu, overpass-turbo exports: the tags are the
feature's properties, its id "node/1"). Both become the tags themselves, so that the mapping names the
OpenStreetMap keys (`amenity`, `vending`) and problems name them too, plus `id` ("node/1"), `lat` and
`lon` (no OpenStreetMap key has these names)."""

from __future__ import annotations

from typing import Any


def prepare(values: dict[str, Any]) -> dict[str, Any]:
    tags = values.get("tags")
    if isinstance(tags, dict):  # Overpass
        prepared = {str(k): v for k, v in tags.items()}
        center = values.get("center")
        center = center if isinstance(center, dict) else {}
        prepared["lat"] = values.get("lat", center.get("lat"))
        prepared["lon"] = values.get("lon", center.get("lon"))
        prepared["id"] = f"{values.get('type', 'node')}/{values.get('id', '')}"
        return prepared
    prepared = {k: v for k, v in values.items() if k != "geometry"}
    geometry = values.get("geometry")
    geometry = geometry if isinstance(geometry, dict) else {}
    coordinates = geometry.get("coordinates")
    if isinstance(coordinates, list) and len(coordinates) >= 2 and geometry.get("type") == "Point":
        prepared["lon"], prepared["lat"] = coordinates[0], coordinates[1]
    prepared["id"] = str(values.get("id", ""))
    return prepared
