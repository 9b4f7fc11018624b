"""What part of its user's permissions a request may use.

The effective permissions of a request are its user's permissions narrowed by the credential's
scope, read afresh per request. A session uses them all (`FULL`); a read-only token only those
whose action is "view" (`READ_ONLY`); a narrowed token only what its list of grants (`entries`)
also names: a model-wide entry admits the user's model-wide and object grants of that
permission, an object entry only that object (for a container, what it contains). The engine's
checks ask the scope, and nothing else, what it admits.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

Ref = tuple[str, int]  # ("app_label.model", pk)


@dataclass(frozen=True)
class Entry:
    """One grant of a token's list: a permission ("app_label.codename"), model-wide or on one
    object of a protected model."""

    permission: str
    type: str | None = None
    pk: int | None = None

    @classmethod
    def from_grant(cls, grant: dict) -> "Entry":
        """From the stored shape {"permission", "object": {"type", "id"}?}."""
        obj = grant.get("object")
        if obj is None:
            return cls(grant["permission"])
        return cls(grant["permission"], obj["type"], int(obj["id"]))

    @property
    def ref(self) -> Ref | None:
        return None if self.type is None else (self.type, self.pk)


@dataclass(frozen=True)
class Scope:
    """The actions a credential may use (`None`: every action) and the grants it is narrowed to
    (`None`: every permission of its user)."""

    actions: frozenset[str] | None = None
    entries: frozenset[Entry] | None = None
    _model_wide: frozenset[str] = field(default=frozenset(), init=False, repr=False,
                                        compare=False, hash=False)
    _objects: dict = field(default_factory=dict, init=False, repr=False, compare=False,
                           hash=False)

    def __post_init__(self):
        if self.entries is None:
            return
        objects: dict[str, set[Ref]] = {}
        for entry in self.entries:
            if entry.ref is not None:
                objects.setdefault(entry.permission, set()).add(entry.ref)
        object.__setattr__(self, "_model_wide", frozenset(
            entry.permission for entry in self.entries if entry.ref is None))
        object.__setattr__(self, "_objects", {name: frozenset(refs)
                                              for name, refs in objects.items()})

    @property
    def narrowed(self) -> bool:
        """Whether a list of grants narrows this scope."""
        return self.entries is not None

    def _acts(self, permission: str) -> bool:
        if self.actions is None:
            return True
        codename = permission.rpartition(".")[2]
        return codename.partition("_")[0] in self.actions

    def allows(self, permission: str) -> bool:
        """Whether "app_label.codename" may be used model-wide (a bare codename: whether its
        action is within the scope, for a scope without a list)."""
        if not self._acts(permission):
            return False
        return self.entries is None or permission in self._model_wide

    def reaches(self, permission: str) -> bool:
        """Whether "app_label.codename" may be used at all: model-wide or on some object."""
        if not self._acts(permission):
            return False
        return self.entries is None or permission in self._model_wide or (
            permission in self._objects)

    def admits(self, permission: str, ref: Ref, container: Ref | None = None) -> bool:
        """Whether "app_label.codename" may be used on the object `ref` (whose container, if
        it has one, is `container`)."""
        if not self._acts(permission):
            return False
        if self.entries is None or permission in self._model_wide:
            return True
        named = self._objects.get(permission, ())
        return ref in named or (container is not None and container in named)

    def named(self, permission: str, type_label: str) -> list[int]:
        """The ids of the objects of `type_label` the list names for `permission` (sorted)."""
        return sorted(pk for label, pk in self._objects.get(permission, ())
                      if label == type_label)

    def naming(self, ref: Ref) -> frozenset[str]:
        """The permissions the list names on the object `ref` itself (within the actions)."""
        return frozenset(name for name, refs in self._objects.items()
                         if ref in refs and self._acts(name))

    def narrow(self, permissions: Iterable[str]) -> frozenset[str]:
        """The members of `permissions` that may be used model-wide."""
        if self.actions is None and self.entries is None:
            return frozenset(permissions)
        return frozenset(name for name in permissions if self.allows(name))

    def with_entries(self, entries: Iterable[Entry] | None) -> "Scope":
        """This scope narrowed to the grants `entries` (None or empty: not narrowed)."""
        entries = frozenset(entries or ())
        if not entries:
            return self
        return Scope(actions=self.actions, entries=entries)


FULL = Scope()
READ_ONLY = Scope(actions=frozenset({"view"}))
