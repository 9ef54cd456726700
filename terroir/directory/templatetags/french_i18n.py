"""Django's `i18n` library with a `{% blocktranslate %}` that elides French "de", "du", "le" and "la" before
the values it fills in: "{% blocktranslate %}History of {{ name }}{% endblocktranslate %}" with "Albert"
reads "Historique d’Albert" in French, never "Historique de Albert". The catalogue cannot say it (a
translation has only the English text's placeholders), so the values are looked at once filled.

Settings' TEMPLATES map `{% load i18n %}` to this module: every template gets it without a change."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Parser, Token
from django.templatetags import i18n
from django.utils.safestring import SafeString

from terroir.directory.french import is_french
from terroir.lib.text import french_elided

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class FrenchBlockTranslateNode(i18n.BlockTranslateNode):
    def render(self, context: Any, nested: bool = False) -> str:
        result = super().render(context, nested)
        if not is_french():
            return result
        said = context[self.asvar] if self.asvar else result
        elided = french_elided(said, self.values(context))
        if elided == said:
            return result
        if self.asvar:
            context[self.asvar] = SafeString(elided)
            return ""
        return SafeString(elided)

    def values(self, context: Any) -> list[str]:
        """The values filled in, as the text shows them (escaped where the template escapes)."""
        names = self.render_token_list(self.singular)[1]
        if self.plural:
            names += self.render_token_list(self.plural)[1]
        with context.push({name: value.resolve(context) for name, value in self.extra_context.items()}):
            return [str(i18n.render_value_in_context(context[name], context)) for name in names if name in context]


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser: Parser, token: Token) -> FrenchBlockTranslateNode:
    node = i18n.do_block_translate(parser, token)
    node.__class__ = FrenchBlockTranslateNode
    return node  # type: ignore[return-value]
