"""The API's renderers: JSON, and DRF's browsable API for session users in a browser."""

from csp.constants import SELF, UNSAFE_INLINE
from rest_framework import renderers

# The browsable API's templates style elements inline (and add Pygments' code style as a
# <style> element): on its pages alone the Content-Security-Policy allows inline style. Scripts
# stay 'self' there as everywhere; the admin and the API docs need no exception at all.
BROWSABLE_API_POLICY = {"style-src": [SELF, UNSAFE_INLINE]}


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = BROWSABLE_API_POLICY  # what django-csp's @csp_update sets
        return super().render(data, accepted_media_type, renderer_context)
