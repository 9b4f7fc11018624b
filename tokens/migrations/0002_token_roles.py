"""Token configurators issue and read tokens; auditors read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Token configurators": ["issue_token", "view_apitoken"],
    "Auditors": ["view_apitoken"],
}


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("tokens")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="tokens", codename=codename)
            )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="tokens", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0001_initial"),
        ("accounts", "0002_default_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
