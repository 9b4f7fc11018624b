"""Per-token usage (issue 16): GET tokens/{id}/usage/?days=N and the chart on the token's page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from audit.charts import nice_ceiling, stacked_bar_chart
from audit.models import AuditEvent
from audit.stats import token_daily_status_counts
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 12)


def used(token_id, when, status, event="token.used"):
    return AuditEvent(event=event, token_id=token_id, occurred_at=when, status=status)


def at(day: int, hour: int = 12):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def zeros():
    return {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}


def test_counts_per_day_and_status_class_in_one_query(django_assert_num_queries):
    AuditEvent.objects.bulk_create([
        used(7, at(10, 0), 200), used(7, at(10, 23), 201), used(7, at(10), 403),
        used(7, at(12), 500), used(7, at(12), 302),
        used(7, at(12), 401, event="auth.failed"),  # not a use
        used(8, at(12), 200),  # another token
        used(7, at(7, 23), 200),  # before the window
    ])
    with django_assert_num_queries(1):
        series = token_daily_status_counts(token_id=7, days=5, today=TODAY)
    assert series == [
        (date(2026, 3, 8), zeros()), (date(2026, 3, 9), zeros()),
        (date(2026, 3, 10), {**zeros(), "2xx": 2, "4xx": 1}),
        (date(2026, 3, 11), zeros()),
        (date(2026, 3, 12), {**zeros(), "3xx": 1, "5xx": 1}),
    ]


def usage(client, token, query=""):
    return client.get(f"/api/v1/tokens/{token.pk}/usage/{query}")


def test_the_usage_endpoint_answers_per_day_and_per_status(auditor, token):
    today = timezone.now().date()
    noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    AuditEvent.objects.bulk_create([
        used(token.pk, noon, 200), used(token.pk, noon, 200), used(token.pk, noon, 404),
        used(token.pk, noon - timedelta(days=2), 503),
        used(token.pk, noon - timedelta(days=3), 200),  # outside ?days=3
    ])
    response = usage(client_for(auditor), token, "?days=3")
    assert response.status_code == 200
    assert response.json() == {
        "token": token.pk, "days": 3,
        "since": (today - timedelta(days=2)).isoformat(), "until": today.isoformat(),
        "totals": {"total": 4, "2xx": 2, "3xx": 0, "4xx": 1, "5xx": 1},
        "daily": [
            {"date": (today - timedelta(days=2)).isoformat(), "total": 1, "2xx": 0, "3xx": 0,
             "4xx": 0, "5xx": 1},
            {"date": (today - timedelta(days=1)).isoformat(), "total": 0, "2xx": 0, "3xx": 0,
             "4xx": 0, "5xx": 0},
            {"date": today.isoformat(), "total": 3, "2xx": 2, "3xx": 0, "4xx": 1, "5xx": 0},
        ],
    }


def test_the_default_window_is_thirty_days(auditor, token):
    body = usage(client_for(auditor), token).json()
    assert (body["days"], len(body["daily"]), body["totals"]["total"]) == (30, 30, 0)


@pytest.mark.parametrize("query", ["?days=0", "?days=366", "?days=abc", "?days=7.0",
                                   "?days=-1", "?days=", "?days=%D9%A3", "?window=7"])
def test_bad_windows_are_400(auditor, token, query):
    response = usage(client_for(auditor), token, query)
    assert response.status_code == 400
    field = "window" if "window" in query else "days"
    assert list(api_error(response)) == [field]


def test_the_largest_window_is_answered(auditor, token):
    assert len(usage(client_for(auditor), token, "?days=365").json()["daily"]) == 365


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("configurator", 403),
                                         ("auditor", 200), ("token_configurator", 200)])
def test_reading_usage_needs_view_apitoken(request, token, who, status):
    from rest_framework.test import APIClient

    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert usage(client, token).status_code == status


def test_an_unknown_token_is_404(auditor):
    response = client_for(auditor).get("/api/v1/tokens/999999/usage/")
    assert (response.status_code, api_error(response)) == (
        404, {"detail": "Not found.", "code": "not_found"})


def test_a_tokens_own_requests_show_up_in_its_usage(auditor, token, token_client):
    assert token_client.get("/api/v1/me/").status_code == 200
    assert token_client.post("/api/v1/projects/", {}, format="json").status_code == 403
    totals = usage(client_for(auditor), token, "?days=1").json()["totals"]
    assert totals == {"total": 2, "2xx": 1, "3xx": 0, "4xx": 1, "5xx": 0}


def test_the_token_page_charts_its_usage_with_a_scale_and_colours(auditor, token):
    AuditEvent.objects.bulk_create([used(token.pk, timezone.now(), status)
                                    for status in (200, 200, 200, 404, 500)])
    page = browser_for(auditor).get(f"/admin/tokens/apitoken/{token.pk}/change/")
    html = page.content.decode()
    chart = html.split('id="token-usage"')[1].split("</fieldset>")[0]
    assert "<svg" in chart and "5 in 30 days (3 2xx, 0 3xx, 1 4xx, 1 5xx)" in chart
    assert 'fill="#2e7d32"' in chart and 'fill="#c62828"' in chart  # 2xx and 5xx segments
    assert '<text x="40" y="19.0" text-anchor="end">5</text>' in chart  # the scale's top
    assert "style=" not in chart and "<script" not in chart


def test_the_stacked_chart_stacks_each_class_with_a_tooltip():
    svg = stacked_bar_chart([(date(2026, 3, 10), {"2xx": 3, "4xx": 1}),
                             (date(2026, 3, 11), zeros())], label="Requests <per> day")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>2026-03-10: 3 × 2xx</title>" in svg
    assert "<title>2026-03-10: 1 × 4xx</title>" in svg
    assert svg.count("<title>2026-03-11") == 0  # a day without requests has no segment
    assert "Requests &lt;per&gt; day: 4 in 2 days" in svg
    assert [f">{value}</text>" in svg for value in (0, 5)] == [True, True]
    assert "<style" not in svg and "style=" not in svg


def test_an_empty_stacked_chart_still_renders():
    assert "0 in 0 days" in stacked_bar_chart([], label="x")


@pytest.mark.parametrize("value, ceiling", [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20),
                                            (99, 100), (101, 200), (4999, 5000)])
def test_the_scale_ends_on_a_round_number(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_the_usage_reads_through_the_token_index(token):
    """The plan uses (token_id, occurred_at), whatever the number of other tokens' events."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN's shape is PostgreSQL's")
    AuditEvent.objects.bulk_create([used(n % 50, timezone.now(), 200) for n in range(2000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    from audit.stats import AuditEvent as Events

    query = Events.objects.filter(token_id=token.pk, event="token.used",
                                  occurred_at__gte=timezone.now() - timedelta(days=30))
    assert "audit_token_time_idx" in query.explain()


def test_usage_for_a_token_of_any_state(auditor, token):
    ApiTokenFactory(user=token.user)
    token.revoked_at, token.revoked_reason = timezone.now(), "x"
    token.save(update_fields=["revoked_at", "revoked_reason"])
    assert usage(client_for(auditor), token).status_code == 200
