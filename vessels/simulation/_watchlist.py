"""Generated watchlists with truth: listed vessels seen under AIS variants of their names, renamed
vessels found by IMO, and look-alike vessels that must not match.

Examples
--------
>>> case = renamed_vessels(50, seed=1)
>>> sorted(case)
['identities', 'truth', 'watchlist']
>>> case["truth"].columns
['mmsi', 'entry_id', 'variant']
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vessels import schema as S

__all__ = ["VARIANTS", "renamed_vessels"]

_WORDS = [
    "HAI",
    "FENG",
    "OCEAN",
    "STAR",
    "LU",
    "YUAN",
    "YU",
    "JIN",
    "HUA",
    "PACIFIC",
    "SAN",
    "MARIA",
    "DEL",
    "MAR",
    "GOLDEN",
    "DRAGON",
    "FU",
    "XING",
    "SEA",
    "WIND",
    "NORTH",
    "SOUTH",
    "BLUE",
    "WAVE",
    "KING",
    "EAGLE",
    "LADY",
    "SANTA",
    "ROSA",
    "CAPTAIN",
    "PROSPERITY",
    "FORTUNE",
    "RISING",
    "SUN",
    "HARMONY",
    "VICTORIA",
    "ATLANTIC",
    "AURORA",
    "CORAL",
    "PEARL",
    "MOON",
    "RIVER",
    "CARMEN",
    "LUPITA",
    "ESPERANZA",
    "DORADO",
    "DIAMANTE",
    "TIGER",
    "PHOENIX",
    "HORIZON",
    "ZHOU",
    "SHENG",
    "LONG",
    "RUI",
    "TAI",
    "MING",
    "CHANG",
    "AN",
    "KAI",
    "YANG",
    "NEPTUNE",
]
_PREFIXES = ("F/V ", "FV ", "M/V ", "B/P ", "")

#: How a listed vessel appears in AIS (``variant`` in the truth table).
VARIANTS = (
    "same",  # upper-case of the list name, prefix dropped
    "hull_no",  # "NO." before the hull number
    "punctuation",  # dashes / dots / double spaces
    "joined",  # two words written as one
    "typo",  # one letter substituted in a word of 5+ letters
    "truncated",  # AIS 20-character field cut a long name
    "renamed_imo",  # a new name entirely; the IMO number stayed
)


def _name(rng: np.random.Generator, n_words: int) -> str:
    words = rng.choice(_WORDS, size=n_words, replace=False)
    number = f" {int(rng.integers(1, 999))}" if rng.random() < 0.7 else ""
    return " ".join(words) + number


def _typo(rng: np.random.Generator, name: str) -> str:
    words = name.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return name
    i = int(rng.choice(long))
    w = words[i]
    j = int(rng.integers(1, len(w) - 1))
    letter = "X" if w[j] != "X" else "Y"
    words[i] = w[:j] + letter + w[j + 1 :]
    return " ".join(words)


def _variant(rng: np.random.Generator, kind: str, name: str) -> str:
    words = name.split(" ")
    if kind == "hull_no" and words[-1].isdigit():
        return " ".join(words[:-1]) + " NO." + words[-1]
    if kind == "punctuation":
        return "-".join(words[:2]) + ("  " + " ".join(words[2:]) if len(words) > 2 else "")
    if kind == "joined" and len(words) >= 2:
        return words[0] + words[1] + (" " + " ".join(words[2:]) if len(words) > 2 else "")
    if kind == "typo":
        return _typo(rng, name)
    if kind == "truncated":
        return name[:20]
    if kind == "renamed_imo":
        return _name(rng, 2) + " II"
    return name


def renamed_vessels(
    n_listed: int, seed: int = 0, *, decoys_per_listed: int = 3
) -> dict[str, pl.DataFrame]:
    """A watchlist of ``n_listed`` vessels, the identity history of a fleet that contains them
    under AIS variants of their names (:data:`VARIANTS`), and look-alikes (same words with another
    hull number, one word swapped, or unrelated names) that must not match.

    Returns ``{"watchlist", "identities", "truth"}``: the list (name with a prefix such as
    ``F/V``, mixed case, IMO for half the entries, list name and reason), identity periods
    (``mmsi, valid_from, valid_to, vessel_name, callsign, imo``; a listed vessel that was renamed
    has its old and new name as two periods) and the true (``mmsi``, ``entry_id``) pairs.
    """
    rng = np.random.default_rng(seed)
    t0 = S.TS_DTYPE
    base = np.datetime64("2024-03-01T00:00:00")
    names: set[str] = set()
    entries, ids, truth = [], [], []
    mmsi = 412_000_000
    chosen: list[tuple[str, str]] = []
    for e in range(1, n_listed + 1):  # the listed names first: look-alikes must differ from all
        kind = VARIANTS[(e - 1) % len(VARIANTS)]
        while True:
            n_words = 4 if kind == "truncated" else int(rng.integers(2, 4))
            name = _name(rng, n_words)
            if kind == "truncated" and len(name) <= 22:
                continue
            if name not in names:
                break
        names.add(name)
        chosen.append((kind, name))
    for e, (kind, name) in enumerate(chosen, start=1):
        imo = 8_000_000 + e if (kind == "renamed_imo" or rng.random() < 0.5) else None
        prefix = str(rng.choice(_PREFIXES))
        entries.append(
            {
                "Vessel Name": prefix + name.title(),
                "IMO Number": None if imo is None else f"IMO {imo}",
                "List": "Generated IUU list",
                "Reason": "unauthorised fishing",
            }
        )
        mmsi += 1
        ais = _variant(rng, kind, (prefix if kind == "truncated" else "") + name)
        old = _name(rng, 2) if rng.random() < 0.3 else None  # history: an earlier other name
        ids.append((mmsi, ais, imo if kind == "renamed_imo" else None, 1))
        if old is not None and old not in names:
            ids.append((mmsi, old, None, 0))
        truth.append((mmsi, e, kind))
        for _ in range(decoys_per_listed):
            mmsi += 1
            words = name.split(" ")
            r = rng.random()
            if words[-1].isdigit() and r < 0.4:  # same words, another hull number
                decoy = " ".join(words[:-1]) + f" {(int(words[-1]) % 998) + 1}"
            elif r < 0.7:  # one word replaced
                i = int(rng.integers(0, len(words)))
                repl = str(rng.choice([w for w in _WORDS if w not in words]))
                decoy = " ".join(repl if k == i else w for k, w in enumerate(words))
            else:
                decoy = _name(rng, int(rng.integers(2, 4)))
            if decoy in names:
                continue
            ids.append((mmsi, decoy, 9_000_000 + mmsi % 1_000_000, 0))
    identities = (
        pl.DataFrame(ids, schema=[S.MMSI, S.VESSEL_NAME, S.IMO, "_period"], orient="row")
        .with_columns(
            pl.col(S.MMSI).cast(pl.UInt32),
            pl.col(S.IMO).cast(pl.UInt32),
            (pl.lit(base) + pl.duration(days=pl.col("_period") * 10)).cast(t0).alias("valid_from"),
            (pl.lit(base) + pl.duration(days=pl.col("_period") * 10 + 9))
            .cast(t0)
            .alias("valid_to"),
            pl.lit(None, dtype=pl.String).alias(S.CALLSIGN),
        )
        .drop("_period")
    )
    return {
        "watchlist": pl.DataFrame(entries, schema={k: pl.String for k in entries[0]}),
        "identities": identities,
        "truth": pl.DataFrame(
            truth,
            schema={S.MMSI: pl.UInt32, "entry_id": pl.UInt32, "variant": pl.String},
            orient="row",
        ),
    }
