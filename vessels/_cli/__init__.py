"""Subcommand modules of the ``vessels`` CLI (private). Each exposes ``command``."""
