from django.urls import path

from . import views

app_name = "solidarity"
urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/<int:programme_id>/", views.programme, name="programme"),
    path("programmes/<int:programme_id>.csv", views.programme, {"format": "csv"}, name="programme_csv"),
    path("programmes/<int:programme_id>.pdf", views.programme, {"format": "pdf"}, name="programme_pdf"),
    path("groceries/<int:place_id>/", views.grocery, name="grocery"),
    path("groceries/<int:place_id>.csv", views.grocery, {"format": "csv"}, name="grocery_csv"),
    path("groceries/<int:place_id>.pdf", views.grocery, {"format": "pdf"}, name="grocery_pdf"),
    path("groceries/<int:place_id>/order/<int:programme_id>/<int:producer_id>/", views.order_new, name="order_new"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("producers/<int:actor_id>/", views.producer, name="producer"),
    path("producers/<int:actor_id>.csv", views.producer, {"format": "csv"}, name="producer_csv"),
    path("producers/<int:actor_id>.pdf", views.producer, {"format": "pdf"}, name="producer_pdf"),
]
