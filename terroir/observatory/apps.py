from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "terroir.observatory"
    verbose_name = _("Observatory")

    def ready(self) -> None:
        from terroir.directory.background import periodic_register, reaper_register

        from . import snapshots
        from .jobs import runs_reap
        from .territories import created_hook_register

        reaper_register(runs_reap)
        reaper_register(snapshots.runs_reap)
        periodic_register(snapshots.snapshots_schedule)
        created_hook_register(snapshots.snapshot_first)
