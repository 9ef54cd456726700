from django.urls import path

from . import views

# The person's space, claims, queues, personal data and audit log (terroir.contributions.urls) join this
# namespace in terroir/urls.py.
app_name = "accounts"
urlpatterns = [
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/<int:actor_id>/roles/", views.role_request, name="role_request"),
    path("name/", views.name, name="name"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
