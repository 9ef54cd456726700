from django.urls import path

from . import pages, views

app_name = "observatory"

urlpatterns = [
    path("", views.territories, name="territories"),
    path("canteens/import/", views.canteens_import, name="canteens_import"),
    path("canteens/imports/<int:run_id>/", views.canteens_run, name="canteens_run"),
    path("producers/<int:actor_id>/isolation/", pages.producer_flag, name="producer_flag"),
    path("<slug:slug>/", views.territory, name="territory"),
    path("<slug:slug>/canteens/below-target/", views.canteens_below, name="canteens_below"),
    path("<slug:slug>/coordination/", pages.coordination, name="coordination"),
    path("<slug:slug>/objectives/new/", pages.objective_new, name="objective_new"),
    path("<slug:slug>/objectives/<int:objective_id>/", pages.objective_edit, name="objective_edit"),
    path("<slug:slug>/snapshots/", pages.snapshot_ask, name="snapshot_ask"),
    path("<slug:slug>/snapshots/<int:run_id>/", pages.snapshot_run, name="snapshot_run"),
    path("<slug:slug>/report/", pages.report, name="report"),
    path("<slug:slug>/communes/<str:code>/", pages.commune, name="commune"),
]
