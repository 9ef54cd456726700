from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "terroir.shops"
    verbose_name = _("Producers' shops")
