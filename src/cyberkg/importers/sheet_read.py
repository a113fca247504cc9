"""Reading spreadsheets: an XLSX workbook or a CSV pair -> two ``Sheet`` tables of text cells.

Problems (unreadable file, unknown or repeated column) name the file, sheet, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from cyberkg.core.errors import Problem
from cyberkg.importers.sheet_schema import (
    CONNECTION_COLUMNS,
    CONNECTIONS,
    ELEMENT_COLUMNS,
    ELEMENTS,
    FORMULA_START,
    normalise_header,
)
from cyberkg.record.schema import did_you_mean


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem in one cell: file, sheet, row and column."""

    sheet: str = ""
    column: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, sheet {self.sheet!r}" + (f", row {self.line}" if self.line else "")
        where += f", column {self.column!r}" if self.column else ""
        return f"{where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


@dataclass
class Sheet:
    name: str
    file: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(name: str, file: str, raw: list[list[object]], problems: list[Problem], allowed: tuple[str, ...]) -> Sheet:
    sheet = Sheet(name, file)
    if not raw or not any(_cell(c) for c in raw[0]):
        problems.append(CellProblem(file, 1, "the first row must hold the column names", "", name, ""))
        return sheet
    header = [normalise_header(_cell(c)) for c in raw[0]]
    seen: set[str] = set()
    for i, col in enumerate(header):
        if not col or col.startswith("#"):
            continue
        if col not in allowed:
            problems.append(
                CellProblem(
                    file,
                    1,
                    f"unknown column {_cell(raw[0][i])!r}",
                    did_you_mean(col, allowed)
                    or f"columns are: {', '.join(allowed)}; start a column name with # to keep it out of the import",
                    name,
                    _cell(raw[0][i]),
                )
            )
        elif col in seen:
            problems.append(CellProblem(file, 1, f"column {col!r} appears twice", "keep one", name, col))
        seen.add(col)
    sheet.columns = [c for c in header if c in allowed]
    for n, values in enumerate(raw[1:], start=2):
        row = {
            header[i]: _cell(v) for i, v in enumerate(values) if i < len(header) and header[i] in allowed and _cell(v)
        }
        if row:
            sheet.rows.append((n, row))
    return sheet


def read_xlsx(data: bytes, file: str, problems: list[Problem]) -> tuple[Sheet, Sheet | None]:
    from openpyxl import load_workbook

    from cyberkg.importers.limits import zip_problem

    bomb = zip_problem(data, file)
    if bomb is not None:
        problems.append(bomb)
        return Sheet(ELEMENTS, file), None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        names = {ws.lower().strip(): ws for ws in wb.sheetnames}
        if ELEMENTS not in names:
            problems.append(
                CellProblem(
                    file,
                    None,
                    f"no sheet named {ELEMENTS!r}",
                    f"the workbook has {', '.join(map(repr, wb.sheetnames))}; rename the "
                    "sheet of entities to 'elements' (see templates/)",
                    ELEMENTS,
                    "",
                )
            )
            return Sheet(ELEMENTS, file), None
        tables = {
            key: [list(r) for r in wb[names[key]].iter_rows(values_only=True)]
            for key in (ELEMENTS, CONNECTIONS)
            if key in names
        }
        wb.close()
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors on damaged files
        problems.append(
            Problem(
                file,
                None,
                f"cannot read the workbook: {type(exc).__name__}: {exc}",
                "save it again as .xlsx (Excel 2007+), or export the two sheets as CSV",
            )
        )
        return Sheet(ELEMENTS, file), None
    elements = _table(ELEMENTS, file, tables[ELEMENTS], problems, ELEMENT_COLUMNS)
    conns = (
        _table(CONNECTIONS, file, tables[CONNECTIONS], problems, CONNECTION_COLUMNS) if CONNECTIONS in tables else None
    )
    return elements, conns


def csv_pair(path: Path) -> tuple[Path, Path | None, str]:
    """(elements file, connections file or None, default layer name) for one file of a CSV pair."""
    m = re.match(rf"^(.*?)[-_. ]?({ELEMENTS}|{CONNECTIONS})$", path.stem, re.IGNORECASE)
    if not m:
        return path, None, path.stem
    prefix, sep_stem = m[1], path.stem[len(m[1]) : len(path.stem) - len(m[2])]
    els = path.with_name(f"{prefix}{sep_stem}{ELEMENTS}{path.suffix}")
    con = path.with_name(f"{prefix}{sep_stem}{CONNECTIONS}{path.suffix}")
    return els, (con if con.is_file() else None), (prefix or path.resolve().parent.name)


def _unquote(cell: str) -> str:
    """A cell the csv-sheets export protected from formula injection ('=...) gets its text back."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START and cell[1:2] else cell


def read_csv(data: bytes, file: str, name: str, allowed: tuple[str, ...], problems: list[Problem]) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            CellProblem(file, line, f"not UTF-8 text (byte {exc.start}, line {line})", "save the CSV as UTF-8", name,
                        "")
        )
        return Sheet(name, file)
    # Only the delimiter is guessed, from the header line (column names: no quotes, no commas);
    # quoting is always RFC 4180's. csv.Sniffer guessed the whole dialect from the first 4 kB and
    # split later cells at escaped quotes ("" inside a quoted cell).
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=lambda d: (header.count(d), d == ","))
    try:
        raw: list[list[object]] = [[_unquote(c) for c in r]
                                   for r in csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)]
    except csv.Error as exc:
        problems.append(CellProblem(file, None, f"not a readable CSV file: {exc}", "", name, ""))
        return Sheet(name, file)
    return _table(name, file, raw, problems, allowed)


def read(files: list[tuple[Path, bytes]], fmt: str) -> tuple[Sheet, Sheet | None, list[Problem]]:
    """The two sheets of an XLSX workbook, or of a CSV pair ``[(elements), (connections)]``."""
    problems: list[Problem] = []
    if fmt == "xlsx":
        path, data = files[0]
        els, cons = read_xlsx(data, path.name, problems)
    else:
        els = read_csv(files[0][1], files[0][0].name, ELEMENTS, ELEMENT_COLUMNS, problems)
        cons = (
            read_csv(files[1][1], files[1][0].name, CONNECTIONS, CONNECTION_COLUMNS, problems)
            if len(files) > 1
            else None
        )
    return els, cons, problems
