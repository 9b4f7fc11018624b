"""The OpenAPI contract: generated, valid, warning-free, and served offline."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    scheme = schema["components"]["securitySchemes"]["BearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "checksum" in scheme["description"]


def test_the_schema_endpoint_serves_it(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/programmatic-users/" in response.json()["paths"]


def test_the_docs_page_loads_its_assets_locally(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page


@pytest.mark.parametrize(("query", "media_type"), [
    ("?format=json", "application/vnd.oai.openapi+json"),
    ("?format=yaml", "application/vnd.oai.openapi"),
    ("", "application/vnd.oai.openapi"),
])
def test_the_format_parameter_picks_json_or_yaml(client, query, media_type):
    response = client.get(f"/api/schema/{query}")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    if "json" in media_type:
        assert "/api/v1/me/" in response.json()["paths"]
    else:
        assert "/api/v1/me/" in yaml.safe_load(response.content)["paths"]


def test_the_site_root_leads_to_the_admin(client):
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
