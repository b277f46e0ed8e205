"""Thin Dagster assets, one module per stage, each exporting its own assets through ``build``.

Nothing lists assets by hand: :func:`build_assets` finds every module here with a ``build``
function. The SQL models come last, since they read the tables the other modules' assets write.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

from onodig.assets import sql_models
from onodig.assets.partitions import Partitions

AssetLike = dg.AssetsDefinition | dg.AssetSpec


def asset_modules() -> list:
    """The modules of this package that build assets, in name order, the SQL models apart."""
    modules = (importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__))
    return [module for module in modules if hasattr(module, "build") and module is not sql_models]


def keys_of(definitions: list[AssetLike]) -> list[dg.AssetKey]:
    return [
        spec.key for item in definitions for spec in (item.specs if isinstance(item, dg.AssetsDefinition) else [item])
    ]


def build_assets(partitions: Partitions) -> list[AssetLike]:
    python = [item for module in asset_modules() for item in module.build(partitions)]
    return [*python, *sql_models.build(partitions, keys_of(python))]
