"""The store refuses the NUL character in text and JSON the same way on SQLite and PostgreSQL,
and logs no SQL parameters with its errors (item 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from sufficiency.app.store import Organisation, ScenarioRecord, session_factory
from sufficiency.app.store.guard import NulInText


def _refused(exc: BaseException) -> bool:
    return isinstance(exc, NulInText) or isinstance(getattr(exc, "orig", None), NulInText)


@pytest.mark.parametrize("write", ["name", "json", "lookup"])
def test_nul_in_text_json_or_a_lookup_is_refused_before_the_database(engine: Engine, write: str) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        org = Organisation(name="Council")
        session.add(org)
        session.commit()
        with pytest.raises((NulInText, StatementError)) as caught:
            if write == "name":
                session.add(Organisation(name="bad\x00name"))
                session.commit()
            elif write == "json":
                session.add(ScenarioRecord(organisation_id=org.id, name="s", settings={"description": "a\x00b"}))
                session.commit()
            else:
                session.scalars(select(Organisation).where(Organisation.name == "x\x00")).all()
        assert _refused(caught.value)
        session.rollback()
        assert session.scalars(select(Organisation.name)).all() == ["Council"]


def test_database_errors_carry_no_sql_parameters(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organisations (id, name, created_at) VALUES (:i, :n, CURRENT_TIMESTAMP)"),
                           {"i": "a" * 32, "n": "first"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO organisations (id, name, created_at) VALUES (:i, :n, CURRENT_TIMESTAMP)"),
                           {"i": "a" * 32, "n": "$argon2id$v=19$secret-hash"})
    assert "secret-hash" not in str(caught.value)
