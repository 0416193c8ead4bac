"""Background jobs: run on RQ workers when Redis is configured, inline otherwise.

Jobs that act on the outside world are only started after the transaction
that asked for them has committed (``enqueue_after_commit``); a rollback
drops them. An inline job runs in a fresh application context, with its own
database session, exactly as it would on a worker.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

log = logging.getLogger(__name__)

_PENDING = "nebendesk_jobs_after_commit"
QUEUE_NAME = "nebendesk"


def enqueue_after_commit(func: Callable[..., Any], *args: Any) -> None:
    """Run ``func(*args)`` as a job once the current transaction commits."""
    pending: list[tuple[str, tuple[Any, ...]]] = db.session.info.setdefault(_PENDING, [])
    job = (f"{func.__module__}:{func.__qualname__}", args)
    if job not in pending:
        pending.append(job)


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run ``func(*args)`` as a job now (inline) or on a worker."""
    _dispatch(f"{func.__module__}:{func.__qualname__}", args)


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run_job(path: str, *args: Any) -> None:
    """Entry point on RQ workers and for inline runs: call the job, commit once."""
    try:
        _resolve(path)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()  # a worker runs many jobs; each starts with a fresh session


def _dispatch(path: str, args: tuple[Any, ...]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_INLINE"]:
        try:
            with app.app_context():
                run_job(path, *args)
        except Exception:
            # The job's own rows record what is still to do; a retry (cron or
            # the next run) picks it up. Never fail the request that asked.
            log.exception("inline job %s failed", path)
        return
    queue().enqueue(run_job, path, *args)


def queue():  # pragma: no cover - exercised by the RQ test when Redis is there
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _after_commit(session: Session) -> None:
    # SQLAlchemy fires this for a released SAVEPOINT too; only the real commit counts.
    if session.in_nested_transaction():
        return
    for path, args in session.info.pop(_PENDING, []):
        _dispatch(path, args)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT rolled back; the transaction (and its jobs) goes on
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
