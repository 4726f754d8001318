"""Backfill (issue 15, item 2): the dry run writes nothing and lists exactly the dialogs without
an entity; a run writes one entity each, a second run nothing more; the page's progress."""

import re
import time
from datetime import UTC, datetime, timedelta

import requests

from b24app import backfill_runs
from b24app.extensions import db

from .flows_world import make_world, methods
from .helpers import TIMEOUT, csrf_of, page, submit


def _today():
    """Read at each use: a run that crosses midnight UTC keeps its dates right."""
    return datetime.now(UTC).date()


WRITES = {"crm.lead.add", "crm.deal.add", "crm.contact.add", "crm.timeline.comment.add"}


def _api(world, method: str, path: str, **body):
    resp = requests.request(
        method,
        f"{world.box.c2d_api}{path}",
        json=body,
        headers={"Authorization": world.c2d_token},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _history(world) -> dict:
    """Dana and the widget visitor closed before the app came (seed); Ivan's close reached the
    app; Alex's close was lost (Chat2Desk had the webhook disabled); the group is open."""
    ivan, alex = world.client("Ivan Smirnov"), world.client("Alex Telegram")
    world.event("close_dialog", client_id=ivan["id"])
    world.wait()
    hook = world.c2d_state()["webhooks"][0]
    _api(world, "PUT", f"/webhooks/{hook['id']}", status="disable")
    _api(world, "PUT", f"/dialogs/{world.dialog_of(alex['id'])['id']}", state="closed")
    world.wait()
    _api(world, "PUT", f"/webhooks/{hook['id']}", status="enable")
    dialogs = {c["name"]: world.dialog_of(c["id"])["id"] for c in world.c2d_state()["clients"]}
    return {
        "without": {
            str(dialogs["Dana Widget"]),
            str(dialogs["[chat] 1d0bb2e221762cfcc05c"]),
            str(dialogs["Alex Telegram"]),
        },
        "ivan": str(dialogs["Ivan Smirnov"]),
    }


def _cli(world, *args):
    runner = world.box.app.test_cli_runner()
    return runner.invoke(
        args=[
            "backfill",
            "--since",
            str(_today() - timedelta(days=1)),
            "--portal",
            world.member_id,
            *args,
        ]
    )


def _entities(world) -> int:
    state = world.b24()
    return len(state["leads"]) + len(state["deals"])


def test_dry_run_writes_nothing_and_lists_exactly_the_dialogs_without_entity(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    history = _history(world)
    before, rows_before = _entities(world), len(world.journal())
    assert before == 1  # Ivan's close made its lead
    world.clear_logs()
    result = _cli(world, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    listed = {m.group(1) for m in (re.match(r"dialog (\d+): ", line) for line in lines) if m}
    assert listed == history["without"]
    assert lines[-1] == "3 dialog(s) would be written"
    assert any("lead(s)" in line for line in lines if line.startswith("  "))  # by channel
    assert not WRITES & set(methods(world.b24_log()))
    assert all(entry["method"] == "GET" for entry in world.c2d_log())
    assert _entities(world) == before and len(world.journal()) == rows_before
    later = _cli(world, "--dry-run").output  # the same question, the same answer
    assert later.strip().splitlines()[-1] == "3 dialog(s) would be written"
    runner = world.box.app.test_cli_runner()
    future = runner.invoke(
        args=[
            "backfill",
            "--since",
            str(_today() + timedelta(days=1)),
            "--portal",
            world.member_id,
            "--dry-run",
        ]
    )
    assert future.output.strip().splitlines()[-1] == "0 dialog(s) would be written"


def test_backfill_twice_makes_one_entity_each(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    history = _history(world)
    first = _cli(world)
    assert first.exit_code == 0, first.output
    assert "3 dialog(s): 3 done" in first.output
    assert _entities(world) == 1 + 3
    rows = [r for r in world.journal() if r.payload.get("backfill")]
    assert {r.dialog_id for r in rows} == history["without"]
    assert {r.status for r in rows} == {"done"} and all(r.entity_kind == "lead" for r in rows)
    second = _cli(world)
    assert second.exit_code == 0 and "0 dialog(s): nothing left" in second.output
    assert _entities(world) == 1 + 3
    comments = world.b24()["comments"]
    assert len(comments) == 4  # one transcript per entity, none twice
    dry = _cli(world, "--dry-run").output
    assert dry.strip().splitlines()[-1] == "0 dialog(s) would be written"


def test_page_dry_run_start_and_progress(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    history = _history(world)
    token = world.frame_token
    html = page(sandbox, "/settings/backfill", token).text
    assert 'name="since"' in html and 'id="backfill-start"' in html
    since = str(_today() - timedelta(days=1))
    dry = submit(
        sandbox, "/settings/backfill?t=" + token, token, {"since": since}, csrf=csrf_of(html)
    )
    assert dry.status_code == 200
    assert (
        set(re.findall(r'class="backfill-line" data-dialog="(\d+)"', dry.text))
        == history["without"]
    )
    assert 'data-writes="3"' in dry.text and 'id="backfill-summary"' in dry.text
    assert _entities(world) == 1
    started = submit(
        sandbox,
        "/settings/backfill?t=" + token,
        token,
        {"since": since, "action": "start"},
        csrf=csrf_of(html),
    )
    assert started.status_code == 302
    seen, deadline = [], time.monotonic() + 30
    while time.monotonic() < deadline:
        body = page(sandbox, "/settings/backfill", token).text
        state = re.search(r'id="backfill-run" data-state="(\w+)" data-done="(\d+)"', body)
        seen.append((state.group(1), int(state.group(2))))
        if state.group(1) in ("done", "failed"):
            break
        assert 'http-equiv="refresh"' in body  # the page refreshes itself while it runs
        time.sleep(0.2)
    assert seen[-1] == ("done", 3), seen
    assert [n for _s, n in seen] == sorted(n for _s, n in seen)  # the count only grows
    assert 'http-equiv="refresh"' not in body and "Finished: 3 dialogs." in body
    assert _entities(world) == 1 + 3


def test_page_shows_a_running_count_and_refreshes(sandbox, portal_name):
    world = make_world(sandbox, portal_name)
    with sandbox.app.app_context():
        portal = world.portal()
        backfill_runs._save(portal, state="running", since=str(_today()), total=3, done=1)
        db.session.remove()
    html = page(sandbox, "/settings/backfill", world.frame_token).text
    assert "1 of 3 dialogs done" in html and 'http-equiv="refresh"' in html
    assert 'id="backfill-start"' in html and "disabled" in html.split('id="backfill-start"')[1][:40]
