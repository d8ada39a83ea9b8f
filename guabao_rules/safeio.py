"""Reading and writing files without hanging, and without destroying what the user wrote.

Every file the tool reads (data, config, profile, waivers, baseline) goes
through :func:`read_regular`: a FIFO, socket or device is refused at once
instead of blocking forever. Every file it writes (``check -o``,
``--write-baseline``, ``schema -o``, ``graph -o``) goes through
:func:`write_output`, which refuses the dataset's own files, writes through
symbolic links and into FIFOs and devices as asked, and replaces only a
regular file (or makes a new one) atomically. :func:`write_stdout` is the
standard output: a closed pipe ends quietly, a full disk is one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from guabao_rules.diagnostics import BilingualError, Text

__all__ = [
    "NotRegularFile",
    "OutputError",
    "Protected",
    "read_regular",
    "refuse_protected",
    "same_file",
    "silence_stdout",
    "write_output",
    "write_stdout",
]


class NotRegularFile(OSError):
    """A path that is a FIFO, socket, device or folder, not a file to read."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", str(path))


class OutputError(BilingualError):
    """An output that must not or cannot be written (exit status 2)."""


Protected = tuple[str | os.PathLike[str], Text]
"""A file no output may overwrite, and what it is in words (``a data file of the dataset``)."""


def file_kind(mode: int) -> str:
    """A short name for what a ``st_mode`` is (``a FIFO``, ``a socket``, ``a device``)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file; anything else is refused before a byte is read.

    The file is opened without blocking (opening a FIFO for reading would wait
    for a writer) and checked on the open descriptor, so nothing can swap the
    file between the check and the read.

    Raises:
        NotRegularFile: ``path`` is a FIFO, socket, device or folder.
        OSError: It cannot be opened or read (``strerror`` says why).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotRegularFile(path, "a folder") from None
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket
            raise NotRegularFile(path, "a socket") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(path, file_kind(mode))
    with contextlib.suppress(AttributeError, OSError):
        os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: the same inode, or the same resolved path."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def refuse_protected(path: str | os.PathLike[str], protected: Iterable[Protected]) -> None:
    """Refuse an output path that names one of the ``protected`` files (or a link to one).

    Raises:
        OutputError: It does, in one line naming both.
    """
    target = os.fspath(path)
    for other, what in protected:
        if same_file(target, other):
            raise OutputError(
                zh="拒绝写入 {target}:它是{what}({other})",
                en="refusing to write {target}: it is {what} ({other})",
                target=target,
                what=what,
                other=os.fspath(other),
            )


def write_output(
    path: str | os.PathLike[str],
    data: str | bytes,
    protected: Iterable[Protected] = (),
) -> None:
    """Write an output file the way the user asked, never over the input.

    A FIFO or device (``/dev/stdout``, ``/dev/full``) is opened and written
    into; a symbolic link is written through, to its target, and stays a
    link; a regular file or a new path is replaced atomically (a temporary
    file in the same folder, then :func:`os.replace`), keeping an existing
    file's permissions, so an interrupted run never leaves half a report.

    Args:
        path: Where to write.
        data: Text (written as UTF-8) or bytes.
        protected: ``(path, what)`` pairs that must not be written over, such
            as ``("data/regions.yaml", "a data file of the dataset")``.

    Raises:
        OutputError: ``path`` is one of ``protected``, a folder, or cannot be
            written (the message is one line naming the path).
    """
    target = os.fspath(path)
    refuse_protected(target, protected)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None  # a new file, or a link to one not made yet
    except OSError as error:
        raise _cannot_write(target, error) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(
            zh="无法写入 {target}:它是文件夹",
            en="cannot write {target}: it is a folder",
            target=target,
        )
    if mode is not None and not stat.S_ISREG(mode):
        _write_into(target, payload)
    else:
        _replace(os.path.realpath(target), target, payload, mode)


def _cannot_write(target: str, error: OSError) -> OutputError:
    """The one line for an output the system refuses (no folder, no permission, a full disk)."""
    return OutputError(
        zh="无法写入 {target}:{reason}",
        en="cannot write {target}: {reason}",
        target=target,
        reason=error.strerror,
    )


def _write_into(target: str, payload: bytes) -> None:
    """Write into a FIFO or device as it stands (never replacing it)."""
    try:
        with open(target, "wb", buffering=0) as handle:
            view = memoryview(payload)
            while view:
                view = view[handle.write(view) or 0 :]
    except OSError as error:
        raise _cannot_write(target, error) from None


def _replace(real: str, shown: str, payload: bytes, mode: int | None) -> None:
    """Replace the regular file ``real`` (or make it) through a temporary file beside it."""
    folder, name = os.path.split(real)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
            # mkstemp makes the file 0600: give it what the old file had, or what
            # `open()` would have given a new one.
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(handle.fileno(), 0o666 & ~umask)
            else:
                os.fchmod(handle.fileno(), stat.S_IMODE(mode))
        os.replace(tmp, real)
        tmp = None
    except OSError as error:
        raise _cannot_write(shown, error) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def silence_stdout() -> None:
    """Point the standard output at the null device.

    After a closed pipe or a full disk, what is still buffered would fail
    again when the interpreter flushes at exit (a message and exit 120).
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def write_stdout(data: str | bytes) -> bool:
    """Write to the standard output and flush.

    Returns:
        False when the reader has gone (a closed pipe, ``| head``): the rest
        is dropped quietly, as other command-line tools do.

    Raises:
        OutputError: The output cannot be written (a full disk).
    """
    try:
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    except OSError as error:
        silence_stdout()
        raise OutputError(
            zh="无法写入标准输出:{reason}",
            en="cannot write the standard output: {reason}",
            reason=error.strerror,
        ) from None
    return True
