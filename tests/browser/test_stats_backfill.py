"""The stats page and the backfill page inside the portal's iframe (issue 15), in Chromium;
their screenshots for the README; the tab bar fits one row at 1280 px in Russian."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from b24app.extensions import db
from b24app.models import Journal, Portal
from tests.browser import ui
from tests.browser.test_tabs import _screenshot
from tests.e2e import helpers

pytestmark = pytest.mark.browser
TODAY = datetime.now(UTC).date()


def _connected(box) -> str:
    name = ui.new_portal_name()
    info = helpers.installed_portal(box, name)
    assert helpers.connect(box, helpers.open_app(box, name)).status_code == 302
    return name, info["member_id"]


def _month_of_events(box, member_id: str) -> None:
    """A month of activity: inboxes that notified, closes that made leads and deals, a few
    failures and retries — known numbers the page must show."""
    with box.app.app_context():
        pid = db.session.execute(select(Portal.id).filter_by(member_id=member_id)).scalar_one()
        rows = []
        for back in range(30):
            day = datetime.combine(TODAY - timedelta(days=back), datetime.min.time(), UTC)
            for i in range(5 + (back * 7) % 11):
                close = i % 4 == 0
                rows.append(
                    {
                        "portal_id": pid,
                        "key": uuid.uuid4().hex,
                        "payload": {},
                        "hook_type": "close_dialog" if close else "inbox",
                        "status": "failed" if i == 3 and back % 5 == 0 else "done",
                        "decision": "",
                        "error": "",
                        "attempts": 2 if i == 2 and back % 3 == 0 else 1,
                        "notified": 0 if close else 1,
                        "entity_kind": ("deal" if back % 2 else "lead") if close else None,
                        "channel_id": str(1 + i % 3),
                        "took_ms": 120 + 37 * i + back,
                        "created_at": day + timedelta(hours=9, minutes=i),
                        "updated_at": day + timedelta(hours=9, minutes=i),
                    }
                )
        db.session.execute(insert(Journal), rows)
        db.session.commit()
        return len(rows)


def test_stats_page_in_the_portal_frame(page, browser_box):
    box = browser_box
    name, member_id = _connected(box)
    total = _month_of_events(box, member_id)
    page.goto(box.portal_url(name))
    ui.app_frame(page, box)
    frame = ui.open_tab(page, box, "stats")
    app = page.frame_locator(ui.FRAME)
    app.locator("#chart-events svg").wait_for()
    assert app.locator("#chart-events rect.b24-chart-bar").count() == 30
    assert app.locator("#stats-table tbody tr").count() == 30
    assert app.locator("#stats-table tfoot th").nth(1).inner_text() == str(total)
    assert app.locator("#chart-events svg title").first.text_content() == "Events per day"
    width = frame.evaluate(
        "() => document.querySelector('#chart-events svg').getBoundingClientRect().width"
    )
    assert width > 500  # drawn across the card, inside the iframe
    _screenshot(page, box, "stats")


def test_backfill_page_in_the_portal_frame(page, browser_box):
    box = browser_box
    name, _member = _connected(box)
    page.goto(box.portal_url(name))
    ui.app_frame(page, box)
    ui.open_tab(page, box, "backfill")
    app = page.frame_locator(ui.FRAME)
    app.locator('input[name="since"]').fill(str(TODAY - timedelta(days=1)))
    ui.navigate(page, box, app.locator("form.b24-form button.b24-btn-primary"))
    app.locator("#backfill-dry-run").wait_for()
    lines = app.locator(".backfill-line").count()
    assert lines >= 2  # the sandbox account's dialogs closed before the app came
    _screenshot(page, box, "backfill")
    app.locator('input[name="since"]').fill(str(TODAY - timedelta(days=1)))
    ui.navigate(page, box, app.locator("#backfill-start"))
    done = app.locator('#backfill-run[data-state="done"]')
    done.wait_for(timeout=30_000)  # the page refreshes itself until the run is over
    assert done.get_attribute("data-done") == done.get_attribute("data-total")
    assert int(done.get_attribute("data-total")) == lines


def test_tab_bar_fits_one_row_at_1280_in_russian(page, browser_box):
    box = browser_box
    name, _member = _connected(box)
    page.goto(box.portal_url(name))
    ui.app_frame(page, box)
    with page.expect_navigation():
        page.locator("#lang").select_option("ru")
    page.frame_locator(ui.FRAME).locator('.b24-tab.active[data-tab="common"]').wait_for()
    frame = ui.app_frame(page, box)
    tops = frame.evaluate("() => [...document.querySelectorAll('.b24-tab')].map(t => t.offsetTop)")
    widths = frame.evaluate(
        "() => [document.querySelector('.b24-tabs').clientWidth,"
        " ...[...document.querySelectorAll('.b24-tab')].map(t => [t.innerText, t.offsetWidth])]"
    )
    assert len(tops) >= 12 and len(set(tops)) == 1, widths
