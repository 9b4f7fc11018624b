"""Placeholder until the tokens issue lands: recognises no credential."""

from rest_framework.authentication import BaseAuthentication


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        return None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
