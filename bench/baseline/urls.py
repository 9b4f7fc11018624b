from django.http import HttpResponse
from django.urls import path

from bench.baseline.views import MeView


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("me/", MeView.as_view()),
    path("healthz", healthz),
]
