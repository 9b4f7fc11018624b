from django.urls import path

from bench.views import BaselineMeView
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/drf/me/", BaselineMeView.as_view()),
    *product_urlpatterns,
]
