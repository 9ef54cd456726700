"""Finding the records that describe the same producer or place: what the linkage compares.

Records are standardised first (the linkage engine compares columns, not free text): names without
legal forms, case, accents and filler words; SIREN from SIRET; phones in E.164; web sites reduced to
their domain. The probabilistic linkage itself (Splink on DuckDB) builds on these columns.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from terroir.lib.text import fold

# Legal forms and company words that say nothing about which farm it is.
_LEGAL_WORDS = frozenset(
    ("gaec", "earl", "scea", "sarl", "sas", "sasu", "eurl", "sca", "scop", "scic", "sa", "sci", "ei", "eirl",
     "ste", "societe", "exploitation", "agricole", "groupement")
)  # fmt: skip
_FILLER = frozenset(
    ("de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "sous", "chez")
)


def name_normalised(name: str) -> str:
    """ "GAEC des Monts du Forez" and "Monts-du-Forez (EARL)" -> "monts forez"."""
    words = [w for w in fold(name).split() if w not in _LEGAL_WORDS and w not in _FILLER]
    return " ".join(words)


def website_domain(url: str) -> str:
    """ "https://www.ferme-du-pre.fr/produits" -> "ferme-du-pre.fr"; social network pages keep their path,
    as the domain alone would join every farm on Facebook."""
    if not url:
        return ""
    parsed = urlparse(url if "://" in url else f"https://{url}")
    host = (parsed.hostname or "").removeprefix("www.")
    if host in {"facebook.com", "instagram.com", "linkedin.com", "twitter.com", "x.com"}:
        path = parsed.path.strip("/").split("/")[0].lower()
        return f"{host}/{path}" if path else ""
    return host


def linkage_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The columns the linkage compares, from a SourceRecord's normalised `data`."""
    siret = data.get("siret") or ""
    email = (data.get("email") or "").lower()
    return {
        "name": name_normalised(data.get("name") or ""),
        "name_tokens": sorted(set(name_normalised(data.get("name") or "").split())),
        "siren": siret[:9] if siret else "",
        "siret": siret,
        "phone": data.get("phone") or "",
        "email": email,
        "email_domain": email.rsplit("@", 1)[-1] if "@" in email else "",
        "website": website_domain(data.get("website") or ""),
        "postcode": data.get("postcode") or "",
        "commune_code": data.get("commune_code") or "",
        "lat": data.get("lat"),
        "lon": data.get("lon"),
        # Commune-level positions say little about where the farm is.
        "position_precise": (data.get("precision") or "given") != "commune",
        "kind": data.get("kind") or "",
        "record_type": data.get("record_type") or "",
    }
