"""Fixtures shared by every test module: the people and clients of the access matrix."""

import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def _digest_root(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-digests")


@pytest.fixture(autouse=True)
def digest_dir(settings, _digest_root):
    """Each test's signed audit digests go to a folder of its own (created on first write): the
    database is rolled back after each test, the digests of its seals must go with it."""
    location = _digest_root / uuid.uuid4().hex
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_digests": {**settings.STORAGES["audit_digests"],
                          "OPTIONS": {"location": str(location)}},
    }
    return location


@pytest.fixture(autouse=True)
def _fresh_abuse_counters():
    """Every test starts with no throttle or abuse-limit counts (AUTH_FAILURE_RATE counts every
    failed Bearer request of the test client's one address)."""
    from django.core.cache import cache

    from common.counters import counters

    cache.clear()
    counters.reset()
    yield
    cache.clear()
    counters.reset()


@pytest.fixture
def person(db):
    return PersonFactory()


@pytest.fixture
def staff(db):
    """A staff person with no permissions at all."""
    return PersonFactory(username="plainstaff", is_staff=True)


@pytest.fixture
def configurator(db):
    """A staff person in the "User configurators" group, not a superuser."""
    user = PersonFactory(username="configurator", is_staff=True)
    user.groups.add(group("User configurators"))
    return user


@pytest.fixture
def superuser(db):
    return PersonFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def programmatic_user(db):
    return ProgrammaticUserFactory(username="billing-sync")


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    """An API client logged in by session as `user` (bypassing the login backend)."""
    client = APIClient()
    if user is not None:
        client.force_login(user, backend="accounts.backends.PersonalOnlyModelBackend")
    return client


def browser_for(user):
    """A Django test client (form posts, as a browser sends them) logged in as `user`."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user, backend="accounts.backends.PersonalOnlyModelBackend")
    return client


def api_error(response) -> dict:
    """An API error's JSON body without its `request_id`, once that is checked to be the
    response's own X-Request-ID (every API error body carries it)."""
    body = response.json()
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    return body


@pytest.fixture
def fast_passwords(settings):
    """A cheap password hasher for modules that create many people (no test here is about it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
