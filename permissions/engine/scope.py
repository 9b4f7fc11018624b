"""What part of its user's permissions a request may use.

The effective permissions of a request are its user's permissions narrowed by the credential's
scope. A session uses them all (`FULL`); a read-only token only those whose action is "view"
(`READ_ONLY`). A later per-token subset of permissions is one more field here, applied by the
same `allows`.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """The actions a credential may use (`None`: every action)."""

    actions: frozenset[str] | None = None

    def allows(self, permission: str) -> bool:
        """Whether "app_label.codename" (or a bare codename) is within the scope."""
        if self.actions is None:
            return True
        codename = permission.rpartition(".")[2]
        return codename.partition("_")[0] in self.actions

    def narrow(self, permissions: Iterable[str]) -> frozenset[str]:
        """The members of `permissions` within the scope."""
        if self.actions is None:
            return frozenset(permissions)
        return frozenset(name for name in permissions if self.allows(name))


FULL = Scope()
READ_ONLY = Scope(actions=frozenset({"view"}))
