"""One writing process per result file: an advisory lock beside the file.

Two runs appending to the same result file would interleave their rows, and one run's repair
of a torn last row could cut the row another run is writing. :class:`~sktime_eeg.evaluation.
ResultsStore` therefore holds a lock on ``<file>.lock`` from :meth:`open` until it is closed
(or garbage-collected, or the process ends: the operating system releases the lock of a dead
process, so a killed run never leaves a stale lock). Within one process the lock is shared
(counted): the parts of one run (e.g. one :func:`compare` per subject) may open the same file
several times.

The lock is advisory: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows. Network file
systems may not honour it.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = ["FileInUseError", "FileLock"]


class FileInUseError(RuntimeError):
    """Another process is writing the result file."""


_REGISTRY: dict[str, list] = {}  # lock path -> [file descriptor, number of holders]
_GUARD = threading.Lock()


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)


def _release(key: str) -> None:
    with _GUARD:
        entry = _REGISTRY.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _REGISTRY[key]
            _unlock(entry[0])


class FileLock:
    """The lock of one result file, held from construction until :meth:`release`.

    Parameters
    ----------
    path : str or path-like
        The result file; the lock is ``<path>.lock`` beside it (left in place afterwards:
        removing it could let two processes lock two different files of the same name).

    Raises
    ------
    FileInUseError
        Another process holds the lock.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        lock_path = self.path.with_name(self.path.name + ".lock")
        self._key = os.path.realpath(lock_path)
        with _GUARD:
            entry = _REGISTRY.get(self._key)
            if entry is not None:  # this process holds it already: share it
                entry[1] += 1
            else:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                if not _try_lock(fd):
                    holder = _holder(fd)
                    os.close(fd)
                    raise FileInUseError(
                        f"{self.path} is being written by another process{holder}: two runs "
                        "appending to one result file would mix their rows. Wait for that "
                        "run to finish (it resumes from the same file afterwards), or write "
                        "to another file."
                    )
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                _REGISTRY[self._key] = [fd, 1]
        self._finalizer = weakref.finalize(self, _release, self._key)

    def release(self) -> None:
        """Give the lock up (idempotent); the last holder in this process unlocks the file."""
        self._finalizer()

    @property
    def held(self) -> bool:
        """Whether this holder has not released the lock yet."""
        return self._finalizer.alive


def _holder(fd: int) -> str:
    """`` (pid N)`` from the lock file, or nothing when it cannot be read."""
    try:
        text = os.pread(fd, 32, 0).decode().strip() if hasattr(os, "pread") else ""
    except OSError:  # pragma: no cover - unreadable lock file
        return ""
    return f" (pid {text})" if text.isdigit() else ""
