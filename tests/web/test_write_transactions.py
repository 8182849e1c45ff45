"""A use case reads, then writes in `writing`: what its writes read is what was committed
before them, on both databases, and the whole is one transaction for SQLAlchemy (one commit):
on SQLite the driver ends the read (its snapshot could not write) and begins the write on the
same connection; on PostgreSQL at READ COMMITTED the reading transaction goes on as the writing
one, each statement seeing the latest commits, without the COMMIT, the connection check and the
BEGIN of a second transaction."""

from __future__ import annotations

from sqlalchemy import event, text

from engine.service.shared_lookups import writes_now
from engine.store.db import make_session_factory
from engine.store.transaction import writing

from .conftest import Site

READ = text("SELECT version FROM cache_versions WHERE name = 'settings'")
BUMP = text("UPDATE cache_versions SET version = version + 1 WHERE name = 'settings'")


def test_writes_see_what_was_committed_after_the_read(site: Site) -> None:
    engine = site.engine
    sessions = make_session_factory(engine)
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    with sessions() as reader, sessions() as other:
        before = reader.execute(READ).scalar_one()
        assert not writes_now(reader)
        with writing(other):
            other.execute(BUMP)
        event.listen(engine, "commit", count)
        try:
            with writing(reader):
                assert writes_now(reader)
                assert reader.execute(READ).scalar_one() == before + 1
                reader.execute(BUMP)
        finally:
            event.remove(engine, "commit", count)
    assert len(commits) == 1
    with sessions() as check:
        assert check.execute(READ).scalar_one() == before + 2


def test_a_failed_write_leaves_nothing_of_the_transaction(site: Site) -> None:
    sessions = make_session_factory(site.engine)
    with sessions() as db:
        before = db.execute(READ).scalar_one()
        try:
            with writing(db):
                db.execute(BUMP)
                raise RuntimeError("the use case failed")
        except RuntimeError:
            pass
        assert not db.in_transaction()
    with sessions() as check:
        assert check.execute(READ).scalar_one() == before
