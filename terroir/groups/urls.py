from django.urls import path

from . import views

app_name = "groups"

urlpatterns: list = [
    path("", views.group_list, name="list"),
    path("<int:pk>/", views.group_page, name="group"),
]
