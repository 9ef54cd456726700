from django.urls import path

from . import preference_views, relay_views, views

app_name = "logistics"
urlpatterns = [
    path("", views.planner, name="planner"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/import/", views.orders_import, name="orders_import"),
    path("orders/<int:order_id>/", views.order_new, name="order_edit"),
    path("orders/<int:order_id>/delete/", views.order_delete, name="order_delete"),
    path("fleet/", views.fleet, name="fleet"),
    path("depots/new/", views.depot_edit, name="depot_new"),
    path("depots/<int:depot_id>/", views.depot_edit, name="depot_edit"),
    path("vehicles/new/", views.vehicle_edit, name="vehicle_new"),
    path("vehicles/<int:vehicle_id>/", views.vehicle_edit, name="vehicle_edit"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("runs/<int:run_id>/state.json", views.run_state, name="run_state"),
    path("runs/<int:run_id>/sheets/", views.sheets, name="sheets"),
    path("runs/<int:run_id>/notes/", views.notes, name="notes"),
    path("runs/<int:run_id>/rounds.csv", views.export_csv, name="csv"),
    path("runs/<int:run_id>/rounds.geojson", views.export_geojson, name="geojson"),
    path("preferences/", preference_views.preferences, name="preferences"),
    path("preferences/<int:producer_id>/", preference_views.preferences, name="preferences_of"),
    path("preferences/<int:producer_id>/add/", preference_views.preference_add, name="preference_add"),
    path("relays/", relay_views.relays, name="relays"),
    path("relays/new/", relay_views.candidate_edit, name="candidate_new"),
    path("relays/<int:candidate_id>/", relay_views.candidate_edit, name="candidate_edit"),
    path("relays/<int:candidate_id>/delete/", relay_views.candidate_delete, name="candidate_delete"),
    path("studies/<int:study_id>/", relay_views.study, name="study"),
    path("studies/<int:study_id>/state.json", relay_views.study_state, name="study_state"),
]
