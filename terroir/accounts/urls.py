from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.space, name="space"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("claim/<str:entity>/<int:entity_id>/", views.claim_start, name="claim"),
    path("claim/confirm/<str:token>/", views.claim_confirm, name="claim_confirm"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:claim_id>/decide/", views.claim_decide, name="claim_decide"),
    path("organisations/<int:actor_id>/roles/", views.role_request, name="role_request"),
    path("roles/", views.role_requests, name="role_requests"),
    path("roles/<int:request_id>/decide/", views.role_request_decide, name="role_request_decide"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("data.json", views.data_export, name="data_export"),
    path("delete/", views.account_delete, name="delete"),
    path("audit/", views.audit_log, name="audit"),
]
