"""Errors raised by the exact-inference engine."""

from __future__ import annotations

_BYTE_UNITS: tuple[str, ...] = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def describe_bytes(count: int) -> str:
    """Render a byte count for people, e.g. ``12.4 GiB``."""
    if count < 1024:
        return f"{count} bytes"
    value = float(count)
    for unit in _BYTE_UNITS[1:]:
        value /= 1024.0
        if value < 1024.0 or unit == _BYTE_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


class EnumerationTooLarge(Exception):
    """Exact enumeration would build an intermediate table over the memory budget.

    Raised while planning, before anything large is allocated.

    Attributes:
        required_bytes: bytes of the largest intermediate table the plan would
            build, or (``total``) of all the tables it would hold at once.
        largest_factor_vars: the variables of the largest table.
        max_bytes: the budget that was exceeded, when known.
        total: whether ``required_bytes`` counts every table, not one.
    """

    def __init__(
        self,
        required_bytes: int,
        largest_factor_vars: tuple[str, ...],
        max_bytes: int | None = None,
        total: bool = False,
    ) -> None:
        self.required_bytes = int(required_bytes)
        self.largest_factor_vars = tuple(largest_factor_vars)
        self.max_bytes = max_bytes
        self.total = total
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.largest_factor_vars)
        noun = "variable" if count == 1 else "variables"
        what = (f"for its tables (the largest over {count} {noun})" if self.total
                else f"for an intermediate table over {count} {noun}")
        message = f"exact enumeration needs about {describe_bytes(self.required_bytes)} {what}"
        if self.max_bytes is not None:
            message += f" (limit: {describe_bytes(self.max_bytes)})"
        return message

    def __reduce__(self) -> tuple[type, tuple[int, tuple[str, ...], int | None, bool]]:
        return (type(self), (self.required_bytes, self.largest_factor_vars, self.max_bytes, self.total))
