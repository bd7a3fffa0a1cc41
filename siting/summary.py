"""Render ``summary.md``: the top sites and why, what flips first place, exclusions, sources.

Pure text from a result table and its metadata (docs/CONTRACTS.md); no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["render_summary", "why_text"]

TOP_N = 10
"""Sites listed in the top table."""
WHY_CRITERIA = 3
"""Strongest criteria named in each site's 'why'."""


def _fmt(value: Any, digits: int = 3) -> str:  # Any: a cell of the result table
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _number(value: float) -> str:
    """Format a raw value for people: thousands separators, about four significant digits.

    >>> _number(128_100_000.0), _number(117.43), _number(0.2899), _number(float("nan"))
    ('128,100,000', '117.4', '0.29', 'n/a')
    """
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) >= 1 else f"{value:.2g}"


def _raw_text(row: pd.Series, attribute: str, units: Mapping[str, str]) -> str:
    if attribute not in row.index:
        return ""
    value = row[attribute]
    unit = units.get(attribute, "")
    text = _number(value) if isinstance(value, float) else _fmt(value)
    return f"{text} {unit}".strip() if unit not in ("", "1") else text


def why_text(row: pd.Series, metadata: Mapping[str, Any]) -> str:  # Any: JSON values
    """Explain a ranked site in one line: its strongest and weakest criteria with raw values.

    Strongest = largest ``contrib.<criterion>``; weakest = smallest ``value.<criterion>``.
    """
    criteria = metadata.get("criteria", [])
    units = {k: v.get("unit", "") for k, v in metadata.get("attributes", {}).items()}
    contribs = []
    for c in criteria:
        name = c["name"]
        contrib = row.get(f"contrib.{name}")
        value = row.get(f"value.{name}")
        if contrib is None or pd.isna(contrib):
            continue
        contribs.append((float(contrib), float(value), name, c["attribute"]))
    if not contribs:
        return ""
    contribs.sort(key=lambda t: (-t[0], t[2]))
    strong = [
        f"{name} {value:.2f} ({_raw_text(row, attr, units)})"
        for _, value, name, attr in contribs[:WHY_CRITERIA]
    ]
    weakest = min(contribs, key=lambda t: (t[1], t[2]))
    text = "strongest: " + "; ".join(strong)
    if weakest[2] not in [t[2] for t in contribs[:WHY_CRITERIA]]:
        text += f"; weakest: {weakest[2]} {weakest[1]:.2f} ({_raw_text(row, weakest[3], units)})"
    return text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def clean(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(clean(c) for c in row) + " |" for row in rows]
    return lines


def _flip_lines(sensitivity: Mapping[str, Any] | None) -> list[str]:  # Any: JSON values
    if not sensitivity or not sensitivity.get("first_place_flips"):
        return ["Not computed (fewer than two ranked candidates)."]
    rows = []
    for flip in sorted(
        sensitivity["first_place_flips"],
        key=lambda f: (
            f["smallest_change"] is None,
            abs(f["smallest_change"] or 0.0),
            f["criterion"],
        ),
    ):
        change = flip["smallest_change"]
        if change is None:
            rows.append([flip["criterion"], _fmt(flip["weight"]), "never", "-"])
            continue
        side = flip["increase"] if change > 0 else flip["decrease"]
        new_leader = side["new_leader"] if side else "(tie)"
        rows.append([flip["criterion"], _fmt(flip["weight"]), f"{change:+.3f}", str(new_leader)])
    leader = sensitivity["first_place_flips"][0].get("leader", "")
    lines = [
        f"First place ({leader}) changes hands when one criterion's weight share moves by the "
        "amount below (the other weights rescaled to keep the sum at 1); smallest first.",
        "",
    ]
    return lines + _table(["criterion", "weight", "smallest change", "new leader"], rows)


