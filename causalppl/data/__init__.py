"""Data for models: reading, validating and weighting rows (spec section 3)."""

from causalppl.data.loading import (
    COUNT_COLUMN,
    DataCollection,
    Dataset,
    read_table,
    to_dataset,
)

__all__ = ["Dataset", "DataCollection", "read_table", "to_dataset", "COUNT_COLUMN"]
