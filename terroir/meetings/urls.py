"""Meeting days under /needs/events/, where they were when they belonged to the needs board: the links
sent in invitations and printed on schedules keep working."""

from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("<int:event_id>/", views.event, name="event"),
    path("join/<str:token>/", views.event_join, name="event_join"),
    path("<int:event_id>/schedule/", views.event_schedule, name="event_schedule"),
    path("<int:event_id>/schedules/", views.schedules, name="event_schedules"),
    path("<int:event_id>/calendar.ics", views.calendar, name="event_calendar"),
    path("<int:event_id>/participants/<int:participant_id>/calendar.ics", views.calendar, name="participant_calendar"),
    path("<int:event_id>/participants/<int:participant_id>/wishes/", views.wishes, name="wishes"),
]
