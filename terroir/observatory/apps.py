from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "terroir.observatory"
    verbose_name = _("Observatory")

    def ready(self) -> None:
        from terroir.directory.background import reaper_register

        from .jobs import runs_reap

        reaper_register(runs_reap)
