from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "terroir.supply"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from terroir.directory.background import periodic_register
        from terroir.logistics.followers import follower_register

        from .carpool import FOLLOWER
        from .tasks import agreements_schedule

        periodic_register(agreements_schedule)
        follower_register(FOLLOWER)
