"""The contribution pages keep the addresses and URL names they had in `directory` and `accounts`:
terroir/urls.py mounts `directory_patterns` in the `directory` namespace and `account_patterns` in the
`accounts` one, so that links in pages and in e-mails already sent keep working."""

from django.urls import path

from . import account_views, views

directory_patterns = [
    path("edit/<str:entity>/<int:entity_id>/", views.entry_edit, name="entry_edit"),
    path("edit/actor/<int:entity_id>/products/", views.products_edit, name="products_edit"),
    path("edit/<str:entity>/<int:entity_id>/photos/", views.photo_upload, name="photo_upload"),
    path("edit/<str:entity>/<int:entity_id>/photos/<int:photo_id>/remove/", views.photo_remove, name="photo_remove"),
    path("edit/<str:entity>/<int:entity_id>/verify/", views.entry_verify, name="entry_verify"),
    path("history/<str:entity>/<int:entity_id>/", views.history, name="history"),
    path("history/revisions/<int:revision_id>/revert/", views.revision_revert, name="revision_revert"),
    path("suggest/<str:entity>/<int:entity_id>/", views.suggest, name="suggest"),
    path("moderation/", views.moderation, name="moderation"),
    path(
        "moderation/<int:suggestion_id>/accept/",
        views.suggestion_decide,
        {"decision": "accept"},
        name="suggestion_accept",
    ),
    path(
        "moderation/<int:suggestion_id>/reject/",
        views.suggestion_decide,
        {"decision": "reject"},
        name="suggestion_reject",
    ),
]

account_patterns = [
    path("", account_views.space, name="space"),
    path("claim/<str:entity>/<int:entity_id>/", account_views.claim_start, name="claim"),
    path("claim/confirm/<str:token>/", account_views.claim_confirm, name="claim_confirm"),
    path("claims/", account_views.claims, name="claims"),
    path("claims/<int:claim_id>/decide/", account_views.claim_decide, name="claim_decide"),
    path("roles/", account_views.role_requests, name="role_requests"),
    path("roles/<int:request_id>/decide/", account_views.role_request_decide, name="role_request_decide"),
    path("data.json", account_views.data_export, name="data_export"),
    path("delete/", account_views.account_delete, name="delete"),
    path("audit/", account_views.audit_log, name="audit"),
]
