"""Exception types.

:class:`UserError` (and its subclasses) means *the user* gave something wrong: a missing file, an
unknown format, a bad option. The CLI prints its message and exits with code 2, without a
traceback. Everything else is a bug and keeps its traceback.

Examples
--------
>>> err = UserError("cannot read data.csv", hint="check the path")
>>> str(err)
'cannot read data.csv (check the path)'
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "FormatError",
    "OutputError",
    "SchemaError",
    "UserError",
    "VesselsError",
]


class VesselsError(Exception):
    """Base class of every error raised on purpose by vessels."""


class UserError(VesselsError):
    """A mistake in the user's input: the message says what, where, and what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class FormatError(UserError):
    """An input file that cannot be read in the expected format."""


class ConfigError(UserError):
    """A configuration or profile file (or option) with an unknown key, wrong type or bad value."""


class OutputError(VesselsError):
    """A run that could not finish writing its results (disk full): not the user's input.

    The CLI prints the message and exits with code 1, without a traceback; the previous
    results in the output directory are untouched (see :func:`vessels.outputs.staged_dir`).
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class SchemaError(VesselsError):
    """A frame that does not have the columns/dtypes a stage needs (a programming error)."""
