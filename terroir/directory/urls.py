from django.urls import path

from . import views

# The editing, history, suggestion and moderation pages (terroir.contributions.urls) join this namespace
# in terroir/urls.py.
app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("places/<int:place_id>/", views.place, name="place"),
    path("producers/<int:producer_id>/", views.producer, name="producer"),
    path("widget/", views.widget, name="widget"),
    path("media/<path:path>", views.media, name="media"),
]
