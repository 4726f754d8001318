"""Property: no payload, however malformed, makes the webhook answer a 5xx other than 503."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24app.c2d_events import KNOWN
from b24app.extensions import db
from b24app.models import Connection, Portal

SECRET = "fuzz-secret-0123456789"
# remote calls go to a closed port: fail at once, no backoff, no throttle wait
FAIL_FAST = {
    "HTTP_TIMEOUT": (0.2, 0.2),
    "B24_RATE": 1e6,
    "B24_BURST": 10**9,
    "B24_MAX_BACKOFF": 0.0,
    "C2D_RETRIES": 0,
    "C2D_TIMEOUT": (0.2, 0.2),
}
ID_KEYS = (
    "message_id",
    "dialog_id",
    "request_id",
    "client_id",
    "operator_id",
    "channel_id",
    "id",
    "tag_id",
)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
ids = st.one_of(st.integers(min_value=-5, max_value=10**12), st.text(max_size=80), values)
payloads = st.fixed_dictionaries(
    {"hook_type": st.one_of(st.sampled_from(sorted(KNOWN)), st.text(max_size=70), values)},
    optional={k: ids for k in ID_KEYS}
    | {
        "text": values,
        "event_time": values,
        "extra_data": values,
        "client": values,
        "type": values,
        "is_group": values,
        "attachments": values,
    },
)
bodies = st.one_of(
    payloads.map(lambda p: json.dumps(p).encode()),
    values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)


def _connected(app) -> None:
    with app.app_context():
        portal = Portal(
            member_id="fuzz",
            domain="fuzz.test",
            client_endpoint="http://127.0.0.1:9/rest/",
            server_endpoint="https://oauth.test/rest/",
            access_token="a",
            refresh_token="r",
            admin_user_ids=[1],
            installer_user_id=1,
        )
        conn = Connection(portal=portal, api_token="tok", api_url="http://127.0.0.1:9/v1")
        from b24app.crypto import digest

        conn.secret, conn.secret_digest = SECRET, digest(SECRET)
        db.session.add_all([portal, conn])
        db.session.commit()


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_no_5xx_but_503_for_any_body(app, body):
    app.config.update(FAIL_FAST)
    if not getattr(app, "_fuzz_ready", False):
        _connected(app)
        app._fuzz_ready = True
    resp = app.test_client().post(
        f"/webhooks/chat2desk/{SECRET}", data=body, content_type="application/json"
    )
    assert resp.status_code < 500 or resp.status_code == 503, (resp.status_code, body)
    assert resp.is_json
