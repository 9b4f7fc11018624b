"""FastRepresentationMixin gives exactly what DRF's own ModelSerializer gives."""

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from common.representation import FastRepresentationMixin, class_plan
from projects.models import Project
from projects.serializers import InvoiceSerializer, ProjectSerializer
from tests.accounts.factories import PersonFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def drf_representation(serializer_class, instance) -> dict:
    """What the serializer gives without the mixin (DRF's Serializer.to_representation)."""
    serializer = serializer_class(instance)
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.mark.parametrize("manager", [True, False])
def test_projects_read_exactly_as_drf_reads_them(manager):
    project = ProjectFactory(budget=Decimal("1234.5"), manager=PersonFactory() if manager else None)
    project.refresh_from_db()

    fast = ProjectSerializer(project).data

    assert fast == drf_representation(ProjectSerializer, project)
    assert fast["budget"] == "1234.50"
    assert fast["manager"] == (project.manager_id if manager else None)
    assert fast["created_at"].endswith("Z")
    assert list(fast) == ["id", "code", "name", "client", "manager", "status", "budget",
                          "created_at"]


def test_invoices_read_exactly_as_drf_reads_them():
    invoice = InvoiceFactory(amount=Decimal("10"), issued_on=datetime.date(2026, 3, 4))
    invoice.refresh_from_db()

    fast = InvoiceSerializer(invoice).data

    assert fast == drf_representation(InvoiceSerializer, invoice)
    assert fast["project"] == invoice.project_id
    assert fast["issued_on"] == "2026-03-04"


def test_a_page_reads_every_row_and_a_fresh_instance_of_an_unusual_type():
    projects = ProjectFactory.create_batch(3)
    unsaved = Project(code="X1", name=7, client="c", status="active", budget=1,
                      created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))

    rows = ProjectSerializer([*projects, unsaved], many=True).data

    assert [row["id"] for row in rows] == [p.pk for p in projects] + [None]
    assert rows[3]["name"] == "7"  # an int in a CharField: DRF's str(), not the int
    assert rows[3]["budget"] == "1.00"


class Shapes(FastRepresentationMixin, serializers.ModelSerializer):
    """Fields the mixin leaves to DRF: a method, a property-like source, a dotted source."""

    upper = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__", read_only=True)
    manager_name = serializers.CharField(source="manager.username", default=None,
                                         read_only=True)

    class Meta:
        model = Project
        fields = ["id", "upper", "label", "manager_name"]

    def get_upper(self, project):
        return project.code.upper()


def test_fields_it_does_not_know_keep_drf_behaviour():
    project = ProjectFactory(code="abc", manager=PersonFactory(username="ann"))

    fast = Shapes(project).data

    assert fast == drf_representation(Shapes, project)
    assert fast["upper"] == "ABC"
    assert fast["label"] == str(project)
    assert fast["manager_name"] == "ann"


def test_big_integers_follow_drf_setting(settings):
    project = ProjectFactory()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "COERCE_BIGINT_TO_STRING": True}

    class Coerced(FastRepresentationMixin, serializers.ModelSerializer):
        class Meta:
            model = Project
            fields = ["id", "code"]

    fast = Coerced(project).data

    assert fast == drf_representation(Coerced, project) == {"id": str(project.pk),
                                                            "code": project.code}


def test_the_class_plan_is_made_of_unbound_fields_and_leaves_unknown_fields_to_drf():
    Shapes(ProjectFactory(manager=PersonFactory())).data  # noqa: B018 (reading builds the plan)

    plan = dict(class_plan(Shapes))
    assert plan["id"] is not None
    assert plan["upper"] is None and plan["label"] is None and plan["manager_name"] is None


def test_a_serializer_that_chooses_its_fields_gets_no_class_plan():
    class Chooser(FastRepresentationMixin, serializers.ModelSerializer):
        class Meta:
            model = Project
            fields = ["id", "code", "name"]

        def get_fields(self):
            chosen = super().get_fields()
            if not self.context.get("full"):
                chosen.pop("name")
            return chosen

    project = ProjectFactory()

    assert class_plan(Chooser) == ()
    assert Chooser(project).data == {"id": project.pk, "code": project.code}
    assert Chooser(project, context={"full": True}).data["name"] == project.name


def assert_same_answer(convert, drf, value) -> None:
    """The same representation, or the same refusal."""
    try:
        expected = drf(value)
    except Exception as error:
        with pytest.raises(type(error)):
            convert(value)
    else:
        assert convert(value) == expected


DATETIMES = [
    datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2026, 6, 30, 23, 59, 59, 123456, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
    datetime.datetime(2026, 1, 1, 12, 0),  # naive: DRF's own path
    datetime.date(2026, 1, 1),  # not a datetime: DRF's own path
]


@pytest.mark.parametrize("value", DATETIMES, ids=str)
@pytest.mark.parametrize("zone", [None, "Europe/Paris", "America/St_Johns"])
def test_datetimes_read_exactly_as_drf_reads_them_in_any_current_timezone(value, zone):
    from django.utils import timezone

    from common.representation import _converter

    field = serializers.DateTimeField()
    convert = _converter(field)
    with timezone.override(zone) if zone else timezone.override(timezone.get_default_timezone()):
        assert_same_answer(convert, field.to_representation, value)


@pytest.mark.parametrize("value", ["1000.00", "0.00", "-0.00", "12.5", "7", "1.005",
                                   "123456789012.34", "99999999999999.99", "1E+3", "NaN",
                                   "Infinity"])
def test_the_decimal_shortcut_gives_drfs_answer(value):
    from common.representation import _converter

    field = serializers.DecimalField(max_digits=14, decimal_places=2)
    convert = _converter(field)
    assert convert is not field.to_representation
    assert_same_answer(convert, field.to_representation, Decimal(value))


def test_other_fields_and_other_decimal_settings_keep_drfs_path():
    from common.representation import _converter

    for field in (serializers.DateTimeField(), serializers.DecimalField(
            max_digits=5, decimal_places=2, localize=True), serializers.DecimalField(
            max_digits=5, decimal_places=2, coerce_to_string=False)):
        assert _converter(field) == field.to_representation
