from django.urls import path

from . import editing_views, views

app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("places/<int:place_id>/", views.place, name="place"),
    path("producers/<int:producer_id>/", views.producer, name="producer"),
    path("widget/", views.widget, name="widget"),
    path("edit/<str:entity>/<int:entity_id>/", editing_views.entry_edit, name="entry_edit"),
    path("edit/actor/<int:entity_id>/products/", editing_views.products_edit, name="products_edit"),
    path("edit/<str:entity>/<int:entity_id>/photos/", editing_views.photo_upload, name="photo_upload"),
    path(
        "edit/<str:entity>/<int:entity_id>/photos/<int:photo_id>/remove/",
        editing_views.photo_remove,
        name="photo_remove",
    ),
    path("edit/<str:entity>/<int:entity_id>/verify/", editing_views.entry_verify, name="entry_verify"),
    path("history/<str:entity>/<int:entity_id>/", editing_views.history, name="history"),
    path("history/revisions/<int:revision_id>/revert/", editing_views.revision_revert, name="revision_revert"),
    path("suggest/<str:entity>/<int:entity_id>/", editing_views.suggest, name="suggest"),
    path("moderation/", editing_views.moderation, name="moderation"),
    path(
        "moderation/<int:suggestion_id>/accept/",
        editing_views.suggestion_decide,
        {"decision": "accept"},
        name="suggestion_accept",
    ),
    path(
        "moderation/<int:suggestion_id>/reject/",
        editing_views.suggestion_decide,
        {"decision": "reject"},
        name="suggestion_reject",
    ),
    path("media/<path:path>", editing_views.media, name="media"),
]
