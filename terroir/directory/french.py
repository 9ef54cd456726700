"""French elision of the words a translation glues to a name ("Historique de %(name)s" with "Albert" reads
"Historique d’Albert", never "Historique de Albert"), in the active language only. The catalogue cannot
say it (a translation has only the English text's placeholders), so the values are looked at once filled:
`lib.text.french_elided` does the writing; Python code calls `elided`; the templates' blocktranslate tag
does it itself — DirectoryConfig.ready gives Django's `i18n` library this module's tag, so that every
`{% load i18n %}` gets it without a change to the templates."""

from __future__ import annotations

from typing import Any

from django.template.base import Parser, Token, render_value_in_context
from django.templatetags import i18n
from django.utils import translation
from django.utils.safestring import SafeString

from terroir.lib.text import french_elided


def is_french() -> bool:
    return (translation.get_language() or "").startswith("fr")


def elided(text: str, *values: object) -> str:
    """`text` (translated and filled) with "de"/"du"/"le"/"la" elided before `values` when French is active:
    `elided(_("History of %(name)s") % {"name": name}, name)`."""
    return french_elided(text, [str(value) for value in values]) if is_french() else text


class FrenchBlockTranslateNode(i18n.BlockTranslateNode):
    def render(self, context: Any, nested: bool = False) -> str:
        result = super().render(context, nested)
        if not is_french():
            return result
        said = context[self.asvar] if self.asvar else result
        written = french_elided(said, self.values(context))
        if written == said:
            return result
        if self.asvar:
            context[self.asvar] = SafeString(written)
            return ""
        return SafeString(written)

    def values(self, context: Any) -> list[str]:
        """The values filled in, as the text shows them (escaped where the template escapes)."""
        names = self.render_token_list(self.singular)[1]
        if self.plural:
            names += self.render_token_list(self.plural)[1]
        with context.push({name: value.resolve(context) for name, value in self.extra_context.items()}):
            return [str(render_value_in_context(context[name], context)) for name in names if name in context]


_DJANGO_BLOCK_TRANSLATE = i18n.do_block_translate


def do_block_translate(parser: Parser, token: Token) -> FrenchBlockTranslateNode:
    node = _DJANGO_BLOCK_TRANSLATE(parser, token)
    node.__class__ = FrenchBlockTranslateNode
    return node  # type: ignore[return-value]  # the same node, rendered with the elision
