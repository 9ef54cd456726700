from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "terroir.groups"
    verbose_name = _("Consumer groups and AMAP")
