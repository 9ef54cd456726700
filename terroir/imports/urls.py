from django.urls import path

from . import mapping_views, views

app_name = "imports"
urlpatterns = [
    path("", views.imports_home, name="home"),
    path("mapping/", mapping_views.mapping_upload, name="mapping"),
    path("mapping/<str:token>/", mapping_views.mapping_columns, name="mapping-columns"),
    path("mappings/", mapping_views.mappings_list, name="mappings"),
    path("mappings/<slug:name>.toml", mapping_views.mapping_download, name="mapping-download"),
    path("uploads/<str:token>/", views.upload_preview, name="preview"),
    path("uploads/<str:token>/progress/", views.upload_progress, name="progress"),
    path("uploads/<str:token>/progress.json", views.upload_progress_json, name="progress-json"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/report.csv", views.run_report, name="run-report"),
    path("runs/<int:run_id>/merges/", views.run_merges, name="run-merges"),
    path("merges/", views.merges_list, name="merges"),
    path("merges/<int:pair_id>/split/", views.merge_split, name="split"),
    path("review/", views.review_queue, name="review"),
    path("review/decide/", views.review_batch, name="decide-batch"),
    path("review/<int:pair_id>/", views.review_decide, name="decide"),
    path("origins/<str:kind>/<int:entry_id>/", views.origins, name="origins"),
]
