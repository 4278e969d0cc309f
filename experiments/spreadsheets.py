"""Copies of a result table for spreadsheets, beside its Parquet file.

CSV is written in UTF-8 with a byte-order mark (Excel needs it to read accents); the Excel copy (.xlsx) opens
with the right decimal sign whatever the computer's language, which a CSV does not in French or Spanish.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: Excel's largest sheet: rows beyond it are left to the CSV copy.
EXCEL_MAX_ROWS = 1_048_575


def write_copies(table: pd.DataFrame, parquet: Path) -> list[Path]:
    """Write ``table`` as .csv and .xlsx beside the Parquet file ``parquet``; return the paths written."""
    parquet = Path(parquet)
    csv, xlsx = parquet.with_suffix(".csv"), parquet.with_suffix(".xlsx")
    table.to_csv(csv, index=False, encoding="utf-8-sig")
    written = [csv]
    if len(table) <= EXCEL_MAX_ROWS:
        with pd.ExcelWriter(xlsx, engine="xlsxwriter") as book:
            table.to_excel(book, index=False, sheet_name=parquet.stem[:31], freeze_panes=(1, 0))
        written.append(xlsx)
    return written
