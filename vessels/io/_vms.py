"""VMS inputs: vessel ids that are permit or registration numbers, not MMSIs (private).

Every stage keys vessels by the UInt32 ``mmsi`` column. A VMS file names its vessels by text
(``PER-0012``, ``BCS 00231``), so at the door each distinct id gets a **synthetic MMSI** and the id
itself stays in the ``vessel_id`` column that :meth:`vessels.io.Ingested.vessel_ids` returns and
:func:`vessels.run` writes into every output.

Synthetic MMSIs lie in ``[2**30, 2**32)``: the AIS MMSI field has 30 bits, so no AIS message
can carry one, and they never collide with a real MMSI in a mixed AIS + VMS run. Each id maps
to a number from a BLAKE2b hash of its text (stable across runs, machines and library
versions); the rare hash collision between two ids of one run is resolved by taking the next
free number in the sorted order of the ids (deterministic for a given set of ids).

Rows with a ``vessel_id`` have no MMSI rules: their ``mmsi_valid`` is null (not applicable, so
no "invalid MMSI" points and no non-ship-MID conflict) and their ``flag`` comes from a flag
column or a constant (``--flag``), never from an MID.

Examples
--------
>>> ids = synthetic_mmsi(["PER-0012", "BCS 00231", "PER-0012"])
>>> sorted(ids) == ["BCS 00231", "PER-0012"]
True
>>> all(SYNTHETIC_MMSI_MIN <= v <= SYNTHETIC_MMSI_MAX for v in ids.values())
True
>>> synthetic_mmsi(["PER-0012"]) == {"PER-0012": ids["PER-0012"]}  # stable
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import polars as pl

from vessels import schema as S
from vessels.errors import UserError
from vessels.flags import SYNTHETIC_MMSI_MAX, SYNTHETIC_MMSI_MIN, is_synthetic

__all__ = [
    "SYNTHETIC_MMSI_MAX",
    "SYNTHETIC_MMSI_MIN",
    "check_flag",
    "is_synthetic",
    "synthetic_mmsi",
    "with_vessel_ids",
]

_SPAN = SYNTHETIC_MMSI_MAX - SYNTHETIC_MMSI_MIN + 1
_ISO3 = re.compile(r"^[A-Z]{3}$")


def _hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return SYNTHETIC_MMSI_MIN + int.from_bytes(digest, "big") % _SPAN


def synthetic_mmsi(ids: Iterable[str]) -> dict[str, int]:
    """vessel id -> synthetic MMSI, distinct for distinct ids (one Python step per vessel)."""
    out: dict[str, int] = {}
    taken: set[int] = set()
    for text in sorted(set(ids)):
        value = _hash(text)
        while value in taken:  # a collision: the next free number, in sorted-id order
            value = SYNTHETIC_MMSI_MIN + (value - SYNTHETIC_MMSI_MIN + 1) % _SPAN
        taken.add(value)
        out[text] = value
    return out


def check_flag(flag: str | None) -> str | None:
    """``flag`` upper-cased when it is an ISO 3166-1 alpha-3 code; a UserError otherwise.

    Examples
    --------
    >>> check_flag("mex")
    'MEX'
    """
    if flag is None:
        return None
    code = flag.strip().upper()
    if not _ISO3.match(code):
        raise UserError(
            f"--flag {flag!r} is not an ISO 3166-1 alpha-3 code",
            hint="e.g. --flag MEX (the flag state of every vessel of a VMS file)",
        )
    return code


def with_vessel_ids(lf: pl.LazyFrame, flag: str | None) -> pl.LazyFrame:
    """Staged rows with ``vessel_id`` text: ``mmsi`` set to the synthetic MMSI of the id and
    ``flag`` from the flag column (ISO3 codes; other text becomes null) or ``flag``.

    Reads the distinct ids once (a scan of one column) to number them.
    """
    vid = pl.col(S.VESSEL_ID).str.strip_chars()
    lf = lf.with_columns(pl.when(vid != "").then(vid).alias(S.VESSEL_ID))
    ids = lf.select(pl.col(S.VESSEL_ID).drop_nulls().unique()).collect()[S.VESSEL_ID]
    mapping = synthetic_mmsi(ids.to_list())
    code = pl.col(S.FLAG).str.strip_chars().str.to_uppercase()
    from_column = pl.when(code.str.contains(r"^[A-Z]{3}$")).then(code)
    constant = pl.lit(flag, dtype=pl.String)
    return lf.with_columns(
        pl.col(S.VESSEL_ID)
        .replace_strict(mapping, default=None, return_dtype=pl.UInt32)
        .alias(S.MMSI),
        pl.when(pl.col(S.VESSEL_ID).is_not_null())
        .then(pl.coalesce(from_column, constant))
        .alias(S.FLAG),
    )
