from django.urls import path

from . import views, views_orders, views_rota

app_name = "groups"

urlpatterns: list = [
    path("", views.group_list, name="list"),
    path("<int:pk>/", views.group_page, name="group"),
]

# One-off orders, the volunteers' rota and the distribution sheet (views_orders, views_rota).
urlpatterns += [
    path("distributions/<int:distribution_id>/order/", views_orders.order, name="order"),
    path("distributions/<int:distribution_id>/order/summary/", views_orders.order_summary, name="order_summary"),
    path(
        "distributions/<int:distribution_id>/order/summary.csv",
        views_orders.order_summary,
        {"format": "csv"},
        name="order_summary_csv",
    ),
    path("distributions/<int:distribution_id>/sheet/", views_orders.distribution_sheet, name="sheet"),
    path(
        "distributions/<int:distribution_id>/sheet.pdf",
        views_orders.distribution_sheet,
        {"format": "pdf"},
        name="sheet_pdf",
    ),
    path("distributions/<int:distribution_id>/volunteers/", views_rota.volunteers_page, name="volunteers"),
    path(
        "distributions/<int:distribution_id>/volunteers/<int:task_id>/sign-up/",
        views_rota.volunteer_sign_up,
        name="volunteer_sign_up",
    ),
    path(
        "distributions/<int:distribution_id>/volunteers/shifts/<int:shift_id>/withdraw/",
        views_rota.volunteer_withdraw,
        name="volunteer_withdraw",
    ),
    path("<int:group_id>/volunteers/", views_rota.volunteers_needed, name="volunteers_needed"),
    path("volunteers/<str:token>/calendar.ics", views_rota.volunteer_calendar, name="volunteer_calendar"),
    path("orders/", views_orders.producer_orders, name="producer_orders"),
]
