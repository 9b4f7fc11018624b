"""Czech and English (issue 16): the admin and the product's own strings follow the browser's
language (Accept-Language, or Django's language cookie), English by default; API error bodies
keep their `code` in every language; the Czech catalogue is complete and its .mo up to date."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from audit.models import AuditEvent
from audit.services import record
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "cs" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "cs" / "LC_MESSAGES" / "django.mo"
CS = {"HTTP_ACCEPT_LANGUAGE": "cs,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture(autouse=True)
def _english_after():
    """A request leaves its language active in the thread: the next test starts in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def page(user, path: str, **headers) -> str:
    response = browser_for(user).get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


# --- the admin's pages -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_login_page_is_czech_for_a_czech_browser_and_english_otherwise():
    czech = page(None, "/admin/login/", **CS)
    assert '<html lang="cs"' in czech
    assert "Programoví uživatelé" in czech  # the site header (ours)
    assert "Uživatelské jméno:" in czech and "Heslo:" in czech  # Django's own catalogue
    for english in (page(None, "/admin/login/", **EN), page(None, "/admin/login/")):
        assert '<html lang="en"' in english
        assert "Programmatic Users" in english and "Username" in english
        assert "Programoví uživatelé" not in english


@pytest.mark.django_db
def test_the_language_cookie_chooses_too(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cs"
    response = client.get("/admin/login/", **EN)
    assert "Programoví uživatelé" in response.content.decode()
    assert response["Content-Language"] == "cs"


@pytest.mark.django_db
def test_an_unsupported_language_falls_back_to_english():
    html = page(None, "/admin/login/", HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.8")
    assert '<html lang="en"' in html and "Programmatic Users" in html


@pytest.mark.django_db
def test_the_index_and_its_dashboard_in_czech_and_english(superuser, programmatic_user):
    from datetime import timedelta

    from django.utils import timezone

    ApiTokenFactory(user=programmatic_user, expires_at=timezone.now() + timedelta(days=3))
    record(AuditEvent.Event.AUTH_FAILED, details={"reason": "revoked"})
    czech = page(superuser, "/admin/", **CS)
    for text in ("Vyžaduje pozornost?", "Programový přístup", "tokenů vyprší do 14 dní",
                 "tokenů nikdy nepoužito", "neúspěšných ověření (revoked), posledních 24 h",
                 "hlášení úniku, posledních 7 dní", "Zatím není nic zapečetěno",
                 "Programoví uživatelé", "Tokeny API", "Auditní záznamy"):
        assert text in czech, text
    english = page(superuser, "/admin/")
    for text in ("Needs attention?", "Programmatic access", "tokens expire within 14 days",
                 "failed authentications (revoked), last 24 h", "Nothing is sealed yet"):
        assert text in english, text
    assert "Vyžaduje" not in english


@pytest.mark.django_db
def test_the_programmatic_users_list(superuser, programmatic_user):
    czech = page(superuser, "/admin/accounts/programmaticuser/", **CS)
    for text in ("Aktivní tokeny", "Poslední použití", "Nejbližší vypršení", "Odpovědná osoba",
                 "Popis", "Vyberte položku programový uživatel ke změně",
                 programmatic_user.username):
        assert text in czech, text
    english = page(superuser, "/admin/accounts/programmaticuser/", **EN)
    for text in ("active tokens", "last use", "next expiry", "accountable contact"):
        assert text.lower() in english.lower(), text


@pytest.mark.django_db
def test_a_programmatic_users_page(superuser, programmatic_user):
    czech = page(superuser, f"/admin/accounts/programmaticuser/{programmatic_user.pk}/change/",
                 **CS)
    for text in ("Vydat token", "Skutečná oprávnění", "Využití oprávnění", "Přístup",
                 "Požadavky po dnech a stavech za posledních 30 dní"):
        assert text in czech, text


@pytest.mark.django_db
def test_a_tokens_page(superuser, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, name="nightly-sync")
    path = f"/admin/tokens/apitoken/{token.pk}/change/"
    czech = page(superuser, path, **CS)
    for text in ("Obměnit", "Pozastavit", "Zneplatnit", "Skutečná oprávnění", "Využití",
                 ">aktivní</span>", 'title="funguje"', "nikdy", "Limit požadavků",
                 "Požadavky s tímto tokenem (události token.used)", "1 token<"):
        assert text in czech, text
    english = page(superuser, path)
    for text in ("Rotate", "Suspend", "Revoke", ">active</span>", 'title="works"', "never",
                 "Requests made with this token (token.used events)"):
        assert text in english, text


@pytest.mark.django_db
def test_a_tokens_confirmation_and_issue_pages(superuser, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user)
    czech = page(superuser, f"/admin/tokens/apitoken/{token.pk}/suspend/", **CS)
    assert f"Pozastavit token {token}?" in czech and "Ano, pozastavit" in czech
    assert "Ne, zpět" in czech
    czech = page(superuser, f"/admin/tokens/apitoken/issue/{programmatic_user.pk}/", **CS)
    for text in ("Vydat token pro", "Vyprší za (dny)", "Povolené IP adresy", "Zrušit",
                 'value="Vydat token"'):
        assert text in czech, text


@pytest.mark.django_db
def test_the_audit_list(superuser):
    record(AuditEvent.Event.AUTH_FAILED, details={"reason": "expired"})
    czech = page(superuser, "/admin/audit/auditevent/", **CS)
    for text in ("Exportovat tento filtrovaný výpis do CSV", "důvod selhání", "období",
                 "posledních 24 hodin", "Integrita:", "aktér", "Kdo", "Ověření selhalo",
                 "auth.failed"):  # the event's name stays the API's
        assert text in czech, text
    english = page(superuser, "/admin/audit/auditevent/")
    for text in ("Export CSV of this filtered view", "failure reason", "Integrity:"):
        assert text in english, text


@pytest.mark.django_db
def test_the_whose_token_page(superuser):
    czech = page(superuser, "/admin/tokens/apitoken/lookup/", **CS)
    assert "Čí je to token?" in czech and 'value="Dohledat"' in czech


# --- the API: codes stable in every language ---------------------------------------------------

@pytest.mark.django_db
def test_an_api_error_keeps_its_code_and_translates_its_detail():
    headers = {"HTTP_AUTHORIZATION": "Bearer pgu_not_a_token"}
    english = client_for(None).get("/api/v1/tokens/", **headers)
    czech = client_for(None).get("/api/v1/tokens/", **headers, **CS)
    assert english.status_code == czech.status_code == 401
    assert api_error(english) == {"detail": "Invalid or expired token.", "code": "invalid_token"}
    assert api_error(czech) == {"detail": "Neplatný nebo prošlý token.", "code": "invalid_token"}
    assert czech["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_drfs_own_errors_keep_their_code(superuser):
    english = client_for(None).get("/api/v1/tokens/")
    czech = client_for(None).get("/api/v1/tokens/", **CS)
    assert english.status_code == czech.status_code in (401, 403)
    english, czech = api_error(english), api_error(czech)
    assert english["code"] == czech["code"] == "not_authenticated"
    assert english["detail"] == "Authentication credentials were not provided."
    assert czech["detail"] != english["detail"]  # DRF's own Czech catalogue
    missing = client_for(superuser).get("/api/v1/projects/999999/", **CS)
    assert (missing.status_code, api_error(missing)) == (
        404, {"detail": "Nenalezeno.", "code": "not_found"})


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v2/anything/", "/api/"])
def test_the_json_404_keeps_its_code(path):
    english = client_for(None).get(path)
    czech = client_for(None).get(path, **CS)
    assert (english.status_code, api_error(english)) == (
        404, {"detail": "Not found.", "code": "not_found"})
    assert (czech.status_code, api_error(czech)) == (
        404, {"detail": "Nenalezeno.", "code": "not_found"})


@pytest.mark.django_db
def test_a_product_error_keeps_its_code(superuser, programmatic_user):
    """A service's refusal (here: a conflict) answers with the same code in Czech."""
    token = ApiTokenFactory(user=programmatic_user)
    client = client_for(superuser)
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/", {}, format="json").status_code \
        in (200, 204)
    english = client.post(f"/api/v1/tokens/{token.pk}/resume/", {}, format="json")
    czech = client.post(f"/api/v1/tokens/{token.pk}/resume/", {}, format="json", **CS)
    assert english.status_code == czech.status_code == 409
    english, czech = api_error(english), api_error(czech)
    assert english["code"] == czech["code"]
    # The service's own message follows the language; the code does not.
    assert english["detail"] == "This token is not suspended."
    assert czech["detail"] == "Tento token není pozastaven."


@pytest.mark.django_db
def test_a_refusal_of_the_no_escalation_rule_is_czech_in_the_api(programmatic_user):
    """The rule's refusals come from the services: a Czech configurator reads them in Czech."""
    from tests.accounts.factories import PersonFactory, group

    carla = PersonFactory(username="carla", is_staff=True)
    carla.groups.add(group("User configurators"))
    client = client_for(carla)
    url = f"/api/v1/programmatic-users/{programmatic_user.pk}/permissions/"
    body = {"permission": "projects.view_project"}
    english = client.post(url, body, format="json")
    czech = client.post(url, body, format="json", **CS)
    assert english.status_code == czech.status_code == 403
    assert api_error(english)["code"] == api_error(czech)["code"]
    assert "You can only grant or revoke permissions you hold yourself" in str(english.json())
    assert "Přidělit nebo odebrat můžete jen oprávnění, která sami máte" in str(czech.json())


# --- the catalogue -----------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def test_every_czech_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy
    assert len(po.translated_entries()) > 250


def test_every_translation_keeps_its_placeholders():
    for entry in polib.pofile(str(PO)):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = ([entry.msgstr] if not entry.msgid_plural
                        else list(entry.msgstr_plural.values()))
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == wanted or (
                entry.msgid_plural and set(PLACEHOLDER.findall(text)) <= set(wanted)), (
                entry.msgid, text)


def test_the_committed_mo_is_the_compiled_po():
    """CI has no gettext tools: the .mo is committed, and must say what the .po says."""
    def messages(catalogue):
        found = {}
        for entry in catalogue:
            if entry.obsolete or not entry.msgid:
                continue
            value = (entry.msgstr if not entry.msgid_plural
                     else tuple(v for _, v in sorted(entry.msgstr_plural.items())))
            found[(entry.msgctxt, entry.msgid, entry.msgid_plural)] = value
        return found

    assert messages(polib.mofile(str(MO))) == messages(polib.pofile(str(PO)))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (apt: gettext)")
def test_every_marked_string_of_the_code_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the sources: no msgid it finds is missing from the .po."""
    from django.core.management import call_command

    root = Path(settings.BASE_DIR)
    for name in ("accounts", "audit", "common", "config", "demo", "permissions", "projects",
                 "tokens", "templates"):
        shutil.copytree(root / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # makemessages writes to the first one
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["cs"], verbosity=0, no_obsolete=True)
    found = polib.pofile(str(tmp_path / "locale" / "cs" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if e.translated()}
    missing = sorted(e.msgid for e in found if (e.msgctxt, e.msgid) not in ours)
    assert len(found) > 250
    assert missing == []
