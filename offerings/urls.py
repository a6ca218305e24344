from django.urls import path

from offerings import views

app_name = "offerings"

urlpatterns = [
    path("", views.home, name="home"),
    path("offerings/", views.offering_list, name="list"),
    path("offerings/<slug:slug>/", views.offering_detail, name="detail"),
]
