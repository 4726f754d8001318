"""Chat2Desk webhook signatures (issue #12's algorithm), once the header names are configured:
a forged, missing or replayed signature is refused before anything is journaled."""

import json
import time

import pytest
import requests
from sqlalchemy import func, select

from b24app.clients import c2d_signature
from b24app.extensions import db
from b24app.models import Journal
from tests.e2e.helpers import TIMEOUT, portal_row
from tests.e2e.ol_helpers import c2d_state, setup_portal

SIG, TS = "X-Test-Signature", "X-Test-Timestamp"  # stand-ins: no source names the real ones


@pytest.fixture
def signing(sandbox):
    sandbox.app.config.update(C2D_SIGNATURE_HEADER=SIG, C2D_TIMESTAMP_HEADER=TS)
    yield
    sandbox.app.config.update(C2D_SIGNATURE_HEADER="", C2D_TIMESTAMP_HEADER="")


def _rows(box, member_id) -> int:
    with box.app.app_context():
        pid = portal_row(box, member_id).id
        return db.session.execute(
            select(func.count()).select_from(Journal).where(Journal.portal_id == pid)
        ).scalar()


def _post(url, body: bytes, headers: dict) -> requests.Response:
    return requests.post(
        url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=TIMEOUT
    )


def test_forged_missing_and_replayed_signatures_are_refused(sandbox, portal_name, signing):
    env = setup_portal(sandbox, portal_name, openlines=False)
    url = c2d_state(sandbox, env.c2d)["webhooks"][0]["url"]
    key = c2d_signature.keys_for(env.c2d)[0]
    body = json.dumps({"hook_type": "new_request", "request_id": 1, "client_id": 1}).encode()
    now = str(int(time.time()))
    before = _rows(sandbox, env.member_id)
    attacks = {
        "no signature": {},
        "forged": {SIG: c2d_signature.sign(body, now, b"not-the-key"), TS: now},
        "another body's": {SIG: c2d_signature.sign(b"{}", now, key), TS: now},
        "replayed": {SIG: c2d_signature.sign(body, "1700000000", key), TS: "1700000000"},
    }
    for what, headers in attacks.items():
        resp = _post(url, body, headers)
        assert resp.status_code == 401, what
        assert "signature" in resp.json()["error"]
    assert _rows(sandbox, env.member_id) == before, "a refused webhook was journaled"
    good = _post(url, body, {SIG: c2d_signature.sign(body, now, key), TS: now})
    assert good.status_code == 200, good.text
    assert _rows(sandbox, env.member_id) == before + 1
