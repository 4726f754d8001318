"""A backfill started from the page: its progress is kept with the portal's settings (so
every worker and the page see it), the work runs beside the request. Resumable: a run whose
heartbeat stopped may be started again, and it does only what is left."""

import logging
import threading
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale

from . import backfill as service
from . import settings_store
from .extensions import db
from .i18n import normalise
from .models import Portal

log = logging.getLogger(__name__)
TAB = "backfill"
STALE = timedelta(minutes=2)


def current(portal: Portal) -> dict:
    return settings_store.load(portal, TAB)


def busy(state: dict) -> bool:
    """Running, and heard from recently (a run whose process died is not busy)."""
    if state.get("state") not in ("finding", "running"):
        return False
    beat = datetime.fromisoformat(state.get("beat") or "1970-01-01T00:00:00+00:00")
    return datetime.now(UTC) - beat < STALE


def _save(portal: Portal, **values) -> None:
    settings_store.save(portal, TAB, {**current(portal), **values, "beat": _now()})
    db.session.commit()


def _now() -> str:
    return datetime.now(UTC).isoformat()


def start(portal: Portal, since: date) -> bool:
    """Begin a run unless one is busy; False when one is."""
    if busy(current(portal)):
        return False
    settings_store.save(
        portal,
        TAB,
        {
            "state": "finding",
            "since": since.isoformat(),
            "total": 0,
            "done": 0,
            "counts": {},
            "started": _now(),
            "finished": "",
            "error": "",
            "beat": _now(),
        },
    )
    db.session.commit()
    app = current_app._get_current_object()
    worker = threading.Thread(target=_work, args=(app, portal.id, since), daemon=True)
    worker.start()
    return True


def _work(app, portal_id: int, since: date) -> None:
    from .flows.dispatch import context_for
    from .journal import describe

    with app.app_context():
        portal = db.session.get(Portal, portal_id)
        try:
            with force_locale(normalise(portal.lang)):
                found = service.candidates(context_for(portal), since)
                _save(portal, state="running", total=len(found))
                counts: dict[str, int] = {}

                def progress(number: int, status: str) -> None:
                    counts[status] = counts.get(status, 0) + 1
                    _save(portal, done=number, counts=dict(counts))

                service.run(portal, found, progress)
                _save(portal, state="done", finished=_now())
        except Exception as exc:  # noqa: BLE001 - the page says why; the next run resumes
            log.warning("backfill of portal %s stopped: %s", portal_id, exc)
            db.session.rollback()
            _save(portal, state="failed", error=str(describe(exc)), finished=_now())
        finally:
            db.session.remove()
