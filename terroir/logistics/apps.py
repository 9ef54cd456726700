from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "terroir.logistics"
    verbose_name = _("Pooled logistics")

    def ready(self) -> None:
        from terroir.directory.background import reaper_register

        from .services import runs_reap
        from .studies import studies_reap

        reaper_register(runs_reap)
        reaper_register(studies_reap)
