"""Shapes of tokens in the API (API.md §3). Never the digest; the plaintext only at issue time."""

from rest_framework import serializers

from audit.stats import STATUS_CLASSES
from common.errors import Invalid
from common.fields import BoundedListField, StringField
from permissions.serializers import ObjectRefSerializer
from tokens import services
from tokens.conf import DEFAULT_GRACE_HOURS, MAX_ALLOWED_NETWORKS, MAX_GRACE_HOURS
from tokens.grants import MAX_GRANTS
from tokens.models import ApiToken

UNKNOWN_FIELD = "Unknown field."
MAX_REPORTED_LENGTH = 512  # far longer than any token (the Bearer header's own limit)
DEFAULT_USAGE_DAYS = 30
MAX_USAGE_DAYS = 365


class StrictFieldsMixin:
    """Refuse fields the serializer does not know: a typo must not silently fall to a default."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)


def _field_errors(error: Invalid) -> serializers.ValidationError:
    return serializers.ValidationError(error.fields)


class ApiTokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    status = serializers.ChoiceField(choices=ApiToken.Status.choices, read_only=True)
    created_by = serializers.CharField(source="created_by_username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by_username", read_only=True)
    rotated_from = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    replaced_by = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id", "user", "username", "name", "description", "hint", "status", "read_only",
            "allowed_ips", "created_at", "created_by", "expires_at", "last_used_at",
            "last_used_ip", "revoked_at", "revoked_by", "revoked_reason", "rotated_from",
            "replaced_by", "grace_until", "family", "rate_limit", "suspended_at", "permissions",
        ]
        read_only_fields = fields

    def get_replaced_by(self, token: ApiToken) -> int | None:
        replacement = getattr(token, "replaced_by", None)
        return replacement.pk if replacement is not None else None


class IssuedTokenSerializer(serializers.Serializer):
    """A token just issued: its fields and, this once, its plaintext under `token`."""

    def to_representation(self, issued: services.IssuedToken) -> dict:
        data = ApiTokenSerializer(issued.token, context=self.context).data
        ordered = {"id": data.pop("id"), "name": data.pop("name"), "hint": data.pop("hint"),
                   "token": issued.plaintext}
        ordered.update(data)
        return ordered


class TokenGrantSerializer(StrictFieldsMixin, serializers.Serializer):
    """One grant of a token's list, in the shape the permissions API accepts."""

    permission = serializers.CharField(max_length=255, trim_whitespace=False)
    object = ObjectRefSerializer(required=False, allow_null=True)


class TokenIssueSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False,
                                        default="")
    expires_in_days = serializers.IntegerField(required=False, min_value=1)
    expires_at = serializers.DateTimeField(required=False)
    read_only = serializers.BooleanField(required=False, default=False)
    allowed_ips = BoundedListField(
        child=serializers.CharField(max_length=64), required=False, default=list,
        max_length=MAX_ALLOWED_NETWORKS,
    )
    rate_limit = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, default=None,
        help_text="Requests allowed per window (N/second|minute|hour|day, e.g. 100/minute); "
                  "null: TOKEN_RATE, if the server sets one.",
    )
    permissions = TokenGrantSerializer(
        many=True, required=False, default=list, max_length=MAX_GRANTS,
        help_text="The grants the token is narrowed to, each held by the user now: its "
                  "requests may use the user's current permissions within them. Empty: all of "
                  "the user's permissions.",
    )

    def validate(self, data):
        try:
            services.resolve_expiry(expires_in_days=data.get("expires_in_days"),
                                    expires_at=data.get("expires_at"))
            data["allowed_ips"] = services.normalize_networks(data["allowed_ips"])
            data["rate_limit"] = services.normalize_rate(data["rate_limit"])
        except Invalid as error:
            raise _field_errors(error) from None
        return data


class TokenRevokeSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False,
                                   default="")
    family = serializers.BooleanField(
        required=False, default=False,
        help_text="Also revoke every other working token of its rotation family.",
    )


class TokenRotateSerializer(StrictFieldsMixin, serializers.Serializer):
    grace_hours = serializers.IntegerField(min_value=0, max_value=MAX_GRACE_HOURS,
                                           required=False, default=DEFAULT_GRACE_HOURS)


class LeakReportSerializer(serializers.Serializer):
    token = StringField(allow_blank=True, trim_whitespace=False, max_length=MAX_REPORTED_LENGTH)


class LeakReportReceivedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DaysField(serializers.IntegerField):
    """A whole number of days in ASCII digits (a JSON integer too): never `30.0` or `1e1`."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit()
                                      and len(data) <= 3)
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class TokenUsageQuerySerializer(StrictFieldsMixin, serializers.Serializer):
    days = DaysField(min_value=1, max_value=MAX_USAGE_DAYS, required=False,
                     default=DEFAULT_USAGE_DAYS,
                     help_text=f"The window, in days up to today (UTC): 1 to {MAX_USAGE_DAYS}.")


class StatusCountsSerializer(serializers.Serializer):
    """Requests in all, and per status class ("2xx" ... "5xx": not names a class body takes)."""

    def get_fields(self) -> dict:
        return {"total": serializers.IntegerField(),
                **{name: serializers.IntegerField() for name in STATUS_CLASSES}}


class DailyUsageSerializer(StatusCountsSerializer):
    def get_fields(self) -> dict:
        return {"date": serializers.DateField(), **super().get_fields()}


class TokenUsageSerializer(serializers.Serializer):
    """The shape of `GET tokens/{id}/usage/` (for the schema; `usage_body` builds it)."""

    token = serializers.IntegerField()
    days = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField(help_text="The last day counted (today, UTC), inclusive.")
    totals = StatusCountsSerializer()
    daily = DailyUsageSerializer(many=True)


def _counts(values: dict[str, int]) -> dict:
    return {"total": sum(values.values()), **{name: values[name] for name in STATUS_CLASSES}}


def usage_body(token: ApiToken, days: int, series: list) -> dict:
    """A token's usage: totals and, for each day, requests per status class."""
    totals = dict.fromkeys(STATUS_CLASSES, 0)
    for _, values in series:
        for name in STATUS_CLASSES:
            totals[name] += values[name]
    return {
        "token": token.pk,
        "days": days,
        "since": series[0][0].isoformat(),
        "until": series[-1][0].isoformat(),
        "totals": _counts(totals),
        "daily": [{"date": day.isoformat(), **_counts(values)} for day, values in series],
    }


class TokenLookupSerializer(StrictFieldsMixin, serializers.Serializer):
    token = StringField(trim_whitespace=True, max_length=MAX_REPORTED_LENGTH,
                        help_text="The token found (never stored, logged or answered back).")


class LookupUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    contact_email = serializers.EmailField(help_text="The accountable person.")
    is_active = serializers.BooleanField()


class TokenLookupResultSerializer(serializers.ModelSerializer):
    """Whose token it is: never the plaintext or the digest."""

    user = LookupUserSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ApiToken.Status.choices, read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "hint", "user", "status", "family", "last_used_at",
                  "last_used_ip", "expires_at"]
        read_only_fields = fields


class ScanningItemSerializer(serializers.Serializer):
    """One match of a secret-scanning alert (GitHub's format; fields it may add are ignored)."""

    token = StringField(trim_whitespace=False, max_length=MAX_REPORTED_LENGTH)
    type = StringField(max_length=200, required=False, allow_blank=True, default="")
    url = StringField(max_length=2048, required=False, allow_blank=True, default="")
    source = StringField(max_length=100, required=False, allow_blank=True, default="")


class ScanningFeedbackSerializer(serializers.Serializer):
    """GitHub's feedback for one reported token."""

    token_raw = serializers.CharField()
    token_type = serializers.CharField()
    label = serializers.ChoiceField(choices=["true_positive", "false_positive"])


class MeTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "hint", "expires_at", "read_only", "allowed_ips"]


class MeSerializer(serializers.Serializer):
    """The shape of `GET me/` (for the schema; `me_body` builds it on the hot path)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    category = serializers.CharField()
    token = MeTokenSerializer(allow_null=True)


_datetime = serializers.DateTimeField()


def me_body(user, token: ApiToken | None) -> dict:
    """MeSerializer's output built directly: `me/` is what integrations call to check a token,
    and the serializer machinery cost a tenth of its time. Tests hold the two equal."""
    return {
        "id": user.pk,
        "username": user.username,
        "category": user.category,
        "token": None if token is None else {
            "id": token.pk,
            "name": token.name,
            "hint": token.hint,
            "expires_at": _datetime.to_representation(token.expires_at),
            "read_only": token.read_only,
            "allowed_ips": token.allowed_ips,
        },
    }
