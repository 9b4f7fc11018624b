"""The escalation matrix: every write path of the URLconf that can change what an account holds
or hand over its credentials, by escalation case; and every other write path, with the reason
it is not one. `test_matrix.py` fails when a URL accepting a write is in neither."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.permissions.escalation.cells import CASES, Cell
from tests.permissions.escalation.cells_api import API_MATRIX
from tests.permissions.escalation.cells_groups import GROUP_PAGES
from tests.permissions.escalation.cells_objects import OBJECT_AND_TOKEN_PAGES
from tests.permissions.escalation.cells_people import ACCOUNT_PAGES
from tests.permissions.escalation.cells_roles_people import ROLES_AND_PEOPLE_API
from tests.permissions.escalation.world import ROLES

MATRIX = {**API_MATRIX, **ROLES_AND_PEOPLE_API, **ACCOUNT_PAGES, **GROUP_PAGES,
          **OBJECT_AND_TOKEN_PAGES}

READ_ONLY = "a page that only reads (a POST writes nothing)"
REDIRECT = "only redirects"
AUDIT_VIEW_ONLY = "the audit log is view-only for everyone (DESIGN rule 16): every write is 403"
BUSINESS = ("business data (projects, invoices): no account, group or grant is written, but for "
            "the creator's own view/change/delete on what it creates (API.md §3)")
PICKER = "the hidden picker admin: its changelist redirects, every add, change and delete is 403"
TOKEN_EDIT = ("a token's name and description (token.updated); add and delete are refused to "
              "everyone")
TOKEN_REVOKE = ("revoking a token takes a credential away and gives nothing: any token "
                "configurator may, as may anyone holding the plaintext (revoke-leaked)")

TOKEN_SWITCH = ("suspending or resuming switches an existing credential off or on: no permission "
                "is given and no secret handed over (any token configurator may, as for revoke)")
TOKEN_LOOKUP = ("an auditor learns whose a token is: a read (its only write is the audit event "
                "token.looked_up); nothing is given or revoked")
SECRET_SCANNING = ("a secret-scanning partner's signed alert: it only revokes tokens (reported "
                   "leaked), like revoke-leaked")

NOT_A_PERMISSION_PATH = {
    "api/v1/tokens/revoke-leaked/": TOKEN_REVOKE,
    "api/v1/me/token/rotate/": "the token in use replaces itself: same user, nothing given",
    "api/v1/^tokens/(?P<pk>[0-9]+)/revoke/$": TOKEN_REVOKE,
    "api/v1/^tokens/(?P<pk>[0-9]+)/suspend/$": TOKEN_SWITCH,
    "api/v1/^tokens/(?P<pk>[0-9]+)/resume/$": TOKEN_SWITCH,
    "api/v1/tokens/lookup/": TOKEN_LOOKUP,
    "api/v1/tokens/secret-scanning/": SECRET_SCANNING,
    "api/v1/^projects/$": BUSINESS,
    "api/v1/^projects/(?P<pk>[0-9]+)/$": BUSINESS,
    "api/v1/^invoices/$": BUSINESS,
    "api/v1/^invoices/(?P<pk>[0-9]+)/$": BUSINESS,
    "api/v1/^.*/$": "answers 404 to any other address",
    "admin/": READ_ONLY,
    "admin/login/": "logs a person in (programmatic users are refused, DESIGN rule 2)",
    "admin/logout/": "ends the caller's own session",
    "admin/password_change/": "changes the caller's own password, given the current one",
    "admin/password_change/done/": READ_ONLY,
    "admin/autocomplete/": READ_ONLY,
    "admin/jsi18n/": READ_ONLY,
    "admin/r/<path:content_type_id>/<path:object_id>/": REDIRECT,
    "admin/audit/auditevent/export/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/add/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/<path:object_id>/history/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/<path:object_id>/delete/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/<path:object_id>/change/": AUDIT_VIEW_ONLY,
    "admin/audit/auditevent/<path:object_id>/": REDIRECT,
    "admin/audit/auditseal/": AUDIT_VIEW_ONLY,
    "admin/audit/auditseal/add/": AUDIT_VIEW_ONLY,
    "admin/audit/auditseal/<path:object_id>/history/": AUDIT_VIEW_ONLY,
    "admin/audit/auditseal/<path:object_id>/delete/": AUDIT_VIEW_ONLY,
    "admin/audit/auditseal/<path:object_id>/change/": AUDIT_VIEW_ONLY,
    "admin/audit/auditseal/<path:object_id>/": REDIRECT,
    "admin/accounts/person/add/": (
        "creates a person with no permission and no group (Django's add form has a username "
        "and a password only) through person_create, which needs accounts.configure_users"),
    "admin/accounts/person/<path:object_id>/history/": READ_ONLY,
    "admin/accounts/person/<path:object_id>/": REDIRECT,
    "admin/accounts/user/": PICKER,
    "admin/accounts/user/add/": PICKER,
    "admin/accounts/user/<path:object_id>/history/": PICKER,
    "admin/accounts/user/<path:object_id>/delete/": PICKER,
    "admin/accounts/user/<path:object_id>/change/": PICKER,
    "admin/accounts/user/<path:object_id>/": PICKER,
    "admin/auth/group/<path:object_id>/history/": READ_ONLY,
    "admin/auth/group/<path:object_id>/": REDIRECT,
    "admin/projects/project/<object_pk>/permissions/": (
        "guardian's overview: a POST only redirects to the user or group page (in the matrix)"),
    "admin/projects/project/": BUSINESS,
    "admin/projects/project/add/": BUSINESS,
    "admin/projects/project/<path:object_id>/history/": READ_ONLY,
    "admin/projects/project/<path:object_id>/delete/": BUSINESS,
    "admin/projects/project/<path:object_id>/change/": BUSINESS,
    "admin/projects/project/<path:object_id>/": REDIRECT,
    "admin/projects/invoice/<object_pk>/permissions/": (
        "guardian's overview: a POST only redirects to the user or group page (in the matrix)"),
    "admin/projects/invoice/": BUSINESS,
    "admin/projects/invoice/add/": BUSINESS,
    "admin/projects/invoice/<path:object_id>/history/": READ_ONLY,
    "admin/projects/invoice/<path:object_id>/delete/": BUSINESS,
    "admin/projects/invoice/<path:object_id>/change/": BUSINESS,
    "admin/projects/invoice/<path:object_id>/": REDIRECT,
    "admin/tokens/apitoken/issue/": (
        "picks a programmatic user and redirects to the issue page (in the matrix)"),
    "admin/tokens/apitoken/<int:token_id>/revoke/": TOKEN_REVOKE,
    "admin/tokens/apitoken/<int:token_id>/suspend/": TOKEN_SWITCH,
    "admin/tokens/apitoken/<int:token_id>/resume/": TOKEN_SWITCH,
    "admin/tokens/apitoken/lookup/": TOKEN_LOOKUP,
    "admin/tokens/apitoken/": "lists tokens; no bulk action (delete is refused to everyone)",
    "admin/tokens/apitoken/add/": TOKEN_EDIT,
    "admin/tokens/apitoken/<path:object_id>/history/": READ_ONLY,
    "admin/tokens/apitoken/<path:object_id>/delete/": TOKEN_EDIT,
    "admin/tokens/apitoken/<path:object_id>/change/": TOKEN_EDIT,
    "admin/tokens/apitoken/<path:object_id>/": REDIRECT,
    "admin/accounts/programmaticuser/<int:user_id>/effective-permissions/": READ_ONLY,
    "admin/tokens/apitoken/<int:token_id>/effective-permissions/": READ_ONLY,
    "admin/accounts/programmaticuser/<int:user_id>/permission-usage/": READ_ONLY,
    "admin/accounts/programmaticuser/<path:object_id>/history/": READ_ONLY,
    "admin/accounts/programmaticuser/<path:object_id>/": REDIRECT,
    "admin/^(?P<app_label>audit|accounts|auth|projects|tokens)/$": READ_ONLY,
    "admin/(?P<url>.*)$": "redirects to the login page or answers 404",
    "accounts/login/": "logs a person in (programmatic users are refused, DESIGN rule 2)",
    "accounts/logout/": "ends the caller's own session",
    "accounts/password_change/": "changes the caller's own password, given the current one",
    "accounts/password_reset/": (
        "mails a reset link to the account's own address, which only someone allowed to change "
        "the account may change (the People change page, in the matrix)"),
    "accounts/reset/<uidb64>/<token>/": "sets a password with the mailed one-time link",
    "healthz": READ_ONLY,
    "readyz": READ_ONLY,
    "": "the site root: redirects to the admin, whatever the method",
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


def _write_methods(callback) -> set[str]:
    """The write methods a view accepts; a function view is assumed to accept them all."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return set(WRITE_METHODS)
    allowed = set(view_class.http_method_names)
    actions = getattr(callback, "actions", None)
    handlers = set(actions) if actions else {m for m in allowed if hasattr(view_class, m)}
    return handlers & allowed & WRITE_METHODS


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def write_routes() -> dict[str, set[str]]:
    """Every route of the URLconf that accepts a write method, with those methods."""
    found: dict[str, set[str]] = {}
    for route, callback in _walk(get_resolver()):
        methods = _write_methods(callback)
        if methods:
            found.setdefault(route, set()).update(methods)
    return found


def cells() -> list[tuple[str, str, str]]:
    """(route, case, role) of every cell that runs: the matrix's size."""
    return [(route, case, role) for route, by_case in MATRIX.items()
            for case in CASES if isinstance(by_case[case], Cell) for role in ROLES]
