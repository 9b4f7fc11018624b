"""Updates validate what changes (and what shares a constraint with it) and write only that."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from projects import services
from projects.models import Project
from projects.services import _unchanged
from tests.accounts.factories import PersonFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_an_update_writes_only_the_changed_columns(person):
    project = ProjectFactory(name="Old", budget=Decimal("5"))
    with CaptureQueriesContext(connection) as captured:
        services.project_update(actor=person, project=project, name="New")
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"name" = ' in updates[0] and '"budget"' not in updates[0]
    project.refresh_from_db()
    assert (project.name, project.budget) == ("New", Decimal("5.00"))


def test_a_changed_value_is_still_validated(person):
    other = ProjectFactory(code="TAKEN")
    project = ProjectFactory()
    with pytest.raises(ValidationError) as raised:
        services.project_update(actor=person, project=project, code="TAKEN", budget=-1)
    assert set(raised.value.message_dict) == {"code", "budget"}
    project.refresh_from_db()
    assert project.code != other.code and project.budget >= 0


@isolate_apps("projects")
def test_a_constraint_over_a_changed_and_an_unchanged_field_keeps_both():
    class Window(models.Model):
        start = models.IntegerField()
        end = models.IntegerField()
        label = models.CharField(max_length=5)

        class Meta:
            app_label = "projects"
            constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                                  name="window_ordered")]

    assert _unchanged(Window(), {"end"}) == ["id", "label"]
    assert _unchanged(Window(), {"label"}) == ["id", "start", "end"]


def test_a_new_project_is_validated_whole(person):
    with pytest.raises(ValidationError) as raised:
        services.project_create(actor=PersonFactory(), code="", name="x", client="c",
                                status="active", budget=1)
    assert "code" in raised.value.message_dict
    assert not Project.objects.filter(name="x").exists()
