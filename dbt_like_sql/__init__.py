"""The SQL models, shipped as package data: ``staging/``, ``intermediate/``, ``marts/``.

No Python here; :mod:`onodig.warehouse.sql_models` finds the files through ``importlib.resources``.
"""
