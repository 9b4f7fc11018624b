"""OpenAPI post-processing: the error answers of API.md §2 on every operation."""

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "DRF's field errors: each field (or `non_field_errors`) with its messages.",
    "additionalProperties": {},
}
WRITES = {"post", "put", "patch", "delete"}
DESCRIPTIONS = {
    "400": "Malformed JSON, invalid fields, or an id that is not one (each named).",
    "401": 'Authentication failed: {"detail": "Invalid or expired token.", '
           '"code": "invalid_token"} (or credentials not provided).',
    "403": "Authenticated, but the action is not allowed (or the token is read-only).",
    "404": "No such object, or the caller may not view it (the two are indistinguishable); "
           "on a list, an invalid cursor.",
    "409": "The token's state does not allow this (revoked, expired or already rotated).",
    "413": "Request body too large (MAX_REQUEST_BODY_BYTES).",
    "415": "Unsupported media type: the API reads application/json only.",
    "429": "Too many requests (a throttle, too many failed Bearer authentications from the "
           "address, or the token's request limit); retry after `Retry-After` seconds.",
    "503": "The database is unreachable; nothing was done. Retry after `Retry-After` seconds.",
}


def _statuses(path: str, method: str, operation: dict) -> list[str]:
    security = operation.get("security")
    public = not security or {} in security
    statuses = []
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in WRITES or has_query or public or "{" in path:  # an id that is not an id: 400
        statuses.append("400")
    if not public:
        statuses += ["401", "403"]
    paginated = any(p.get("name") == "cursor" for p in operation.get("parameters", []))
    if "{" in path or paginated:  # DRF answers an invalid cursor with 404
        statuses.append("404")
    if path.endswith(("/revoke/", "/rotate/")) and method == "post":
        statuses.append("409")
    if method in WRITES:
        statuses += ["413", "415"]
    return [*statuses, "429", "503"]


def add_error_responses(result, generator, request, public):
    """Document the error answers of API.md §2 on every operation they apply to."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, method, operation):
                if status in responses:
                    continue
                name = "FieldErrors" if status == "400" else "Error"
                responses[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {
                        "schema": {"$ref": f"#/components/schemas/{name}"}}},
                }
    return result
