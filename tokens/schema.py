"""OpenAPI: the Bearer token scheme, described with the token format (API.md §1)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

TOKEN_FORMAT = (
    "A programmatic user's API token, sent as `Authorization: Bearer <token>` (never in the URL). "
    "Format: `<prefix><secret><checksum>`: prefix `pgu_` (setting TOKEN_PREFIX), at least 30 "
    "base62 characters of secret, and a 6-character base62 CRC32 checksum of prefix + secret, so "
    "a mistyped or made-up token is refused without a database lookup. Every failure answers "
    '401 {"detail": "Invalid or expired token.", "code": "invalid_token"}.'
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.BearerTokenAuthentication"
    name = "BearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pgu_ token",
                "description": TOKEN_FORMAT}


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.api_reports.PartnerSignatureAuthentication"
    name = "SecretScanningSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Github-Public-Key-Signature",
            "description": "GitHub's secret-scanning alert signature: ECDSA P-256 (SHA-256) over "
                           "the raw body, DER in base64, by the key named in "
                           "`Github-Public-Key-Identifier` (one of SECRET_SCANNING_KEYS).",
        }
