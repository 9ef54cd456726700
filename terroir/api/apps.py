from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "terroir.api"
    verbose_name = "API"
