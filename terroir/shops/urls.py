from django.urls import path

from . import views

app_name = "shops"
urlpatterns = [
    path("", views.shop_list, name="list"),
    path("<int:shop_id>/", views.shop, name="shop"),
    path("<int:shop_id>/catalogue/", views.catalogue, name="catalogue"),
    path("<int:shop_id>/sales/", views.sales, name="sales"),
    path("<int:shop_id>/statements/", views.statements, name="statements"),
    path("<int:shop_id>/statements/<int:seller_id>/", views.statement, name="statement"),
    path("<int:shop_id>/statements/<int:seller_id>.csv", views.statement, {"format": "csv"}, name="statement_csv"),
    path("<int:shop_id>/statements/<int:seller_id>.pdf", views.statement, {"format": "pdf"}, name="statement_pdf"),
    path("<int:shop_id>/rota/", views.rota_home, name="rota_home"),
    path("<int:shop_id>/rota/<int:rota_id>/", views.rota, name="rota"),
    path("<int:shop_id>/rota/<int:rota_id>/calendar.ics", views.rota_calendar, name="rota_calendar"),
    path("<int:shop_id>/rota/<int:rota_id>/shifts/<int:shift_id>/swap/", views.swap_ask, name="swap_ask"),
    path("<int:shop_id>/rota/<int:rota_id>/swaps/<int:swap_id>/", views.swap_answer, name="swap_answer"),
]
