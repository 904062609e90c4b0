"""Data for models: reading, validating and weighting rows (spec section 3); missing cells; covariate rows."""

from causalppl.data.loading import (
    COUNT_COLUMN,
    MISSING_MODES,
    DataCollection,
    Dataset,
    to_dataset,
)


def __getattr__(name: str):
    """``read_dataset`` and ``read_table`` on first use: they import pandas (checking a model without data does not)."""
    if name in ("read_dataset", "read_table"):
        from causalppl.data import reading

        return getattr(reading, name)
    raise AttributeError(f"module 'causalppl.data' has no attribute {name!r}")


__all__ = ["Dataset", "DataCollection", "read_dataset", "read_table", "to_dataset", "COUNT_COLUMN", "MISSING_MODES"]
