from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "terroir.imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from terroir.directory.background import reaper_register
        from terroir.directory.geocoding import locator_register

        from .geocode import address_point
        from .jobs import runs_reap

        reaper_register(runs_reap)
        locator_register(address_point)
