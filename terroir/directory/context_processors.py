from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def territory(request: HttpRequest) -> dict[str, Any]:
    return {
        "territory_name": settings.TERROIR_TERRITORY_NAME,
        "local_radius_km": settings.TERROIR_LOCAL_RADIUS_KM,
        "tile_url": settings.TERROIR_TILE_URL,
        "tile_attribution": settings.TERROIR_TILE_ATTRIBUTION,
    }
