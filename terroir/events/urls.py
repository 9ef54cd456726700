from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("<int:event_id>/", views.event, name="event"),
    path("<int:event_id>/publish/", views.event_publish, name="publish"),
    path("<int:event_id>/cancel/", views.event_cancel, name="cancel"),
    path("<int:event_id>/edit/", views.event_edit, name="edit"),
    path("<int:event_id>/signup/", views.signup, name="signup"),
    path("<int:event_id>/participations/<int:participation_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:event_id>/participations/<int:participation_id>/decide/", views.decide, name="decide"),
    path("calendar.ics", views.calendar_all, name="calendar"),
    path("producers/<int:producer_id>/calendar.ics", views.calendar_producer, name="producer_calendar"),
    path("places/<int:place_id>/calendar.ics", views.calendar_place, name="place_calendar"),
    path("map.geojson", views.map_features, name="map"),
]
