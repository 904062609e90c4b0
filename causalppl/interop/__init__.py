"""Interoperability with other formats: reading BIF Bayesian networks into `.scm` source."""

from causalppl.interop.bif import (
    BifError,
    BifNetwork,
    Conversion,
    bif_to_scm,
    convert_bif,
    convert_bif_file,
    main_convert,
    parse_bif,
    sanitize_identifier,
)

__all__ = [
    "BifError",
    "BifNetwork",
    "Conversion",
    "bif_to_scm",
    "convert_bif",
    "convert_bif_file",
    "main_convert",
    "parse_bif",
    "sanitize_identifier",
]
