"""First start: an organisation, its first admin and the sample borough as a dataset."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.security import hash_secret, new_password
from sufficiency.app.store.datasets import create_dataset
from sufficiency.app.store.models import Dataset, Organisation, User
from sufficiency.sample import sample_dir

SAMPLE_ORGANISATION = "Sample borough"
SAMPLE_ADMIN = "admin@example.org"
SAMPLE_DATASET = "Sample borough (Trafford schools, synthetic rolls)"


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    organisation: str


def create_admin(session: Session, organisation: str, email: str, password: str | None = None) -> Credentials:
    """Add an admin (and the organisation if new); the password is made up when not given."""
    org = session.scalars(select(Organisation).where(Organisation.name == organisation)).first()
    if org is None:
        org = Organisation(name=organisation)
        session.add(org)
        session.flush()
    password = password or new_password()
    session.add(User(organisation_id=org.id, email=email.strip().lower(), role="admin",
                     password_hash=hash_secret(password)))
    session.flush()
    return Credentials(email.strip().lower(), password, organisation)


def reset_password(session: Session, email: str, password: str | None = None,
                   organisation: str | None = None) -> Credentials | None:
    """Give an existing user a new password (made up when not given); None when no user has that e-mail.

    An e-mail is unique within a council, not across them: when several councils have it, ``organisation``
    (the council's name) says whose, else ValueError names them."""
    query = select(User).join(Organisation).where(User.email == email.strip().lower())
    if organisation is not None:
        query = query.where(Organisation.name == organisation)
    users = list(session.scalars(query))
    if not users:
        return None
    if len(users) > 1:
        names = ", ".join(sorted(f"'{u.organisation.name}'" for u in users))
        raise ValueError(f"{len(users)} organisations have a user with that e-mail ({names}): "
                         "add --organisation NAME to say whose password to replace")
    user = users[0]
    password = password or new_password()
    user.password_hash = hash_secret(password)
    session.flush()
    return Credentials(user.email, password, user.organisation.name)


def admins(session: Session) -> list[tuple[str, str]]:
    """Every active admin's e-mail with their organisation's name, to say who can sign in."""
    rows = session.execute(select(User.email, Organisation.name).join(Organisation)
                           .where(User.role == "admin", User.active.is_(True)).order_by(Organisation.name, User.email))
    return [(email, org) for email, org in rows]


def bootstrap(sessions: sessionmaker[Session]) -> Credentials | None:
    """On an empty database: the sample organisation, its admin and the sample dataset.

    Returns the admin's credentials (to print once), or None when users already exist.
    """
    with sessions.begin() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        credentials = create_admin(session, SAMPLE_ORGANISATION, SAMPLE_ADMIN)
        org_id = session.scalars(select(Organisation.id).where(Organisation.name == SAMPLE_ORGANISATION)).one()
        if not session.scalar(select(func.count()).select_from(Dataset).where(Dataset.organisation_id == org_id)):
            files = {p.name: p.read_bytes() for p in sorted(sample_dir().iterdir())
                     if p.is_file() and p.suffix != ".md"}
            create_dataset(session, org_id, SAMPLE_DATASET, files)
        return credentials
