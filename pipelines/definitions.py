"""The Dagster code location: onodig's definitions, built from the environment's settings.

``dagster dev``, ``dagster-webserver -m`` and workspace.yaml load ``defs`` from here; what it is
made of is assembled in :mod:`pipelines.assemble`.
"""

from __future__ import annotations

from onodig.pipelines.assemble import UnsupportedExecutor, build_definitions
from onodig.pipelines.jobs import INGEST_JOB, LINK_JOB, PUBLISH_JOB

__all__ = [
    "INGEST_JOB",
    "LINK_JOB",
    "PUBLISH_JOB",
    "UnsupportedExecutor",
    "build_definitions",
    "defs",
]

defs = build_definitions()
