from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "terroir.directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        # {% blocktranslate %} elides French "de" before the names it fills in ("Historique d’Albert"): Django's
        # i18n library takes the tag of french.py, so that every `{% load i18n %}` has it.
        # (Mapping the library's name in TEMPLATES instead makes the deployment check warn, templates.W003.)
        from django.templatetags import i18n

        from .french import do_block_translate

        i18n.register.tag("blocktranslate", do_block_translate)
        i18n.register.tag("blocktrans", do_block_translate)

        # `field__in_ids=[…]`, the bulk writers' lists of ids (lookups.py).
        from .lookups import register

        register()
