"""``python -m onodig``: the same command as ``onodig``."""

from onodig.pipelines.cli import entry

entry()
