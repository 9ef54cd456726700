from django.contrib import admin
from django.urls import include, path

from terroir.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Sign-up, log-in, e-mail verification and password reset (allauth), then the person's own space.
    path("account/", include("allauth.urls")),
    path("account/space/", include("terroir.accounts.urls")),
    path("imports/", include("terroir.imports.urls")),
    path("needs/events/", include("terroir.meetings.urls")),
    path("needs/", include("terroir.needs.urls")),
    path("logistics/", include("terroir.logistics.urls")),
    path("", include("terroir.directory.urls")),
]
