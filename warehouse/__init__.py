"""The warehouse: any SQLAlchemy URL, an embedded DuckDB file by default."""

from onodig.warehouse.store import BadWarehouseUrl, Warehouse

__all__ = ["BadWarehouseUrl", "Warehouse"]
