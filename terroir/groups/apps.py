from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "terroir.groups"
    verbose_name = _("Consumer groups and AMAP")

    def ready(self) -> None:
        from terroir.directory.services import deletion_guard_register

        from .guards import directory_deletion_refusals

        deletion_guard_register(directory_deletion_refusals)
