"""Languages (issue 5 item 7): four catalogs, every string translated, picked by the portal's LANG.

When a marked string is added or changed, this test fails until the catalogs are brought up to date:
run `make translations`, then translate the new entries in
b24app/translations/{ru,es,pt}/LC_MESSAGES/messages.po (no `#, fuzzy` left: fuzzy entries are not
compiled, so they would show in English).
"""

import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from tests.e2e.helpers import (
    connect,
    csrf_of,
    installed_portal,
    new_c2d_company,
    open_app,
    page,
    submit,
)

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "b24app" / "translations"
LANGUAGES = ("en", "ru", "es", "pt")
TRANSLATED = ("ru", "es", "pt")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{\w*\}")


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _forms(value) -> tuple:
    return value if isinstance(value, tuple | list) else (value,)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set:
    """The msgids marked in the code right now, extracted exactly as `make translations` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_compiles_without_fuzzy_entries(lang):
    catalog = _catalog(lang)
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not compiled"
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert not problems, problems
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    compiled = Translations(buf)
    for msg in catalog:
        if not msg.id or not all(_forms(msg.string)):
            continue
        if isinstance(msg.id, tuple):
            assert compiled.ngettext(*msg.id, 1) == msg.string[0]
        else:
            assert compiled.gettext(msg.id) == msg.string


def test_template_matches_the_code(source_ids):
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        pot_ids = {m.id for m in read_po(fh) if m.id}
    assert not source_ids - pot_ids, "new strings: run `make translations` and translate them"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang, source_ids):
    catalog = _catalog(lang)
    translated = {m.id for m in catalog if m.id and all(_forms(m.string)) and not m.fuzzy}
    missing = sorted(map(str, source_ids - translated))
    assert not missing, (
        f"untranslated in {lang} (run `make translations`, then translate): {missing}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_kept(lang):
    wrong = []
    for msg in _catalog(lang):
        if not msg.id:
            continue
        wanted = {p for source in _forms(msg.id) for p in PLACEHOLDER.findall(source)}
        for form in _forms(msg.string):
            if set(PLACEHOLDER.findall(form)) != wanted:
                wrong.append((msg.id, form))
    assert not wrong, wrong


@pytest.mark.parametrize(
    "lang, html_lang, connection, common, notify",
    [
        ("en", "en", "Connection", "Common", "Notify about incoming messages"),
        ("ru", "ru", "Подключение", "Общие", "Уведомлять о входящих сообщениях"),
        ("la", "es", "Conexión", "General", "Notificar los mensajes entrantes"),
        ("br", "pt", "Conexão", "Geral", "Notificar sobre mensagens recebidas"),
    ],
)
def test_settings_page_speaks_the_portal_language(
    sandbox, portal_name, lang, html_lang, connection, common, notify
):
    installed_portal(sandbox, portal_name)
    admin = open_app(sandbox, portal_name)
    assert connect(sandbox, admin, new_c2d_company(sandbox)).status_code == 302

    token = open_app(sandbox, portal_name, lang=lang)
    resp = page(sandbox, "/settings/common", token)
    assert resp.status_code == 200
    html = resp.text
    assert f'<html lang="{html_lang}">' in html
    assert f'data-tab="connection">{connection}</a>' in html
    assert f'data-tab="common">{common}</a>' in html
    assert notify in html

    saved = submit(sandbox, "/settings/common", token, {"dialog_links": "chat2desk"}, csrf_of(html))
    assert saved.status_code == 302
    after = page(sandbox, "/settings/common", token).text
    expected = {"en": "Settings saved.", "ru": "Настройки сохранены."}
    expected |= {"la": "Configuración guardada.", "br": "Configurações salvas."}
    assert expected[lang] in after
