"""The `X-RateLimit-*` headers on every answer to a token with a request limit (GitHub's)."""

from tokens.authentication import QUOTA_ATTRIBUTE


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        quota = getattr(request, QUOTA_ATTRIBUTE, None)
        if quota is not None:
            for name, value in quota.headers().items():
                response[name] = value
        return response
