"""Benchmark of the vectorised AIS payload decoder against pyais, same messages, same run.

Decodes N assembled AIS messages (payload + fill bits, as a reader has them after joining
fragments) with :func:`vessels.io._aisbits.decode_payloads` and with pyais (``bit_vector`` +
the message class's ``from_vector``, which is what ``NMEAMessage.decode()`` does after parsing
the sentence), on the same messages in the same process, and reports messages per second,
wall and CPU, and their ratio. Before timing, a random sample of the messages is checked field
by field against pyais, so the timed decoder is the one that gives pyais's answers.

The message mix imitates a coastal receiver: 60 % type 1, 8 % type 3, 22 % type 18 (positions),
5 % type 5 (two-sentence static reports), 3 % type 24 (parts A and B), 2 % type 4. Messages are
drawn from a pool of distinct messages encoded by pyais from random but plausible field values
(positions in the Gulf of California, speeds 0-25 kn, names from a word list), seeded.

Results go to ``benchmarks/results/nmea_decode.md``; rebuild BENCHMARKS.md afterwards with
``python benchmarks/build_benchmarks_md.py``. Heavy: wrap in ``flock /work/notes/bench.lock``
on a shared machine.

Usage::

    .venv/bin/python benchmarks/bench_nmea_decode.py                 # 1 M and 5 M messages
    .venv/bin/python benchmarks/bench_nmea_decode.py --sizes 200000  # quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "nmea_decode.md"
sys.path.insert(0, str(ROOT))

from vessels.io._aisbits import decode_payloads  # noqa: E402

MIX = {1: 0.60, 3: 0.08, 18: 0.22, 5: 0.05, 24: 0.03, 4: 0.02}
WORDS = ["PACIFIC", "ORE", "MAR", "DE", "CORTES", "STAR", "LUNA", "SEA", "LION", "BAJA", "AZUL"]


def _random_message(rng: np.random.Generator, mtype: int) -> dict[str, object]:
    mmsi = int(rng.integers(200_000_000, 775_999_999))
    base: dict[str, object] = {"type": mtype, "mmsi": mmsi, "repeat": int(rng.integers(0, 2))}
    lat = round(float(rng.uniform(22.0, 31.5)), 6)
    lon = round(float(rng.uniform(-115.0, -105.0)), 6)
    name = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 4))))
    if mtype in (1, 3):
        base |= {
            "status": int(rng.choice([0, 0, 0, 1, 5, 7, 15])),
            "turn": float(rng.integers(-30, 31)),
            "speed": round(float(rng.uniform(0, 25)), 1),
            "accuracy": bool(rng.integers(0, 2)),
            "lon": lon,
            "lat": lat,
            "course": round(float(rng.uniform(0, 359.9)), 1),
            "heading": int(rng.integers(0, 360)),
            "second": int(rng.integers(0, 60)),
            "radio": int(rng.integers(0, 1 << 19)),
        }
    elif mtype == 18:
        base |= {
            "speed": round(float(rng.uniform(0, 25)), 1),
            "lon": lon,
            "lat": lat,
            "course": round(float(rng.uniform(0, 359.9)), 1),
            "heading": 511,
            "second": int(rng.integers(0, 60)),
            "cs": True,
            "radio": int(rng.integers(0, 1 << 20)),
        }
    elif mtype == 4:
        base |= {"year": 2024, "month": 3, "day": 1, "hour": int(rng.integers(0, 24))}
        base |= {"minute": int(rng.integers(0, 60)), "lon": lon, "lat": lat, "epfd": 1}
    elif mtype == 5:
        base |= {
            "imo": int(rng.integers(1_000_000, 9_999_999)),
            "callsign": "XA" + str(int(rng.integers(100, 999))),
            "shipname": name,
            "ship_type": int(rng.choice([30, 52, 60, 70, 80])),
            "to_bow": int(rng.integers(5, 200)),
            "to_stern": int(rng.integers(5, 100)),
            "to_port": int(rng.integers(2, 20)),
            "to_starboard": int(rng.integers(2, 20)),
            "epfd": 1,
            "month": 3,
            "day": int(rng.integers(1, 29)),
            "hour": int(rng.integers(0, 24)),
            "minute": int(rng.integers(0, 60)),
            "draught": round(float(rng.uniform(1, 15)), 1),
            "destination": rng.choice(["GUAYMAS", "LA PAZ", "MAZATLAN", "ENSENADA"]),
        }
    else:  # 24
        part = int(rng.integers(0, 2))
        base |= {"partno": part}
        if part == 0:
            base |= {"shipname": name}
        else:
            base |= {"ship_type": 37, "callsign": "XB" + str(int(rng.integers(100, 999)))}
            base |= {"to_bow": 8, "to_stern": 4, "to_port": 2, "to_starboard": 2}
    return base


def build_messages(n: int, pool_size: int = 20_000, seed: int = 16) -> pl.DataFrame:
    """``payload``, ``fill_bits`` of ``n`` messages drawn from a pool encoded by pyais."""
    from pyais.encode import encode_dict

    rng = np.random.default_rng(seed)
    types = rng.choice(list(MIX), size=pool_size, p=list(MIX.values()))
    payloads, fills = [], []
    for mtype in types:
        sentences = encode_dict(_random_message(rng, int(mtype)))
        payloads.append("".join(s.split(",")[5] for s in sentences))
        fills.append(int(sentences[-1].split(",")[6].split("*")[0]))
    pool = pl.DataFrame({"payload": payloads, "fill_bits": pl.Series(fills, dtype=pl.UInt8)})
    return pool[rng.integers(0, pool_size, n)]


def pyais_decode(payloads: list[bytes], fills: list[int], keep: bool = False) -> list[object]:
    """pyais on the same assembled messages: what ``NMEAMessage.decode()`` runs per message.

    The decoded messages are dropped as they come (a reader consumes them one by one) unless
    ``keep``: holding millions of message objects would measure the allocator, not pyais.
    """
    from pyais.bit_vector import bit_vector
    from pyais.messages import MSG_CLASS

    out = []
    for p, f in zip(payloads, fills, strict=True):
        bv = bit_vector(p, f)
        msg = MSG_CLASS[bv.get(0, 6)].from_vector(bv)
        if keep:
            out.append(msg)
    return out


def check_equal(msgs: pl.DataFrame, decoded: pl.DataFrame, k: int = 3000) -> int:
    """Compare ``k`` random rows field by field with pyais; return how many fields compared."""
    rng = np.random.default_rng(0)
    rows = rng.choice(msgs.height, size=min(k, msgs.height), replace=False)
    ref = pyais_decode(
        [msgs["payload"][int(i)].encode() for i in rows],
        [msgs["fill_bits"][int(i)] for i in rows],
        keep=True,
    )
    compared = 0
    for i, m in zip(rows, ref, strict=True):
        row = decoded.row(int(i), named=True)
        assert row["decoded"], row
        for name, value in m.asdict(enum_as_int=True).items():  # type: ignore[attr-defined]
            assert row[name] == value, (i, name, value, row[name])
            compared += 1
    return compared


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - w0, time.process_time() - c0


def run(n: int, repeats: int) -> dict[str, float]:
    msgs = build_messages(n)
    payload, fill = msgs["payload"], msgs["fill_bits"]
    decoded, _, _ = _timed(decode_payloads, payload, fill)  # warm-up, and the frame to check
    compared = check_equal(msgs, decoded)
    ours = [_timed(decode_payloads, payload, fill)[1:] for _ in range(repeats)]
    wall, cpu = min(w for w, _ in ours), min(c for _, c in ours)
    payload_bytes = [p.encode() for p in payload.to_list()]
    fills = fill.to_list()
    _, p_wall, p_cpu = _timed(pyais_decode, payload_bytes, fills)
    return {
        "n": n,
        "wall": wall,
        "cpu": cpu,
        "pyais_wall": p_wall,
        "pyais_cpu": p_cpu,
        "compared": compared,
        "share_decoded": float(decoded["decoded"].mean()),  # type: ignore[arg-type]
    }


def render(
    rows: list[dict[str, float]], started: str, load: tuple[float, float], repeats: int
) -> str:
    """The results section (markdown) of one run."""
    import pyais

    lines = [
        "## NMEA payload decoding: vectorised decoder vs pyais (`benchmarks/bench_nmea_decode.py`)",
        "",
        f"Run {started}; machine: {os.cpu_count()} CPUs ({platform.machine()}), Python "
        f"{platform.python_version()}, polars {pl.__version__}, numpy {np.__version__}, pyais "
        f"{pyais.__version__}; load average {load[0]:.1f} at start, {load[1]:.1f} at end.",
        "",
        "Same assembled messages (payload + fill bits) decoded in the same process by "
        "`vessels.io._aisbits.decode_payloads` (numpy, all messages at once) and by pyais "
        "(`bit_vector` + `MSG_CLASS[type].from_vector`, what `NMEAMessage.decode()` does after "
        "parsing the sentence). Mix: 60 % type 1, 8 % type 3, 22 % type 18, 5 % type 5, "
        f"3 % type 24, 2 % type 4. Ours: best of {repeats}; pyais: one pass. Before timing, "
        "3,000 random messages per size are checked field by field against pyais (all equal, "
        "or the script stops). Both decoders run on one core; msg/s (CPU) is messages per "
        "CPU second of the process, which a loaded machine does not inflate, msg/s (wall) is "
        "what the run saw at that load.",
        "",
        "| messages | ours wall s | ours CPU s | ours msg/s (CPU) | ours msg/s (wall) "
        "| pyais CPU s | pyais msg/s (CPU) | pyais msg/s (wall) | ratio (CPU) | ratio (wall) "
        "| fields compared |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        n = r["n"]
        lines.append(
            f"| {n:,} | {r['wall']:.3f} | {r['cpu']:.3f} | {n / r['cpu']:,.0f} | "
            f"{n / r['wall']:,.0f} | {r['pyais_cpu']:.2f} | {n / r['pyais_cpu']:,.0f} | "
            f"{n / r['pyais_wall']:,.0f} | {r['pyais_cpu'] / r['cpu']:.1f} × | "
            f"{r['pyais_wall'] / r['wall']:.1f} × | {r['compared']:,} |"
        )
    lines += [
        "",
        "Scope: payload decoding only. Sentence parsing, tag blocks, checksums and fragment "
        "assembly (the reader's framing) are in neither figure; the reader "
        "(`vessels/io/_nmea.py`) does not call this decoder yet.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    for n in args.sizes:
        r = run(n, args.repeats)
        print(r, flush=True)
        rows.append(r)
    text = render(rows, started, (load, os.getloadavg()[0]), args.repeats)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
