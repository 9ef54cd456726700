from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.home, name="home"),
    path("places/<int:place_id>/", views.place, name="place"),
    path("producers/<int:producer_id>/", views.producer, name="producer"),
    path("widget/", views.widget, name="widget"),
]
