"""Overlays: reference features drawn under the ranked candidates (grid, zones, events, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from siting.errors import ConfigError, CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["OVERLAY_KINDS", "Overlay", "OverlayKind"]

OverlayKind = Literal[
    "substations", "lines", "zones", "countries", "events", "areas", "cables", "points"
]
OVERLAY_KINDS: tuple[str, ...] = get_args(OverlayKind)
"""How an overlay is drawn: its symbol family and how its ``value_column`` is coloured."""


@dataclass(frozen=True, eq=False)
class Overlay:
    """One toggleable map overlay.

    Parameters
    ----------
    name
        Title in the layer control (``"Substations >= 220 kV"``).
    data
        Features to draw, EPSG:4326, all of one family (points, lines or polygons): points for
        ``substations``/``events``/``points``, lines for ``lines``/``cables`` (cable landings are
        a second ``cables`` overlay of points), polygons for ``zones``/``countries``/``areas``.
    kind
        One of :data:`OVERLAY_KINDS`; decides the symbol and the colouring of ``value_column``:
        voltage classes (kV) for ``substations``/``lines``, a sequential scale for ``zones``
        (price, EUR/MWh), categories for ``countries`` (GDPR regime) and the others.
    value_column
        Column coloured or shown, or ``None`` to draw everything in the kind's colour.
    label
        Column holding each feature's label (shown on hover), or ``None``.
    attribution
        Attribution line of the source (licence terms); shown on every map drawing it.

    Raises
    ------
    ConfigError
        If ``kind`` is unknown, a named column is missing or ``attribution`` is empty.
    CRSError
        If ``data`` is not in EPSG:4326.
    """

    name: str
    data: gpd.GeoDataFrame
    kind: OverlayKind
    value_column: str | None = None
    label: str | None = None
    attribution: str = ""

    def __post_init__(self) -> None:
        if self.kind not in OVERLAY_KINDS:
            msg = f"unknown overlay kind {self.kind!r}; expected one of {', '.join(OVERLAY_KINDS)}"
            raise ConfigError(msg)
        for role, column in (("value_column", self.value_column), ("label", self.label)):
            if column is not None and column not in self.data.columns:
                msg = (
                    f"overlay {self.name!r}: {role} {column!r} is not a column; "
                    f"columns are {', '.join(map(str, self.data.columns))}"
                )
                raise ConfigError(msg)
        if not self.attribution.strip():
            msg = f"overlay {self.name!r} has no attribution; every drawn source must be credited"
            raise ConfigError(msg)
        crs = self.data.crs
        if crs is None or crs.to_epsg() != 4326:
            msg = f"overlay {self.name!r} has CRS {crs!r}; expected EPSG:4326"
            raise CRSError(msg)
