from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "terroir.shops"
    verbose_name = _("Producers' shops")

    def ready(self) -> None:
        from terroir.directory.background import reaper_register
        from terroir.directory.references import merge_guard_register
        from terroir.directory.services import deletion_guard_register

        from .services import directory_deletion_refusals, directory_merge_refusals
        from .tasks import rotas_reap

        reaper_register(rotas_reap)
        deletion_guard_register(directory_deletion_refusals)
        merge_guard_register(directory_merge_refusals)
