from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "terroir.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # The directory's pages show the coming events through its extensions, without naming this app.
        from terroir.directory.extensions import map_layer_register, section_register

        from . import sections
        from .views import map_layer

        map_layer_register(map_layer)
        section_register("producer", sections.producer_section)
        section_register("place", sections.place_section)
        section_register("search", sections.search_section)
