from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "terroir.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from terroir.directory.extensions import map_layer_register

        from .views import map_layer

        map_layer_register(map_layer)
