"""Factory helpers for tests: the public :mod:`vessels.testing` (kept as an import path)."""

from vessels.testing import T0, make_positions, make_track

__all__ = ["T0", "make_positions", "make_track"]
