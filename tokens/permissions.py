"""Who may read and manage tokens (API.md §3)."""

from permissions.permissions import model_permission_required

ISSUE = "tokens.issue_token"
VIEW = "tokens.view_apitoken"

CanIssueTokens = model_permission_required(ISSUE)
CanViewTokens = model_permission_required(VIEW)


def for_method(request, *, read=CanViewTokens, write=CanIssueTokens):
    return read if request.method in ("GET", "HEAD", "OPTIONS") else write
