from django.contrib import admin
from django.urls import include, path

from terroir.accounts import urls as accounts_urls
from terroir.accounts import views as accounts_views
from terroir.api.api import api
from terroir.api.dfc import dfc_api
from terroir.contributions import urls as contributions_urls
from terroir.directory import urls as directory_urls

# The contribution pages keep the addresses and names they had in `accounts` and `directory`.
accounts_pages = (accounts_urls.urlpatterns + contributions_urls.account_patterns, "accounts")
directory_pages = (directory_urls.urlpatterns + contributions_urls.directory_patterns, "directory")

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/dfc/", dfc_api.urls),
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),  # the person's language too
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Sign-up, log-in, e-mail verification and password reset (allauth), then the person's own space.
    path("account/", include("allauth.urls")),
    path("account/space/", include(accounts_pages)),
    path("coordination/", include("terroir.site.urls")),
    path("imports/", include("terroir.imports.urls")),
    path("needs/events/", include("terroir.meetings.urls")),
    path("needs/", include("terroir.needs.urls")),
    path("events/", include("terroir.events.urls")),
    path("logistics/", include("terroir.logistics.urls")),
    path("supply/", include("terroir.supply.urls")),
    path("shops/", include("terroir.shops.urls")),
    path("solidarity/", include("terroir.solidarity.urls")),
    path("carpool/", include("terroir.carpool.urls")),
    path("groups/", include("terroir.groups.urls")),
    path("observatory/", include("terroir.observatory.urls")),
    path("", include(directory_pages)),
]
