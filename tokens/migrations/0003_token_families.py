"""Token families (each token names the first token of its rotation chain) and a token's own
request limit. 0004 fills the family of the tokens that exist."""

import django.db.models.deletion
from django.db import migrations, models

import tokens.models


class Migration(migrations.Migration):

    dependencies = [
        ("tokens", "0002_token_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="family",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="family_members", to="tokens.apitoken"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="rate_limit",
            field=models.CharField(blank=True, help_text="Requests allowed per window, e.g. 100/minute; empty: TOKEN_RATE, if set.", max_length=20, null=True, validators=[tokens.models.validate_rate]),
        ),
    ]
