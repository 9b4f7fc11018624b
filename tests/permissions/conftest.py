"""Fixtures of the permissions tests: a configurator who holds some project permissions."""

import pytest

from tests.accounts.factories import PersonFactory, group
from tests.projects.factories import ProjectFactory, give_model_perms


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories hash a password for every person; these tests never check one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project_configurator(db):
    """A user configurator who may view and change projects organisation-wide (no delete)."""
    user = PersonFactory(username="pconf", is_staff=True)
    user.groups.add(group("User configurators"))
    give_model_perms(user, "projects.view_project", "projects.change_project")
    return user


@pytest.fixture
def project(db):
    return ProjectFactory(code="P-1", name="Pilot")
