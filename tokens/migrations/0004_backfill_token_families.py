"""Every existing token's family: its own id for a token issued afresh, the first token of its
rotation chain for a token derived by rotation."""

from collections import defaultdict

from django.db import migrations, models

BATCH = 1000


def backfill_families(apps, schema_editor):
    ApiToken = apps.get_model("tokens", "ApiToken")
    ApiToken.objects.filter(rotated_from__isnull=True).update(family=models.F("id"))
    parent = dict(ApiToken.objects.filter(rotated_from__isnull=False)
                  .values_list("id", "rotated_from_id").iterator())
    members = defaultdict(list)
    for token_id in parent:
        root, seen = token_id, set()
        while root in parent and root not in seen:
            seen.add(root)
            root = parent[root]
        members[root].append(token_id)
    for root, ids in members.items():
        for start in range(0, len(ids), BATCH):
            ApiToken.objects.filter(id__in=ids[start:start + BATCH]).update(family=root)


class Migration(migrations.Migration):

    dependencies = [
        ("tokens", "0003_token_families"),
    ]

    operations = [migrations.RunPython(backfill_families, migrations.RunPython.noop)]
