from django.urls import path

from . import views

app_name = "carpool"
urlpatterns = [
    path("", views.home, name="home"),
    path("trips/new/", views.trip_new, name="trip_new"),
    path("trips/<int:trip_id>/", views.trip, name="trip"),
    path("trips/<int:trip_id>/cancel/", views.trip_cancel, name="trip_cancel"),
    path("parcels/new/", views.parcel_new, name="parcel_new"),
    path("parcels/<int:parcel_id>/", views.parcel, name="parcel"),
    path("parcels/<int:parcel_id>/note/", views.parcel_note, name="note"),
    path("parcels/<int:parcel_id>/cancel/", views.parcel_cancel, name="parcel_cancel"),
    path("parcels/<int:parcel_id>/handover/", views.handover, name="handover"),
    path("parcels/<int:parcel_id>/incident/", views.incident, name="incident"),
    path("rides/<int:ride_id>/confirm/", views.ride_confirm, name="ride_confirm"),
    path("rides/<int:ride_id>/decline/", views.ride_decline, name="ride_decline"),
    path("handovers/<int:handover_id>/accept/", views.accept, name="accept"),
    path("handovers/<int:handover_id>/code/", views.accept_with_code, name="accept_code"),
    path("handovers/<int:handover_id>/code/resend/", views.code_resend, name="code_resend"),
    path("handovers/<int:handover_id>/photo/", views.handover_photo, name="photo"),
    path("eligibility/", views.eligibility_table, name="eligibility"),
]
