"""Protection of pupil-level data: pseudonyms, retention and the column rules for outputs.

Pupil identifiers (UPNs or local ids) are replaced by a keyed hash (HMAC-SHA256 with the secret
from :class:`post16.config.Post16Settings`) as soon as a pupil table is read, and the raw column is
dropped. Only the holder of the key can match a pseudonym back, by hashing its own id list with
:func:`pseudonymise`. Nothing in this package writes pupil ids or pseudonyms to logs: messages
carry counts only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging

import numpy as np
import pandas as pd

from post16.config import Post16Settings

log = logging.getLogger(__name__)

#: Column holding the raw identifier in a pupil file; it never leaves :func:`pseudonymise_table`.
RAW_ID_COLUMN = "pupil_id"
#: Column holding the pseudonym everywhere downstream.
PSEUDONYM_COLUMN = "pupil_ref"
#: Pseudonyms are the first 16 hex characters (64 bits) of the HMAC: short enough to read out,
#: long enough that collisions in a cohort of a million are about one in 37 million.
PSEUDONYM_LENGTH = 16


def pseudonymise(ids: pd.Series | list[str], key: str) -> pd.Series:
    """Keyed-hash pseudonyms for pupil identifiers.

    Parameters
    ----------
    ids
        Raw identifiers (converted to stripped strings).
    key
        The secret from :class:`post16.config.Post16Settings`.

    Returns
    -------
    pandas.Series
        Hex pseudonyms of :data:`PSEUDONYM_LENGTH` characters, same index as ``ids``.
    """
    series = pd.Series(ids, dtype="string") if not isinstance(ids, pd.Series) else ids.astype("string")
    secret = key.encode("utf-8")
    # hmac has no vectorised form; one digest per pupil is microseconds, fine for any LA cohort.
    digests = [
        hmac.new(secret, str(v).strip().encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
        for v in series.to_numpy()
    ]
    return pd.Series(digests, index=series.index, name=PSEUDONYM_COLUMN, dtype="string")


def pseudonymise_table(pupils: pd.DataFrame, settings: Post16Settings) -> pd.DataFrame:
    """Replace the raw ``pupil_id`` column by ``pupil_ref`` pseudonyms.

    Raises
    ------
    ValueError
        When two different pupils share a pseudonym (vanishingly rare; change the key).
    """
    if RAW_ID_COLUMN not in pupils.columns:
        return pupils
    out = pupils.drop(columns=[RAW_ID_COLUMN])
    refs = pseudonymise(pupils[RAW_ID_COLUMN], settings.pseudonym_key.get_secret_value())
    if refs.nunique() < pupils[RAW_ID_COLUMN].astype("string").str.strip().nunique():
        raise ValueError("Two pupil identifiers hash to the same pseudonym; set a new pseudonym key.")
    out.insert(0, PSEUDONYM_COLUMN, refs.to_numpy())
    log.info("pseudonymised %d pupil records", len(out))
    return out


def apply_retention(
    pupils: pd.DataFrame, retention_days: int, today: dt.date | None = None, date_column: str = "recorded_on"
) -> pd.DataFrame:
    """Drop pupil records older than the retention period.

    Parameters
    ----------
    pupils
        Pupil table; records without ``date_column`` (or with it empty) are kept.
    retention_days
        From :attr:`post16.config.Post16Config.training_retention_days` (past cohorts) or
        :attr:`~post16.config.Post16Config.list_retention_days` (current pupils).
    today
        Reference date (defaults to the current date; tests pass a fixed one).
    date_column
        ISO dates on which each record was taken.

    Returns
    -------
    pandas.DataFrame
        The records still within the period.
    """
    if date_column not in pupils.columns:
        return pupils
    today = today or dt.date.today()
    cutoff = pd.Timestamp(today - dt.timedelta(days=retention_days))
    recorded = pd.to_datetime(pupils[date_column], errors="coerce")
    keep = recorded.isna() | (recorded >= cutoff)
    dropped = int((~keep).sum())
    if dropped:
        log.info("dropped %d pupil records older than the %d-day retention period", dropped, retention_days)
    return pupils.loc[keep.to_numpy()].reset_index(drop=True)


def delete_after(retention_days: int, today: dt.date | None = None) -> dt.date:
    """The date by which a pupil list produced today must be deleted."""
    return (today or dt.date.today()) + dt.timedelta(days=retention_days)


def ephemeral_settings(seed: int | None = None) -> Post16Settings:
    """Settings with a throwaway key, for synthetic cohorts only (never for real pupils)."""
    rng = np.random.default_rng(seed)
    return Post16Settings(pseudonym_key=rng.bytes(32).hex())
