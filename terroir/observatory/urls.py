from django.urls import path

from . import views

app_name = "observatory"

urlpatterns = [
    path("", views.territories, name="territories"),
    path("canteens/import/", views.canteens_import, name="canteens_import"),
    path("canteens/imports/<int:run_id>/", views.canteens_run, name="canteens_run"),
    path("<slug:slug>/", views.territory, name="territory"),
]
