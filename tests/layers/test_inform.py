"""Tests for layers._inform: the INFORM workbook reader shared by hazards and geopolitics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers._inform import INFORM_COLUMNS, INFORM_SCORE_COLUMNS, parse_inform, read_inform
from siting.errors import LayerDataError

HEADINGS = [accepted[0] for accepted in INFORM_COLUMNS.values()]


def _raw(rows: list[list[object]], iso3: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=HEADINGS)
    frame.insert(1, "ISO3", iso3)
    return frame


def _row(value: float, country: str = "Testland") -> list[object]:
    row: list[object] = [value] * len(HEADINGS)
    row[0] = country
    row[2] = "Low"
    return row


def test_parse_renames_types_and_indexes_by_iso3() -> None:
    raw = _raw([_row(2.5), _row(7.0, "Other")], ["abc", " DEF "])
    raw["Earthquake"] = [2.5, "x"]
    table = parse_inform(raw)
    assert list(table.index) == ["ABC", "DEF"]
    assert list(table.columns) == list(INFORM_COLUMNS)
    assert table.loc["ABC", "natural"] == 2.5
    assert table.loc["DEF", "risk"] == 7.0
    assert np.isnan(table.loc["DEF", "earthquake"])
    assert table.loc["DEF", "country"] == "Other"
    for name in INFORM_SCORE_COLUMNS:
        assert table[name].dtype == np.float64


def test_parse_accepts_older_conflict_headings() -> None:
    raw = _raw([_row(1.0)], ["ABC"]).rename(
        columns={
            "Projected Conflict Probability": "Projected Conflict Risk",
            "Current Conflict Intensity": "Current Highly Violent Conflict Intensity",
        }
    )
    table = parse_inform(raw)
    assert table.loc["ABC", "projected_conflict_probability"] == 1.0
    assert table.loc["ABC", "current_conflict_intensity"] == 1.0


def test_parse_drops_rows_without_iso3() -> None:
    raw = _raw([_row(1.0), _row(2.0)], ["ABC", None])  # type: ignore[list-item]
    assert list(parse_inform(raw).index) == ["ABC"]


def test_missing_column_names_it() -> None:
    raw = _raw([_row(1.0)], ["ABC"]).drop(columns=["Natural"])
    with pytest.raises(
        LayerDataError, match=r"my.xlsx: column 'Natural' \(for 'natural'\) not found"
    ):
        parse_inform(raw, source="my.xlsx")


def test_missing_iso3_column() -> None:
    raw = _raw([_row(1.0)], ["ABC"]).drop(columns=["ISO3"])
    with pytest.raises(LayerDataError, match="column 'ISO3' not found"):
        parse_inform(raw)


def test_out_of_range_score() -> None:
    raw = _raw([_row(1.0)], ["ABC"])
    raw.loc[0, "Drought"] = 11.0
    with pytest.raises(LayerDataError, match=r"'drought' value 11.0 for 'ABC' is outside 0-10"):
        parse_inform(raw)


def test_non_numeric_score() -> None:
    raw = _raw([_row(1.0)], ["ABC"])
    raw["Tsunami"] = ["high"]
    with pytest.raises(LayerDataError, match="column 'tsunami' holds a value that is neither"):
        parse_inform(raw)


def test_duplicate_iso3() -> None:
    with pytest.raises(LayerDataError, match="ISO3 code 'ABC' appears more than once"):
        parse_inform(_raw([_row(1.0), _row(2.0)], ["ABC", "abc"]))


def test_missing_sheet(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    _raw([_row(1.0)], ["ABC"]).to_excel(path, sheet_name="Other", index=False)
    with pytest.raises(
        LayerDataError, match="cannot read INFORM sheet 'INFORM Risk 2025 \\(a-z\\)'"
    ):
        read_inform(path)


def test_roundtrip_through_xlsx(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    _raw([_row(4.2)], ["ABC"]).to_excel(path, sheet_name="INFORM Risk 2025 (a-z)", index=False)
    assert read_inform(path).loc["ABC", "coastal_flood"] == 4.2


def test_real_workbook(mirror) -> None:
    table = read_inform(mirror / "governance" / "inform_risk_2025_v070.xlsx")
    assert len(table) == 191
    # Values read off the workbook's "INFORM Risk 2025 (a-z)" sheet by hand.
    assert table.loc["GRC", "earthquake"] == 8.1
    assert table.loc["TUR", "earthquake"] == 9.3
    assert table.loc["ALB", "natural"] == 5.5
    assert table.loc["AFG", "risk"] == 7.8
    assert table.loc["AFG", "projected_conflict_probability"] == 9.7
    assert table.loc["AFG", "current_conflict_intensity"] == 7.5
    assert table.loc["ZWE", "drought"] == 9.7
    assert table.loc["NAM", "country"] == "Namibia"


def test_real_workbook_matches_csv_export(mirror) -> None:
    book = read_inform(mirror / "governance" / "inform_risk_2025_v070.xlsx")
    csv = read_inform(mirror / "governance" / "inform_risk_2025.csv")
    pd.testing.assert_frame_equal(book, csv)
