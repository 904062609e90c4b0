"""Data for models: reading, validating and weighting rows (spec section 3); missing cells; covariate rows."""

from causalppl.data.loading import (
    COUNT_COLUMN,
    MISSING_MODES,
    DataCollection,
    Dataset,
    to_dataset,
)
from causalppl.data.reading import read_dataset, read_table

__all__ = ["Dataset", "DataCollection", "read_dataset", "read_table", "to_dataset", "COUNT_COLUMN", "MISSING_MODES"]
