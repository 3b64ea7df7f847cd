"""The results store: the one place that reads and writes result files.

A result file is a CSV with one row per result (e.g. per model and fold), written by appending
one line at a time, each line ending with a checksum of its text. That makes it

* **crash-safe**: a line cut short (process killed, disk full, power loss) fails its checksum or
  lacks its line end; it is dropped when the file is read and cut off the file before the next
  append, so an append never glues onto half a row;
* **fingerprinted**: every row carries the fingerprints of what produced it (data, folds,
  scoring, hyperparameters, package version), and a run resumes only from rows whose
  fingerprints equal its own; rows of another run in the same file make it refuse, naming what
  differs, instead of silently returning stale numbers.

:func:`compare` and the protocols built on it use :class:`ResultsStore`; statistics and other
readers use :func:`read_results`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._file_lock import FileInUseError, FileLock

__all__ = [
    "CHECKSUM_COLUMN",
    "FINGERPRINT_COLUMNS",
    "FileInUseError",
    "ResultsStore",
    "ResumeError",
    "check_writable",
    "read_results",
]

#: Last column of every result file: CRC-32 (8 hex digits) of the rest of the line.
CHECKSUM_COLUMN = "checksum"
#: The fingerprint columns of :func:`compare` rows, in file order. ``data_fingerprint``: X, y
#: and groups; ``folds_fingerprint``: every (train, test) index array; ``scoring``: the metrics
#: by name; ``params``: the model's hyperparameters (canonical JSON); ``version``: sktime_eeg's;
#: ``fingerprint``: all of them and the model's name in one hash.
FINGERPRINT_COLUMNS = (
    "data_fingerprint",
    "folds_fingerprint",
    "scoring",
    "params",
    "version",
    "fingerprint",
)

_WHAT = {
    "data_fingerprint": "the data differ (X, y or groups)",
    "folds_fingerprint": "the folds differ (another cv, number of splits or random_state)",
}


class ResumeError(ValueError):
    """A result file holds rows of another run than the one asked to resume from it.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    differences : list of str
        What differs, one phrase each (e.g. ``"the data differ (X, y or groups)"``).
    """

    def __init__(self, path: Path, where: str, differences: list[str]) -> None:
        self.path = Path(path)
        self.differences = list(differences)
        super().__init__(
            f"Cannot resume from {path}: it holds results of another run for {where}: "
            + "; ".join(differences)
            + ". Results of different runs are never mixed: write this run to another file, "
            "or delete this one to start afresh."
        )


# -- writing ---------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    """The text of one value: floats round-trip exactly, None and NaN are empty, one line."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    text = str(value)
    return text.replace("\r", " ").replace("\n", " ") if "\n" in text or "\r" in text else text


def _line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _with_checksum(line: str) -> bytes:
    data = line.encode("utf-8")
    return data + b"," + f"{zlib.crc32(data):08x}".encode("ascii") + b"\n"


def _header(columns: Sequence[str]) -> bytes:
    return (_line([*columns, CHECKSUM_COLUMN]) + "\n").encode("utf-8")


