"""Files the tool reads and writes: regular files only, UTF-8 text, and no surprises when writing.

Reading: a model file must be a regular file (not a folder, a named pipe or
a device such as ``/dev/zero``, which would block or fill memory), at most
:data:`MAX_SOURCE_BYTES` long, and UTF-8 text; a UTF-8 byte-order mark is
accepted and dropped, UTF-16/32 text and binary files are refused with the
line and column of the first byte that is not UTF-8.  Data files go through
:func:`require_regular_file` before they are opened.

Writing: :func:`output_path` checks a path the user asked the tool to write
before any work is done: not empty, an allowed extension, an existing
folder (folders are never created), not a folder or a special file, and
never one of the command's input files.

>>> decode_source(b"\\xef\\xbb\\xbfmodel M { }", "m.scm")
'model M { }'
>>> decode_source(b"model \\xff", "m.scm")
Traceback (most recent call last):
...
causalppl.diagnostics.CausalPPLError: m.scm:1:7: error: the file is not UTF-8 text (byte 0xff)
    hint: save it as UTF-8 (plain text)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from causalppl.diagnostics import CausalPPLError, Span, printable

#: The largest model file read (a model of this size has hundreds of thousands of variables).
MAX_SOURCE_BYTES = 64 * 2**20

_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16",
              b"\xfe\xff": "UTF-16"}


def _error(where: str, message: str, hint: str | None = None, span: Span | None = None) -> CausalPPLError:
    return CausalPPLError.at(span or Span.unknown(where), message, hint)


def file_kind(mode: int) -> str:
    """Words for what a non-regular file is (for messages)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def require_regular_file(path: Path, what: str, span: Span | None = None, shown: str | None = None) -> int:
    """The size of ``path``; a user error when it is missing, a folder, a pipe or a device.

    ``span`` locates the error (a data line); by default the path itself.
    """
    name = printable(shown if shown is not None else str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _error(name, f"{what} '{name}' does not exist", span=span) from None
    except OSError as error:
        raise _error(name, f"cannot read {what} '{name}': {error.strerror or error}", span=span) from None
    if stat.S_ISDIR(info.st_mode):
        raise _error(name, f"{what} '{name}' is a folder, not a file", span=span)
    if not stat.S_ISREG(info.st_mode):
        raise _error(name, f"{what} '{name}' is {file_kind(info.st_mode)}, not a regular file",
                     "causalppl reads only regular files (a pipe or a device could block or never end)",
                     span=span)
    return info.st_size


def read_source(path: Path, shown: str | None = None) -> str:
    """The text of a model file: a regular UTF-8 file of at most :data:`MAX_SOURCE_BYTES`."""
    name = shown if shown is not None else str(path)
    size = require_regular_file(path, "model file", shown=name)
    if size > MAX_SOURCE_BYTES:
        raise _error(printable(name), f"the model file is {size / 2**20:.0f} MiB; the largest model file read is "
                                      f"{MAX_SOURCE_BYTES // 2**20} MiB",
                     "split the model, or generate it with fewer variables")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _error(printable(name), f"cannot read '{printable(name)}': {error.strerror or error}") from None
    return decode_source(data, name)


def decode_source(data: bytes, filename: str) -> str:
    """UTF-8 text from bytes (a byte-order mark is dropped); a located user error otherwise."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    for bom, encoding in _WIDE_BOMS.items():
        if data.startswith(bom):
            raise _error(filename, f"the file is {encoding} text; causalppl reads UTF-8",
                         "save it as UTF-8 (most editors: 'Save with encoding')")
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(filename, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x})",
                     "save it as UTF-8 (plain text)", _span_at(data, error.start, filename)) from None
    if nul >= 0:
        raise _error(filename, "the file is binary, not text (it holds a NUL byte)", "give a .scm text file",
                     _span_at(data, nul, filename))
    return text


def _span_at(data: bytes, offset: int, filename: str) -> Span:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return Span(filename, line, column, line, column + 1)


def output_path(text: object, what: str, suffixes: Iterable[str] | None = None,
                inputs: Iterable[str | Path] = ()) -> Path:
    """A path the tool may write: checked before any work, so a mistake costs nothing.

    ``suffixes``: the allowed extensions (with the dot, lower case); ``inputs``:
    files the command reads, which are never overwritten.  Folders are never
    created.  A user error (located at the path) when the path is refused.
    """
    if not isinstance(text, (str, os.PathLike)):
        raise TypeError(f"the {what} path must be a string or a path, not {type(text).__name__}")
    problem = output_problem(text, what, suffixes, inputs)
    if problem is not None:
        message, hint = problem
        raise _error(printable(os.fspath(text)) or "<output>", message, hint)
    return Path(text)


def output_problem(text: str | os.PathLike, what: str, suffixes: Iterable[str] | None = None,
                   inputs: Iterable[str | Path] = ()) -> tuple[str, str | None] | None:
    """Why the tool may not write ``text`` (a message and a hint), or None."""
    raw = str(os.fspath(text))
    shown = printable(raw)
    if not raw.strip():
        return f"the {what} path is empty", "give a file name"
    path = Path(raw)
    allowed = tuple(suffixes) if suffixes is not None else None
    if allowed is not None and path.suffix.lower() not in allowed:
        got = f"'{printable(path.suffix)}'" if path.suffix else "no extension"
        return (f"the {what} file must end in {_listed(allowed)} (got {got})",
                f"for example '{printable(path.stem or 'out')}{allowed[0]}'")
    if not path.parent.is_dir():
        return (f"the folder '{printable(str(path.parent))}' of the {what} file does not exist",
                "create it first; causalppl does not create folders")
    if path.is_symlink() or path.exists():
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return f"'{shown}' is a broken link; the {what} must be a regular file", None
        if not stat.S_ISREG(mode):
            return f"'{shown}' is {file_kind(mode)}; the {what} must be a regular file", None
        for source in inputs:
            if _same_file(path, Path(source)):
                return (f"writing the {what} to '{shown}' would overwrite an input of this command",
                        "choose another output file")
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _listed(suffixes: tuple[str, ...]) -> str:
    return suffixes[0] if len(suffixes) == 1 else ", ".join(suffixes[:-1]) + " or " + suffixes[-1]


__all__ = ["MAX_SOURCE_BYTES", "read_source", "decode_source", "require_regular_file", "output_path",
           "output_problem", "file_kind"]
