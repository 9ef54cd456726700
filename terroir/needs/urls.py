from django.urls import path

from . import views
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
    path("answers/<int:answer_id>/members/", views.members, name="members"),
    path("shares/<int:share_id>/confirm/", views.share_confirm, name="share_confirm"),
]