def check_writable(path: str | os.PathLike) -> None:
    """Check that results can be written to ``path``, creating nothing that stays.

    An existing file is opened for appending (and left unchanged); otherwise a temporary file
    is created and removed in the nearest existing folder above ``path``. This works for every
    user, root included (whose writes permission bits do not stop, but a read-only file system
    does).

    Parameters
    ----------
    path : str or path-like
        The result file (it need not exist).

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    NotADirectoryError
        A parent of ``path`` is a file.
    PermissionError, OSError
        The file or folder cannot be written; the message says which and how to fix it.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; results are written to a file: pass a file path, e.g. "
            f"{path / 'results.csv'}."
        )
    try:
        if path.exists():
            with open(path, "ab"):
                pass
            return
        folder = next(p for p in path.parents if p.exists())
        if not folder.is_dir():
            raise NotADirectoryError(
                f"Cannot write {path}: {folder} is a file, not a folder; choose another path."
            )
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (NotADirectoryError, IsADirectoryError):
        raise
    except OSError as exc:
        where = path if path.exists() else folder
        raise type(exc)(
            exc.errno,
            f"Cannot write results to {path}: {where} is not writable ({exc.strerror or exc}); "
            "choose a writable location",
        ) from None


# -- reading ---------------------------------------------------------------------------------
def _split(raw: bytes, path: Path) -> tuple[list[str], list[bytes], int, bool]:
    """Parse a result file's bytes.

    Returns
    -------
    columns : list of str
        The header's columns without the checksum column ([] when there is no full header).
    lines : list of bytes
        The complete rows (with their checksums and line ends).
    keep : int
        Bytes of the file that hold the header and the complete rows; after them is a torn row.
    torn : bool
        Whether bytes after ``keep`` were dropped.
    """
    end = raw.find(b"\n")
    if end < 0:
        return [], [], 0, bool(raw)
    try:
        header = next(csv.reader([raw[:end].decode("utf-8")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        header = []
    if not header or header[-1] != CHECKSUM_COLUMN:
        raise ValueError(
            f"{path} is not a result file of sktime_eeg (its first line is not a header "
            f"ending in {CHECKSUM_COLUMN!r}; result files of earlier sktime_eeg versions have "
            "none). Write to another file, or delete this one."
        )
    columns = header[:-1]
    lines: list[bytes] = []
    keep = end + 1
    position = keep
    while position < len(raw):
        stop = raw.find(b"\n", position)
        if stop < 0:
            break  # the last row has no line end: torn
        line = raw[position:stop]
        if _fields(line, len(columns)) is None:
            if raw[stop + 1 :].strip(b"\x00 \n"):
                raise ValueError(
                    f"{path} is damaged: line {len(lines) + 2} fails its checksum (edited by "
                    "hand, or corrupted) and rows follow it. Write to another file, or repair "
                    "or delete this one."
                )
            break  # a damaged last row (e.g. a partly written block): torn as well
        lines.append(raw[position : stop + 1])
        keep = position = stop + 1
    return columns, lines, keep, keep < len(raw)


def _fields(line: bytes, n_columns: int) -> list[str] | None:
    """The cells of a row line, or None when it is torn or damaged."""
    body, sep, checksum = line.rpartition(b",")
    if not sep or len(checksum) != 8:
        return None
    try:
        if int(checksum, 16) != zlib.crc32(body):
            return None
        fields = next(csv.reader([body.decode("utf-8")]))
    except (ValueError, UnicodeDecodeError, StopIteration, csv.Error):
        return None
    return fields if len(fields) == n_columns else None


def _frame(columns: list[str], lines: list[bytes], text_columns: Sequence[str]) -> pd.DataFrame:
    """The rows as a DataFrame: ``text_columns`` as str ("" for empty), others inferred as
    :func:`pandas.read_csv` does (numbers are read back exactly)."""
    text = (_line([*columns, CHECKSUM_COLUMN]) + "\n").encode("utf-8") + b"".join(lines)
    dtype = {c: str for c in text_columns if c in columns}
    frame = pd.read_csv(
        io.BytesIO(text),
        dtype=dtype,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    frame = frame.drop(columns=CHECKSUM_COLUMN)
    for column in dtype:
        frame[column] = frame[column].fillna("").astype(object)
    if "error" in frame:
        frame["error"] = frame["error"].astype(object).where(frame["error"].notna(), None)
    return frame


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """The complete rows of a result file, without changing the file.

    A last row cut short (an interrupted write) is left out; the file itself is repaired only
    when a run appends to it again.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`compare` (``out=``), ``sktime-eeg compare`` (its
        ``results.csv``) or another user of :class:`ResultsStore`.

    Returns
    -------
    pandas.DataFrame
        One row per result, with the file's columns but the checksum: for :func:`compare`,
        the tags, ``model``, ``fold``, ``test_groups``, ``n_train``, ``n_test``, the metrics,
        ``fit_seconds``, ``predict_ms_per_trial``, ``n_parameters``, ``error`` (None when the
        fold succeeded) and the :data:`FINGERPRINT_COLUMNS`. Numbers are read back exactly
        as they were computed.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not a result file, or a row other than the last is damaged.
    """
    path = Path(path)
    raw = path.read_bytes()
    columns, lines, _, _ = _split(raw, path)
    if not columns:
        raise ValueError(
            f"{path} holds no results yet (not even a complete header); a run that writes "
            "to it has not finished its first row."
        )
    return _frame(columns, lines, _text_columns(columns))


def _text_columns(columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c in FINGERPRINT_COLUMNS or c in ("model", "test_groups")]


# -- the store -------------------------------------------------------------------------------
def _params_diff(old: str, new: str) -> str:
    try:
        before, after = json.loads(old), json.loads(new)
    except (TypeError, ValueError):
        return "its hyperparameters differ"
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if "<class>" in changed:
        return f"it is a {after.get('<class>')} now, a {before.get('<class>')} there"
    shown = [
        f"{k} is {before.get(k, '(absent)')} there, {after.get(k, '(absent)')} now"
        for k in changed[:3]
    ]
    more = f" (and {len(changed) - 3} more)" if len(changed) > 3 else ""
    return "hyperparameter " + ", ".join(shown) + more


class ResultsStore:
    """An append-only, fingerprinted, crash-safe result file.

    Rows are identified by their ``key`` (the ``group`` columns, e.g. data set and subject,
    then the ``task`` columns, e.g. model and fold) and carry ``fingerprint`` columns saying
    what produced them. :meth:`open` checks that the file can be written and repairs a torn
    last row; :meth:`resume` returns the rows this run can reuse, or raises
    :class:`ResumeError` when the file holds rows of another run; :meth:`append` adds a row,
    synced to disk before it returns.

    Parameters
    ----------
    path : str or path-like
        The CSV file (created with its folder when missing).
    columns : sequence of str
        The columns of a row, in order (the store adds :data:`CHECKSUM_COLUMN` last).
    group : sequence of str, default=()
        Columns naming a set of rows that belong together (e.g. the tags of a
        :func:`compare` call).
    task : sequence of str, default=("model", "fold")
        Columns that, with ``group``, identify a row.
    fingerprint : sequence of str, default=FINGERPRINT_COLUMNS
        Columns that must equal this run's for a row to be reused.
    shared : sequence of str, default=("data_fingerprint", "folds_fingerprint", "scoring", \
"version")
        Fingerprint columns that all rows of one group must share: a run refuses a file whose
        rows of its group were produced otherwise, even for tasks it does not run itself.
    error : str or None, default="error"
        The column that is non-empty for a failed result; failed rows of this run's keys are
        removed by :meth:`resume` (and so rerun).

    Notes
    -----
    Only one process writes a file at a time: :meth:`open` takes a lock (``<file>.lock``)
    that is held until :meth:`close` (or until the store is garbage-collected or the process
    ends), and a second process opening the file gets :class:`FileInUseError`. Stores of
    one process share the lock. Text cells are written on one line (line breaks become
    spaces).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        columns: Sequence[str],
        *,
        group: Sequence[str] = (),
        task: Sequence[str] = ("model", "fold"),
        fingerprint: Sequence[str] = FINGERPRINT_COLUMNS,
        shared: Sequence[str] = (
            "data_fingerprint",
            "folds_fingerprint",
            "scoring",
            "version",
        ),
        error: str | None = "error",
    ) -> None:
        self.path = Path(path)
        self.columns = list(columns)
        self.group = list(group)
        self.task = list(task)
        self.fingerprint = list(fingerprint)
        self.shared = list(shared)
        self.error = error
        if len(set(self.columns)) != len(self.columns) or CHECKSUM_COLUMN in self.columns:
            raise ValueError(
                f"columns must be distinct and not {CHECKSUM_COLUMN!r}, got {self.columns}."
            )
        missing = [
            c
            for c in [*self.group, *self.task, *self.fingerprint, *self.shared]
            if c not in self.columns
        ]
        if missing or not set(self.shared) <= set(self.fingerprint):
            raise ValueError(
                f"group, task, fingerprint and shared must name columns ({missing} are not "
                "among them), and shared must be part of fingerprint."
            )
        self._lines: list[bytes] | None = None
        self._lock: FileLock | None = None

    @property
    def key(self) -> list[str]:
        """The columns that identify a row: ``group`` then ``task``."""
        return [*self.group, *self.task]

    def _frame(self) -> pd.DataFrame:
        assert self._lines is not None
        return _frame(self.columns, self._lines, _text_columns(self.columns))

    def _records(self) -> list[dict[str, str]]:
        """The rows as texts, exactly as written."""
        assert self._lines is not None
        n = len(self.columns)
        return [
            dict(zip(self.columns, _fields(line[:-1], n) or [], strict=True))
            for line in self._lines
        ]

    def open(self) -> pd.DataFrame:
        """Create or check the file; repair a torn last row; return the complete rows.

        Call it before the first fit: a file that cannot be written fails here.

        Returns
        -------
        pandas.DataFrame
            The complete rows already in the file, typed as :func:`read_results` does.

        Raises
        ------
        ValueError
            The file is not a result file, has other columns, or is damaged before its last
            row.
        FileInUseError
            Another process is writing the file (see Notes).
        OSError
            The file or its folder cannot be written.
        """
        check_writable(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._lock is None or not self._lock.held:
            self._lock = FileLock(self.path)
        with open(self.path, "a+b") as handle:
            handle.seek(0)
            raw = handle.read()
            columns, lines, keep, torn = _split(raw, self.path)
            if not columns:
                if torn and not _header(self.columns).startswith(raw):
                    raise ValueError(
                        f"{self.path} is not a result file of sktime_eeg (it has no header "
                        "line). Write to another file, or delete this one."
                    )
                handle.truncate(0)
                handle.write(_header(self.columns))
            elif columns != self.columns:
                raise ValueError(
                    f"Cannot resume from {self.path}: its columns {columns} differ from this "
                    f"run's {self.columns} (other metrics or tags?). Write to another file, or "
                    "delete this one."
                )
            elif torn:
                handle.truncate(keep)  # drop the torn row: the next append starts a line
            handle.flush()
            os.fsync(handle.fileno())
        self._lines = lines
        return self._frame()

    def close(self) -> None:
        """Release the file for other processes (idempotent; :meth:`open` takes it again)."""
        if self._lock is not None:
            self._lock.release()

    def _texts(self, row: Mapping[str, Any], columns: Sequence[str]) -> tuple[str, ...]:
        return tuple(_cell(row[c]) for c in columns)

    def check(self, expected: Sequence[Mapping[str, Any]]) -> None:
        """Raise :class:`ResumeError` if the file holds rows of another run; write nothing.

        Lets a caller with several parts (e.g. one :func:`compare` per subject) check all of
        them before the first fit. :meth:`resume` repeats the check.

        Parameters
        ----------
        expected : sequence of dict
            As for :meth:`resume`.
        """
        if self._lines is None:
            self.open()
        self._match(expected)

    def _match(self, expected: Sequence[Mapping[str, Any]]) -> list[tuple[bool, bool]]:
        """Check the rows against ``expected``; per row: (key wanted, failed)."""
        wanted = {self._texts(r, self.key): r for r in expected}
        groups = {self._texts(r, self.group): r for r in expected}
        flags = []
        for record in self._records():
            key = self._texts(record, self.key)
            failed = self.error is not None and record[self.error] != ""
            flags.append((key in wanted, failed))
            group = self._texts(record, self.group)
            if group not in groups:
                continue
            mine = wanted.get(key, groups[group])
            columns = self.fingerprint if key in wanted else self.shared
            differences = self._differences(record, mine, columns)
            if differences:
                named = self.key if key in wanted else self.group
                where = ", ".join(f"{c}={record[c]!r}" for c in named) or "its rows"
                raise ResumeError(self.path, where, differences)
        return flags

    def resume(self, expected: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The rows of the file this run can reuse (the file is read again first).

        Parameters
        ----------
        expected : sequence of dict
            One dict per result this run will produce, with (at least) the key and fingerprint
            columns.

        Returns
        -------
        pandas.DataFrame
            The succeeded rows of the file whose key is among ``expected``'s (their
            fingerprints equal), typed as :func:`read_results` does. Failed rows of those
            keys are removed from the file (so that they are rerun).

        Raises
        ------
        ResumeError
            A row of the file has the key of an expected row but other fingerprints, or a row
            of an expected group differs in a ``shared`` fingerprint.
        """
        self.open()  # the file may have grown since (another part of the same run)
        assert self._lines is not None
        flags = self._match(expected)
        previous = self._frame()
        drop = np.array([wanted and failed for wanted, failed in flags], dtype=bool)
        if drop.any():
            self._lines = [line for line, bad in zip(self._lines, drop, strict=True) if not bad]
            self._rewrite()
        reuse = np.array([wanted and not failed for wanted, failed in flags], dtype=bool)
        return previous[reuse].reset_index(drop=True) if len(previous) else previous

    def _differences(
        self, record: Mapping[str, Any], mine: Mapping[str, Any], columns: Sequence[str]
    ) -> list[str]:
        differences = []
        for column in columns:
            there, now = str(record[column]), _cell(mine[column])
            if there == now or column == "fingerprint":
                continue
            if column == "params":
                differences.append(_params_diff(there, now))
            elif column == "version":
                differences.append(f"they were written by sktime_eeg {there}, this is {now}")
            elif column in _WHAT:
                differences.append(_WHAT[column])
            else:
                differences.append(f"{column} is {there!r} there, {now!r} now")
        if not differences and "fingerprint" in columns:
            if str(record["fingerprint"]) != _cell(mine["fingerprint"]):
                differences.append("their fingerprints differ")
        return differences

    def _rewrite(self) -> None:
        """Replace the file by the header and the kept rows, atomically."""
        assert self._lines is not None
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(_header(self.columns))
            handle.writelines(self._lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def append(self, row: Mapping[str, Any]) -> None:
        """Append one row, synced to disk when this returns.

        Parameters
        ----------
        row : dict
            Values of every column (missing ones are written empty).
        """
        if self._lines is None or self._lock is None or not self._lock.held:
            self.open()  # (again after close(): the file may have changed meanwhile)
        line = _with_checksum(_line([_cell(row.get(c)) for c in self.columns]))
        with open(self.path, "ab") as handle:
            size = handle.tell()
            try:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException:
                handle.truncate(size)  # best effort: never leave half a row behind
                raise
        assert self._lines is not None
        self._lines.append(line)
