"""The OpenAPI document, in YAML by default and in JSON with `?format=json` (or by Accept).

The project turns DRF's `?format=` override off (URL_FORMAT_OVERRIDE=None, so the audit export's
own `format` parameter means CSV or JSON Lines); the schema view honours it itself.
"""

from drf_spectacular.views import SpectacularAPIView

FORMATS = ("json", "yaml")


class SchemaView(SpectacularAPIView):
    def perform_content_negotiation(self, request, force=False):
        wanted = request.query_params.get("format")
        if wanted in FORMATS:
            for renderer in self.get_renderers():
                if renderer.format == wanted:
                    return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)
