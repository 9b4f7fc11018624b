"""The world of the escalation matrix: three actors, the accounts and groups they try to change,
and a snapshot of everything a write path could store.

The permissions at stake: MODEL (`audit.view_auditevent`, model-wide) and OBJ (`delete_project`
on P, `delete_invoice` on I: object permissions). COMMON permissions (view and change projects
and invoices, model-wide) are held by every actor.

- holder (hana): User + Token configurator; holds MODEL directly and OBJ through her group
  "Owners" (so object permissions held through a group count), and COMMON.
- lacker (lars): User + Token configurator with COMMON only.
- staff (stan): staff without a role: holds MODEL, OBJ (model-wide) and COMMON, but not
  `accounts.configure_users` nor `tokens.issue_token`.

Targets: robot (programmatic, in "Integrations", holds nothing), pat (a person holding nothing),
vip-robot (programmatic: MODEL and OBJ on P directly, one token) and audrey (a person in
"Auditors"): the last two hold what lars lacks, hana holds all they hold.
Groups: "Project team" (OBJ on P and I), "Log readers" (MODEL), "Integrations" (robot, empty),
"Owners" (hana; OBJ on P and I), and the default roles.
"""

from dataclasses import dataclass, field
from html import escape

from django.contrib.auth.models import Group, Permission

from accounts.models import User
from audit.models import AuditEvent
from permissions.registry import protected_models
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)
from tests.tokens.factories import ApiTokenFactory
from tokens.models import ApiToken

MODEL = "audit.view_auditevent"
COMMON = ("projects.view_project", "projects.change_project", "projects.view_invoice",
          "projects.change_invoice")
GROUP_ADMIN = ("auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group")
ROLES = ("holder", "lacker", "staff")
ANY = object()  # an event's details the cell does not fix (token hints, ids)


@dataclass
class World:
    project: object
    invoice: object
    robot: User
    pat: User
    vip_robot: User
    vip_token: ApiToken
    audrey: User
    actors: dict = field(default_factory=dict)

    def group(self, name: str) -> Group:
        return Group.objects.get(name=name)

    def obj_ref(self, obj) -> dict:
        return {"type": obj._meta.label_lower, "id": obj.pk, "repr": str(obj)}


def build_world() -> World:
    project = ProjectFactory(code="P-1", name="Pilot")
    invoice = InvoiceFactory(project=project, number="I-1")

    project_team = Group.objects.create(name="Project team")
    give_object_perms(project_team, project, "delete_project")
    give_object_perms(project_team, invoice, "delete_invoice")
    give_model_perms(Group.objects.create(name="Log readers"), MODEL)
    integrations = Group.objects.create(name="Integrations")
    owners = Group.objects.create(name="Owners")
    give_object_perms(owners, project, "delete_project")
    give_object_perms(owners, invoice, "delete_invoice")

    holder = PersonFactory(username="hana", is_staff=True)
    holder.groups.add(group("User configurators"), group("Token configurators"), owners)
    give_model_perms(holder, MODEL, *COMMON, *GROUP_ADMIN)

    lacker = PersonFactory(username="lars", is_staff=True)
    lacker.groups.add(group("User configurators"), group("Token configurators"))
    give_model_perms(lacker, *COMMON, *GROUP_ADMIN)

    staff = PersonFactory(username="stan", is_staff=True)
    give_model_perms(staff, MODEL, *COMMON, *GROUP_ADMIN, "projects.delete_project",
                     "projects.delete_invoice", "tokens.view_apitoken")

    robot = ProgrammaticUserFactory(username="robot")
    robot.groups.add(integrations)
    vip_robot = ProgrammaticUserFactory(username="vip-robot")
    give_model_perms(vip_robot, MODEL)
    give_object_perms(vip_robot, project, "delete_project")
    vip_token = ApiTokenFactory(user=vip_robot, name="vip")
    audrey = PersonFactory(username="audrey")
    audrey.groups.add(group("Auditors"))
    return World(project=project, invoice=invoice, robot=robot,
                 pat=PersonFactory(username="pat"), vip_robot=vip_robot,
                 vip_token=vip_token, audrey=audrey,
                 actors={"holder": holder, "lacker": lacker, "staff": staff})


# What a write path could store -------------------------------------------------------------------

USER_FIELDS = ("is_active", "is_staff", "is_superuser", "email", "password", "first_name",
               "last_name", "description", "contact_email", "category")


def _perm_name(app_label: str, codename: str) -> str:
    return f"{app_label}.{codename}"


def state() -> dict:
    """Every account, group, membership, grant and token, flattened into comparable keys."""
    found: dict = {}
    for user in User.objects.all():
        found[("user", user.username)] = {name: getattr(user, name) for name in USER_FIELDS}
    for username, name in User.groups.through.objects.values_list("user__username",
                                                                  "group__name"):
        found[("member", username, name)] = True
    rows = User.user_permissions.through.objects.values_list(
        "user__username", "permission__content_type__app_label", "permission__codename")
    for username, app_label, codename in rows:
        found[("perm", username, _perm_name(app_label, codename))] = True
    for name in Group.objects.values_list("name", flat=True):
        found[("group", name)] = True
    rows = Permission.objects.filter(group__isnull=False).values_list(
        "group__name", "content_type__app_label", "codename")
    for name, app_label, codename in rows:
        found[("group_perm", name, _perm_name(app_label, codename))] = True
    for label, tables in protected_models().items():
        rows = tables.user_table.objects.values_list("user__username", "content_object_id",
                                                     "permission__codename")
        for username, pk, codename in rows:
            found[("user_obj", username, label, pk, codename)] = True
        rows = tables.group_table.objects.values_list("group__name", "content_object_id",
                                                      "permission__codename")
        for name, pk, codename in rows:
            found[("group_obj", name, label, pk, codename)] = True
    for token in ApiToken.objects.select_related("user"):
        key = ("token", token.user.username, token.name, token.pk)
        found[key] = (str(token.status), token.is_rotated)
    return found


def diff(before: dict, after: dict) -> set:
    """What changed: ("added", key), ("removed", key), ("changed", key[, field])."""
    changes = set()
    for key in before.keys() - after.keys():
        changes.add(("removed", key))
    for key in after.keys() - before.keys():
        changes.add(("added", key))
    for key in before.keys() & after.keys():
        if before[key] == after[key]:
            continue
        if isinstance(before[key], dict):
            changes |= {("changed", (*key, name)) for name in before[key]
                        if before[key][name] != after[key][name]}
        else:
            changes.add(("changed", key))
    return changes


def event_ids() -> set:
    return set(AuditEvent.objects.values_list("id", flat=True))


def events_since(seen: set) -> list[AuditEvent]:
    return list(AuditEvent.objects.exclude(id__in=seen).order_by("id"))


def shows(response, message: str) -> bool:
    """The message is in the page (HTML-escaped) or in the JSON body."""
    text, message = response.content.decode(), str(message)  # a lazy translation, maybe
    return escape(message) in text or message in text


def _same(expected, actual) -> bool:
    if expected is ANY:
        return True
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    return expected == actual


def matches(expected, actual) -> bool:
    """`actual` (a set or list) equals `expected`, where ANY in `expected` matches anything."""
    remaining = list(actual)
    for item in expected:
        found = next((i for i, other in enumerate(remaining) if _same(item, other)), None)
        if found is None:
            return False
        remaining.pop(found)
    return not remaining
