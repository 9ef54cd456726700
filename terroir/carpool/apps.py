from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarpoolConfig(AppConfig):
    name = "terroir.carpool"
    verbose_name = _("Food carpooling")

    def ready(self) -> None:
        from terroir.contributions.personal_data import erasure_register, export_register

        from .personal_data import person_erase, person_export

        erasure_register(person_erase)
        export_register("carpool", person_export)
