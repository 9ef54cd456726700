# The language comes from the visitor's choice (set_language cookie) or browser, not from the URL.
from django.contrib import admin
from django.urls import include, path

from terroir.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("imports/", include("terroir.imports.urls")),
    path("", include("terroir.directory.urls")),
]
