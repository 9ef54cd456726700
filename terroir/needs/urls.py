from django.urls import path

from . import event_views, views
from .feeds import NeedsFeed

app_name = "needs"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.need_new, name="need_new"),
    path("feed.atom", NeedsFeed(), name="feed"),
    path("inbox/", views.inbox, name="inbox"),
    path("alerts/", views.alerts, name="alerts"),
    path("<int:need_id>/", views.need, name="need"),
    path("<int:need_id>/edit/", views.need_edit, name="need_edit"),
    path("<int:need_id>/publish/", views.need_publish, name="need_publish"),
    path("<int:need_id>/close/", views.need_close, name="need_close"),
    path("<int:need_id>/answer/", views.answer, name="answer"),
    path("answers/<int:answer_id>/shortlist/", views.shortlist, name="shortlist"),
    path("answers/<int:answer_id>/messages/", views.conversation, name="conversation"),
    path("events/", event_views.event_list, name="events"),
    path("events/<int:event_id>/", event_views.event, name="event"),
    path("events/join/<str:token>/", event_views.event_join, name="event_join"),
    path("events/<int:event_id>/schedule/", event_views.event_schedule, name="event_schedule"),
    path("events/<int:event_id>/schedules/", event_views.schedules, name="event_schedules"),
    path("events/<int:event_id>/calendar.ics", event_views.calendar, name="event_calendar"),
    path(
        "events/<int:event_id>/participants/<int:participant_id>/calendar.ics",
        event_views.calendar,
        name="participant_calendar",
    ),
    path("events/<int:event_id>/participants/<int:participant_id>/wishes/", event_views.wishes, name="wishes"),
]
