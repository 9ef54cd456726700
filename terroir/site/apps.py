from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the layers: what needs every app at once (the demo territory, each app loading its part).
    It may import any app; no app imports it."""

    name = "terroir.site"
    verbose_name = "Site"
