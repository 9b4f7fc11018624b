import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import PersonFactory, group
from tests.tokens.factories import ApiTokenFactory, bearer


@pytest.fixture
def token(programmatic_user):
    return ApiTokenFactory(user=programmatic_user, name="billing")


@pytest.fixture
def token_client(token):
    return bearer(APIClient(), token.plaintext)


@pytest.fixture
def token_configurator(db):
    """A staff person in the "Token configurators" group, not a superuser."""
    user = PersonFactory(username="tokenconf", is_staff=True)
    user.groups.add(group("Token configurators"))
    return user


@pytest.fixture
def alice(db):
    """The demo's configurator: a staff person in both "User configurators" and "Token
    configurators", not a superuser."""
    user = PersonFactory(username="alice", is_staff=True)
    user.groups.add(group("User configurators"), group("Token configurators"))
    return user


@pytest.fixture
def auditor(db):
    user = PersonFactory(username="auditor", is_staff=True)
    user.groups.add(group("Auditors"))
    return user
