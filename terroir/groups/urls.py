from django.urls import path

from . import views, views_orders, views_rota

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.group_page, name="group"),
    path("<int:pk>/calendar.ics", views.group_calendar, name="calendar"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("<int:pk>/contracts/new/", views.contract_new, name="contract_new"),
    path("distributions/<int:pk>/", views.distribution_page, name="distribution"),
    path("distributions/<int:pk>/cancel/", views.distribution_cancel, name="distribution_cancel"),
    path("distributions/<int:pk>/absence/", views.absence, name="absence"),
    path("distributions/<int:pk>/absences/", views.member_absence, name="member_absence"),
    path("contracts/<int:pk>/", views.contract_page, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/state/", views.contract_state, name="contract_state"),
    path("contracts/<int:pk>/skip/", views.contract_skip, name="contract_skip"),
    path("contracts/<int:pk>/subscribe/", views.subscribe, name="subscribe"),
    path("contracts/<int:pk>/subscriptions/", views.contract_subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/", views.subscription_page, name="subscription"),
    path("subscriptions/<int:pk>/cancel/", views.subscription_cancel, name="subscription_cancel"),
    path("producers/<int:pk>/quantities/", views.producer_quantities, name="quantities"),
    path("producers/<int:pk>/quantities.csv", views.producer_quantities_csv, name="quantities_csv"),
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
