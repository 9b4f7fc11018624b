"""The admin index answers "is anything wrong?" for configurators and auditors (issue 18)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.sealing import seal_pending
from audit.services import record
from tests.accounts.factories import PersonFactory, group
from tests.audit.conftest import tamper
from tests.conftest import browser_for
from tests.tokens.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def person_in(*roles: str):
    user = PersonFactory(is_staff=True)
    user.groups.add(*[group(role) for role in roles])
    return user


@pytest.fixture
def state(programmatic_user):
    now = timezone.now()
    ApiTokenFactory(user=programmatic_user, name="soon", expires_at=now + timedelta(days=3),
                    last_used_at=now)
    ApiTokenFactory(user=programmatic_user, name="idle", expires_at=now + timedelta(days=60))
    ApiTokenFactory(user=programmatic_user, name="gone", expires_at=now - timedelta(days=1))
    for reason in ("revoked", "revoked", "unknown"):
        record(AuditEvent.Event.AUTH_FAILED, details={"reason": reason})
    old = record(AuditEvent.Event.AUTH_FAILED, details={"reason": "expired"})
    old.occurred_at -= timedelta(days=2)  # recorded that long ago: outside the last 24 h
    tamper("UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
           [old.occurred_at, old.id])
    record(AuditEvent.Event.TOKEN_LEAK_REPORTED, details={"matched": False})


def dashboard_text(user) -> str:
    response = browser_for(user).get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_configurator_sees_expiring_and_never_used_tokens_with_links(state):
    page = dashboard_text(person_in("User configurators", "Token configurators"))
    assert ('<a href="/admin/tokens/apitoken/?attention=expiring"><strong>1</strong> tokens '
            'expire within 14 days</a>') in page
    assert ('<a href="/admin/tokens/apitoken/?attention=never_used"><strong>1</strong> tokens '
            'never used</a>') in page
    assert "failed authentications" not in page and 'id="integrity"' not in page


def test_an_auditor_sees_failures_by_reason_leak_reports_and_the_verdict(state):
    seal_pending(settle_seconds=0)
    record(AuditEvent.Event.AUTH_FAILED, details={"reason": "malformed"})
    page = dashboard_text(person_in("Auditors"))
    assert ("<strong>2</strong> failed authentications (revoked), last 24 h") in page
    assert ("<strong>1</strong> failed authentications (malformed), last 24 h") in page
    assert ('href="/admin/audit/auditevent/?event__exact=auth.failed&amp;reason=revoked'
            '&amp;period=24h"') in page
    assert "(expired)" not in page  # two days old
    assert "<strong>1</strong> leak reports, last 7 days" in page
    assert "events are intact and sealed up to" in page
    assert "; 1 await sealing." in page


def test_the_dashboard_links_open_the_filtered_lists(state):
    auditor = person_in("Auditors")
    client = browser_for(auditor)
    response = client.get("/admin/audit/auditevent/?event__exact=auth.failed&reason=revoked"
                          "&period=24h")
    assert response.status_code == 200
    assert [e.details["reason"] for e in response.context["cl"].result_list] == [
        "revoked", "revoked"]
    configurator = person_in("Token configurators")
    response = browser_for(configurator).get("/admin/tokens/apitoken/?attention=never_used")
    assert [t.name for t in response.context["cl"].result_list] == ["idle"]


def test_a_broken_log_is_said_in_plain_words(state):
    seal_pending(settle_seconds=0)
    first = AuditEvent.objects.order_by("id").first()
    tamper("UPDATE audit_auditevent SET status = 599 WHERE id = %s", [first.id])
    page = dashboard_text(person_in("Auditors"))
    assert 'class="integrity broken"' in page
    assert f"The audit log is broken at event {first.id}: content altered." in page


def test_people_without_these_roles_see_no_panel(state, staff):
    assert 'id="dashboard"' not in dashboard_text(staff)
