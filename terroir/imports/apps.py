from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "terroir.imports"
    verbose_name = "Imports"