def render_summary(
    ranking: gpd.GeoDataFrame | pd.DataFrame, metadata: Mapping[str, Any]
) -> str:  # Any: JSON values
    """Return the Markdown summary of a study result.

    Parameters
    ----------
    ranking
        Result table (result schema).
    metadata
        Result metadata (docs/CONTRACTS.md).

    Returns
    -------
    Markdown text ending in a newline.
    """
    study = metadata.get("study", {}).get("study", {})
    counts = metadata.get("counts", {})
    lines = [f"# {study.get('name', 'Study')}", ""]
    if study.get("description"):
        lines += [study["description"], ""]
    lines += [
        f"- IT load: {_fmt(study.get('it_load_mw'), 0)} MW; PUE: {study.get('pue')}",
        f"- Method: {metadata.get('method', '?')}, weights: {metadata.get('weights_method', '?')}",
        f"- Candidates: {counts.get('candidates', len(ranking))}, ranked: "
        f"{counts.get('ranked', '?')}, excluded: {counts.get('excluded', '?')}",
        f"- Software: siting {metadata.get('software', {}).get('version', '?')}",
        "",
        "## Top sites",
        "",
    ]
    ranked = ranking[ranking["rank"].notna()].sort_values(["rank", "site_id"], kind="stable")
    top = ranked.head(TOP_N)
    has_mc = "p_top_k" in ranking.columns
    header = ["rank", "site", "name", "score"]
    if has_mc:
        header += ["P(top k)", "rank range (5-95 %)"]
    header.append("why")
    rows = []
    for _, row in top.iterrows():  # at most TOP_N rows: presentation, not a hot path
        cells = [
            str(int(row["rank"])),
            str(row["site_id"]),
            _fmt(row.get("name")),
            _fmt(row["score"]),
        ]
        if has_mc:
            cells += [
                _fmt(row["p_top_k"], 2),
                f"{_fmt(row['rank_p05'], 0)}-{_fmt(row['rank_p95'], 0)}",
            ]
        cells.append(why_text(row, metadata))
        rows.append(cells)
    lines += _table(header, rows) if rows else ["No candidate passed the constraints."]
    lines += ["", "## Weights", ""]
    lines += _table(
        ["criterion", "attribute", "better", "weight"],
        [
            [c["name"], c["attribute"], c["better"], _fmt(c["weight"])]
            for c in metadata.get("criteria", [])
        ],
    )
    ahp = metadata.get("ahp")
    if ahp:
        lines += ["", f"AHP consistency ratio: {_fmt(ahp.get('consistency_ratio'))}"]
    lines += ["", "## What flips first place", ""]
    lines += _flip_lines(metadata.get("sensitivity"))
    lines += ["", "## Excluded candidates by reason", ""]
    by_reason = counts.get("excluded_by_reason", {})
    if by_reason:
        lines += _table(
            ["reason", "candidates"],
            [[r, str(n)] for r, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))],
        )
        lines += ["", "A candidate excluded for several reasons is counted under each."]
    else:
        lines += ["None."]
    lines += ["", "## Data sources", ""]
    sources = metadata.get("sources", [])
    if sources:
        lines += _table(
            ["file", "licence", "vintage", "attribution"],
            [
                [
                    s["name"],
                    s["licence"] + (f" ({s['licence_flag']})" if s.get("licence_flag") else ""),
                    s["vintage"],
                    s["attribution"],
                ]
                for s in sources
            ],
        )
    else:
        lines += ["No layer data was used (site attributes only)."]
    missing = _missing_notes(ranking, metadata)
    lines += ["", "## Missing data", ""]
    lines += missing or ["Every criterion attribute has a value for every ranked candidate."]
    lines += ["", "## Warnings", ""]
    warns = list(metadata.get("warnings", []))
    lines += [f"- {w}" for w in warns] if warns else ["None."]
    return "\n".join(lines) + "\n"


def _missing_notes(ranking: pd.DataFrame, metadata: Mapping[str, Any]) -> list[str]:  # Any: JSON
    notes = []
    for c in metadata.get("criteria", []):
        attribute = c["attribute"]
        if attribute not in ranking.columns:
            continue
        n_missing = int(ranking[attribute].isna().sum())
        if n_missing:
            notes.append(
                f"- {attribute}: no value for {n_missing} of {len(ranking)} candidates "
                f"(criterion {c['name']!r}, missing policy {c.get('missing', 'worst')!r})"
            )
    return notes
