"""French elision of the words a translation glues to a name ("Historique de %(name)s" with "Albert" reads
"Historique d’Albert"), in the active language only: `lib.text.french_elided` does the writing; the
templates' `{% blocktranslate %}` does it through `templatetags/french_i18n.py`, Python code through
`elided`."""

from __future__ import annotations

from django.utils import translation

from terroir.lib.text import french_elided


def is_french() -> bool:
    return (translation.get_language() or "").startswith("fr")


def elided(text: str, *values: object) -> str:
    """`text` (translated and filled) with "de"/"du"/"le"/"la" elided before `values` when French is active:
    `elided(_("History of %(name)s") % {"name": name}, name)`."""
    return french_elided(text, [str(value) for value in values]) if is_french() else text
