"""Every settings page inside the portal's iframe: change a field, save, reload, still there."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import ui
from tests.e2e import helpers

pytestmark = pytest.mark.browser

TABS = ("connection", "common", "tags", "analytics", "fields", "operators", "crm", "access")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RU_CATALOG = Path(__file__).resolve().parents[2] / "b24app/translations/ru/LC_MESSAGES/messages.po"
CYRILLIC = re.compile("[А-Яа-яЁё]")
# Names that stay as they are in a Russian interface.
PROPER_NAMES = re.compile(r"\b(CRM|Chat2Desk|Bitrix24|API|UTM|ID|utm_\w+|client_id|message_id)\b")
MAX_ATTEMPTS = 6
# Every control a user can change, in page order; free-text inputs last (they may need a format).
CONTROLS = """form => [...form.elements]
  .filter(el => el.name && !el.disabled && el.type !== "hidden" && el.type !== "submit"
                && el.tagName !== "BUTTON" && el.getClientRects().length > 0)
  .map(el => ({name: el.name, tag: el.tagName.toLowerCase(), type: el.type,
               value: el.getAttribute("value"), checked: el.checked, multiple: !!el.multiple,
               options: el.tagName === "SELECT"
                 ? [...el.options].filter(o => !o.disabled).map(o => o.value) : [],
               selected: el.tagName === "SELECT"
                 ? [...el.selectedOptions].map(o => o.value) : []}))
  .sort((a, b) => (a.tag === "input" && !["checkbox", "radio"].includes(a.type))
                  - (b.tag === "input" && !["checkbox", "radio"].includes(b.type)))"""


@pytest.fixture(scope="module")
def connected(browser_box):
    """A portal with the app installed and the sandbox Chat2Desk account connected (over HTTP)."""
    name = ui.new_portal_name()
    helpers.installed_portal(browser_box, name)
    token = helpers.open_app(browser_box, name)
    assert helpers.connect(browser_box, token).status_code == 302
    return name


def _settings_form(page):
    return page.frame_locator(ui.FRAME).locator("form.b24-form").first


def _selector(control: dict) -> str:
    if control["type"] in ("checkbox", "radio") and control["value"] is not None:
        return f'[name="{control["name"]}"][value="{control["value"]}"]'
    return f'[name="{control["name"]}"]'


def _change(form, control: dict):
    """Change one control the way a user would; returns the value expected after a reload."""
    target = form.locator(_selector(control)).first
    if control["type"] == "checkbox":
        target.set_checked(not control["checked"])
        return not control["checked"]
    if control["type"] == "radio":
        if control["checked"]:
            return None
        target.check()
        return True
    if control["tag"] == "select" and control["multiple"]:
        spare = [v for v in control["options"] if v not in control["selected"]]
        wanted = [*control["selected"], spare[0]] if spare else control["selected"][:-1]
        target.select_option(wanted)
        return sorted(wanted)
    if control["tag"] == "select":
        others = [v for v in control["options"] if v not in control["selected"]]
        others.sort(key=lambda v: v == "")  # a real choice before "not transferred"
        if not others:
            return None
        target.select_option(others[0])
        return others[0]
    target.fill("browser-test")
    return "browser-test"


def _read(form, control: dict):
    target = form.locator(_selector(control)).first
    if control["type"] in ("checkbox", "radio"):
        return target.is_checked()
    if control["tag"] == "select" and control["multiple"]:
        return sorted(target.evaluate("el => [...el.selectedOptions].map(o => o.value)"))
    return target.input_value()


def _save(page, box) -> bool:
    """Press the form's save button; True when the app answered with success and no field error."""
    app, form = page.frame_locator(ui.FRAME), _settings_form(page)
    button = form.locator("button.b24-btn-primary, button[type=submit]").first
    ui.navigate(page, box, button)
    try:
        app.locator(".b24-alert, .b24-error").first.wait_for()
    except PlaywrightTimeoutError:
        body = app.locator("body").inner_text(timeout=2_000)[:500]
        pytest.fail(f"no flash message and no field error after saving; the frame shows: {body}")
    return (
        app.locator(".b24-alert-success").count() > 0
        and app.locator(".b24-error, .b24-alert-error").count() == 0
    )


def _change_and_save(page, box, tab: str):
    """Try the controls in order until one change is accepted: (control, expected value)."""
    tried = []
    for attempt in range(MAX_ATTEMPTS):
        ui.open_tab(page, box, tab)
        controls = ui.app_frame(page, box).locator("form.b24-form").first.evaluate(CONTROLS)
        if attempt >= len(controls):
            break
        control = controls[attempt]
        expected = _change(_settings_form(page), control)
        if expected is None:
            continue
        if _save(page, box):
            return control, expected
        tried.append(control["name"])
    pytest.fail(f"{tab}: no change was accepted (tried {tried})")


