"""Writes on accounts and groups (roles): services that pass the no-escalation rule
(`permissions.policy`, through `accounts.hooks`) and record their audit event in the same
transaction. The `check_*` twins run the same rule without writing (admin forms)."""

from accounts.services.changes import UNSET
from accounts.services.groups import (
    check_group_permissions,
    group_create,
    group_delete,
    group_update,
)
from accounts.services.people import (
    check_person_create,
    check_person_set_password,
    check_person_update,
    person_create,
    person_deactivate,
    person_set_password,
    person_update,
)
from accounts.services.programmatic import (
    check_programmatic_user_create,
    check_programmatic_user_update,
    issue_initial_token,
    programmatic_user_create,
    programmatic_user_update,
)

__all__ = [
    "UNSET",
    "check_group_permissions",
    "check_person_create",
    "check_person_set_password",
    "check_person_update",
    "check_programmatic_user_create",
    "check_programmatic_user_update",
    "group_create",
    "group_delete",
    "group_update",
    "issue_initial_token",
    "person_create",
    "person_deactivate",
    "person_set_password",
    "person_update",
    "programmatic_user_create",
    "programmatic_user_update",
]
