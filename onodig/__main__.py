"""``python -m onodig``: the same command as ``onodig``."""

import sys

from onodig.pipelines.cli import main

sys.exit(main())
