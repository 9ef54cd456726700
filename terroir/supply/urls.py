from django.urls import path

from . import views

app_name = "supply"
urlpatterns = [
    path("", views.agreements, name="agreements"),
    path("answers/<int:answer_id>/accept/", views.accept, name="accept"),
    path("agreements/<int:agreement_id>/", views.agreement, name="agreement"),
    path("agreements/<int:agreement_id>/change/", views.change, name="change"),
    path("agreements/<int:agreement_id>/cancel/", views.cancel, name="cancel"),
    path("agreements/<int:agreement_id>/schedule/", views.reschedule, name="reschedule"),
    path("orders/<int:order_id>/parcel/", views.order_parcel, name="order_parcel"),
]