def _reads_russian(label: str) -> bool:
    """Cyrillic, or nothing but names that no one translates (CRM, Chat2Desk…)."""
    return bool(CYRILLIC.search(label)) or not re.search("[A-Za-z]", PROPER_NAMES.sub("", label))


def _russian_translated() -> bool:
    """Whether b24app/translations/ru has any translated message (catalogs come in later)."""
    if not RU_CATALOG.exists():
        return False
    with RU_CATALOG.open("rb") as src:
        catalog = read_po(src, locale="ru")
    strings = (m.string if isinstance(m.string, tuple) else (m.string,) for m in catalog if m.id)
    return any(any(forms) for forms in strings)


def _screenshot(page, box, tab: str) -> None:
    """The whole portal page with the app; a tall viewport instead of full_page=True, because
    Chromium paints a cross-site (out-of-process) iframe only inside the viewport."""
    ui.wait_fitted(page, box)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({**ui.VIEWPORT, "height": max(ui.VIEWPORT["height"], height)})
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{tab}.png"))
    finally:
        page.set_viewport_size(ui.VIEWPORT)


def _check_connection_tab(page, box) -> None:
    ui.open_tab(page, box, "connection")
    assert ui.connect_chat2desk(page, box) == box.c2d_api
    page.reload()
    app = page.frame_locator(ui.FRAME)
    ui.open_tab(page, box, "connection")
    assert "Connected" in app.locator("h2").first.inner_text()
    assert app.locator('select[name="api_url"]').input_value() == box.c2d_api


@pytest.mark.parametrize("tab", TABS)
def test_tab_saves_and_keeps_a_field(page, browser_box, connected, tab):
    box = browser_box
    page.goto(box.portal_url(connected))
    ui.app_frame(page, box)
    if tab == "connection":
        _check_connection_tab(page, box)
        _screenshot(page, box, tab)
        return
    frame = ui.open_tab(page, box, tab)
    assert frame.locator("h1").first.is_visible()
    if frame.locator("form.b24-form").count() == 0:
        _screenshot(page, box, tab)
        pytest.skip(f"the {tab} tab has no settings form yet (placeholder page)")
    control, expected = _change_and_save(page, box, tab)

    page.reload()
    ui.open_tab(page, box, tab)
    assert _read(_settings_form(page), control) == expected, f"{tab}: {control['name']} not kept"
    _screenshot(page, box, tab)


def test_non_admin_sees_read_only_settings(page, browser_box, connected):
    box, name = browser_box, ui.new_portal_name()
    helpers.installed_portal(box, name)
    page.goto(box.portal_url(name))
    ui.app_frame(page, box)
    employee = page.locator("#user_id option", has_not_text="(admin)").first.get_attribute("value")
    with page.expect_navigation():
        page.locator("#user_id").select_option(employee)
    app = page.frame_locator(ui.FRAME)
    app.locator(".b24-readonly").wait_for()
    assert app.locator("form.b24-form button[type=submit]").count() == 0


def _labels(frame) -> list[str]:
    return [
        *frame.locator(".b24-tab").all_inner_texts(),
        frame.locator("h1").inner_text(),
        *frame.locator(".b24-label").all_inner_texts(),
    ]


def test_portal_language_russian(page, browser_box):
    box, name = browser_box, ui.new_portal_name()
    helpers.installed_portal(box, name)
    assert helpers.connect(box, helpers.open_app(box, name)).status_code == 302
    page.goto(box.portal_url(name))
    ui.app_frame(page, box)
    with page.expect_navigation():
        page.locator("#lang").select_option("ru")
    assert "LANG=ru" in page.locator("#app-form").get_attribute("action")
    page.frame_locator(ui.FRAME).locator('.b24-tab.active[data-tab="common"]').wait_for()
    frame = ui.app_frame(page, box)
    assert frame.locator("html").get_attribute("lang") == "ru"
    labels = _labels(frame)
    labels += _labels(ui.open_tab(page, box, "connection"))

    english = [label for label in labels if not _reads_russian(label)]
    if english and not _russian_translated():
        pytest.xfail(f"the Russian catalog has no translations yet; English labels: {english}")
    assert english == [], f"labels not in Russian: {english}"
    ui.open_tab(page, box, "common")
    _screenshot(page, box, "common-ru")
