"""The benchmark scripts work: tiny runs of intake (d) and burst (b), asserting behaviour only."""

import pytest

from bench import burst, intake, stats_page
from bench.common import backends


@pytest.mark.parametrize("backend", backends())
def test_intake_under_gunicorn_journals_every_hook(backend):
    result = intake.measure(backend, count=50, rounds=1, threads=4)
    assert set(result["app_statuses"]) == {200}
    assert set(result["bare_statuses"]) == {200}
    assert result["app_rows"] == result["app_sent"] == 100  # 50 warm-up + 50 measured
    assert result["bare_rows"] == result["bare_sent"] == 100
    assert result["app_rps"] > 0 and result["bare_rps"] > 0


@pytest.mark.parametrize("backend", backends())
def test_burst_stays_within_the_portals_bucket(backend):
    result = burst.measure(backend, webhooks=50, rate=20, burst=10)
    assert result["rejected"] == 0
    assert 0 < result["peak"] <= result["burst"]
    assert result["journal"] == {"done": 50}
    assert result["b24_requests"] < 50  # queued notifications went out coalesced


@pytest.mark.parametrize("backend", backends())
def test_stats_page_bench_generates_rows_and_reads_the_index(backend):
    result = stats_page.measure(backend, big=3000)
    assert result["indexed"] is True
    assert result["base"] > 0 and result["crowded"] > 0 and result["busy"] > 0
