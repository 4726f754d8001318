"""`flask --app b24app keys rotate`: everything stored under old keys, rewritten under the new.

Run it after moving the old SECRET_KEY into SECRET_KEY_FALLBACKS and setting a new one; once it
has run, the fallbacks can be dropped.
"""

from dataclasses import dataclass

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import undefer_group
from sqlalchemy.orm.attributes import flag_modified

from .crypto import digest
from .extensions import db
from .models import Connection, Portal

SECRETS = {
    Portal: ("access_token", "refresh_token", "pending_refresh_token", "application_token"),
    Connection: ("api_token", "secret"),
}


@dataclass
class Rotated:
    """What the rotation did, for the command's summary."""

    rows: int = 0
    values: int = 0
    unreadable: int = 0


def rotate() -> Rotated:
    """Re-encrypt every stored secret with the current key and rewrite webhook digests."""
    done = Rotated()
    for model, columns in SECRETS.items():
        group = "tokens" if model is Portal else "secrets"
        for row in db.session.execute(select(model).options(undefer_group(group))).scalars():
            done.rows += 1
            for column in columns:
                raw = db.session.execute(
                    select(type_coerce(model.__table__.c[column], Text)).where(
                        model.__table__.c.id == row.id
                    )
                ).scalar()
                value = getattr(row, column)
                if raw is not None and value is None:
                    done.unreadable += 1  # encrypted under a key that is no longer configured
                    continue
                if value is not None:
                    flag_modified(row, column)
                    done.values += 1
            if model is Connection and row.secret:
                row.secret_digest = digest(row.secret)
    db.session.commit()
    return done
