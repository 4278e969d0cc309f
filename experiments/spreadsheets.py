"""Copies of a result table for spreadsheets, beside its Parquet file.

CSV is written in UTF-8 with a byte-order mark (Excel needs it to read accents); the Excel copy (.xlsx) opens
with the right decimal sign whatever the computer's language, which a CSV does not in French or Spanish. Both are
written atomically, as every result file is: a reader sees the old copy or the new one, never half of one.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from experiments.store import atomic_write_bytes

#: Excel's largest sheet: rows beyond it are left to the CSV copy.
EXCEL_MAX_ROWS = 1_048_575


def write_copies(table: pd.DataFrame, parquet: Path) -> list[Path]:
    """Write ``table`` as .csv and .xlsx beside the Parquet file ``parquet``; return the paths written.

    Each copy is made in memory (tables of runs and comparisons: at most a few MB), then written atomically
    (``experiments.store.atomic_write_bytes``); raises experiments.store.StoreError when it cannot be written.
    """
    parquet = Path(parquet)
    csv, xlsx = parquet.with_suffix(".csv"), parquet.with_suffix(".xlsx")
    atomic_write_bytes(csv, table.to_csv(index=False).encode("utf-8-sig"))
    written = [csv]
    if len(table) <= EXCEL_MAX_ROWS:
        book = io.BytesIO()
        with pd.ExcelWriter(book, engine="xlsxwriter") as sheets:
            table.to_excel(sheets, index=False, sheet_name=parquet.stem[:31], freeze_panes=(1, 0))
        atomic_write_bytes(xlsx, book.getvalue())
        written.append(xlsx)
    return written
