"""10,000 random payloads at the webhook: never a 5xx other than 503, always JSON."""

import json
import random

from b24app.c2d_events import KNOWN
from tests.unit.test_webhook_fuzz import FAIL_FAST, ID_KEYS, SECRET, _connected

IDS = list(ID_KEYS)


def _value(rng: random.Random, depth: int = 0):
    pick = rng.randrange(9 if depth < 2 else 6)
    makers = [
        lambda: None,
        lambda: True,
        lambda: rng.randint(-(10**15), 10**15),
        lambda: rng.random() * 1e9,
        lambda: "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(40))),
        lambda: rng.choice(["", "0", "1", "-1", "NaN", "1e309", "[tg] 1", "+7 916"]),
        lambda: [_value(rng, depth + 1) for _ in range(rng.randrange(3))],
        lambda: {str(_value(rng, 2)): _value(rng, depth + 1) for _ in range(rng.randrange(3))},
        lambda: {"id": _value(rng, depth + 1)},
    ]
    return makers[pick]()


def _body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    if roll < 0.2:
        return json.dumps(_value(rng)).encode()
    payload = {"hook_type": rng.choice(sorted(KNOWN)) if rng.random() < 0.8 else _value(rng)}
    for key in rng.sample(IDS, rng.randrange(len(IDS))):
        payload[key] = rng.randint(1, 10**6) if rng.random() < 0.7 else _value(rng)
    for key in ("text", "event_time", "extra_data", "client", "type", "is_group"):
        if rng.random() < 0.4:
            payload[key] = _value(rng)
    return json.dumps(payload).encode()


def test_ten_thousand_random_payloads(app):
    app.config.update(FAIL_FAST)
    _connected(app)
    client, rng, seen = app.test_client(), random.Random(20261127), {}
    for _ in range(10_000):
        body = _body(rng)
        resp = client.post(
            f"/webhooks/chat2desk/{SECRET}", data=body, content_type="application/json"
        )
        seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
        assert resp.status_code < 500 or resp.status_code == 503, (resp.status_code, body)
        assert resp.is_json
    assert seen.get(400) and seen.get(200), seen  # both malformed and accepted bodies occurred
