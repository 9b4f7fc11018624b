"""The same trivial `me` view as the product's in-process baseline (bench/views.py)."""

from rest_framework.response import Response
from rest_framework.views import APIView


class MeView(APIView):
    def get(self, request):
        user = request.user
        return Response({"id": user.pk, "username": user.username, "category": "personal",
                         "token": None})
