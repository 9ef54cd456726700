from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.group_page, name="group"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("<int:pk>/contracts/new/", views.contract_new, name="contract_new"),
    path("distributions/<int:pk>/", views.distribution_page, name="distribution"),
    path("distributions/<int:pk>/cancel/", views.distribution_cancel, name="distribution_cancel"),
    path("distributions/<int:pk>/absence/", views.absence, name="absence"),
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
