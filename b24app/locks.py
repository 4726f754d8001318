"""Cross-worker locks in the database: FOR UPDATE on Postgres, BEGIN IMMEDIATE on SQLite."""

from contextlib import contextmanager

from sqlalchemy import select

from .extensions import db
from .models import Portal


@contextmanager
def portal_lock(portal_id: int):
    """Hold the portal row exclusively; yields a connection to read and write through."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(select(Portal.id).where(Portal.id == portal_id).with_for_update())
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
