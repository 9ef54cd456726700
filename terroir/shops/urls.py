from django.urls import path

from . import views

app_name = "shops"
urlpatterns = [
    path("", views.shop_list, name="list"),
    path("<int:shop_id>/", views.shop, name="shop"),
    path("<int:shop_id>/catalogue/", views.catalogue, name="catalogue"),
    path("<int:shop_id>/sellers/<int:seller_id>/", views.seller_edit, name="seller_edit"),
    path("<int:shop_id>/sellers/<int:seller_id>/delete/", views.seller_delete, name="seller_delete"),
    path("<int:shop_id>/sellers/<int:seller_id>/end/", views.seller_end, name="seller_end"),
    path("<int:shop_id>/products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("<int:shop_id>/products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("<int:shop_id>/sales/", views.sales, name="sales"),
    path("<int:shop_id>/statements/", views.statements, name="statements"),
    path("<int:shop_id>/statements/<int:seller_id>/", views.statement, name="statement"),
    path("<int:shop_id>/statements/<int:seller_id>.csv", views.statement, {"format": "csv"}, name="statement_csv"),
    path("<int:shop_id>/statements/<int:seller_id>.pdf", views.statement, {"format": "pdf"}, name="statement_pdf"),
    path("<int:shop_id>/statements/<int:seller_id>/send/", views.statement_send, name="statement_send"),
    path(
        "<int:shop_id>/statements/<int:seller_id>/corrections/<int:number>.csv",
        views.correction,
        {"format": "csv"},
        name="correction_csv",
    ),
    path(
        "<int:shop_id>/statements/<int:seller_id>/corrections/<int:number>.pdf",
        views.correction,
        {"format": "pdf"},
        name="correction_pdf",
    ),
    path("<int:shop_id>/rota/", views.rota_home, name="rota_home"),
    path("<int:shop_id>/rota/slots/<int:slot_id>/", views.slot_edit, name="slot_edit"),
    path("<int:shop_id>/rota/slots/<int:slot_id>/delete/", views.slot_delete, name="slot_delete"),
    path("<int:shop_id>/rota/members/<int:member_id>/", views.member_edit, name="member_edit"),
    path("<int:shop_id>/rota/members/<int:member_id>/delete/", views.member_delete, name="member_delete"),
    path("<int:shop_id>/rota/<int:rota_id>/", views.rota, name="rota"),
    path("<int:shop_id>/rota/<int:rota_id>/calendar.ics", views.rota_calendar, name="rota_calendar"),
    path("<int:shop_id>/rota/<int:rota_id>/shifts/<int:shift_id>/swap/", views.swap_ask, name="swap_ask"),
    path("<int:shop_id>/rota/<int:rota_id>/swaps/<int:swap_id>/", views.swap_answer, name="swap_answer"),
]
