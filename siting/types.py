"""Shared type aliases."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "Bounds", "FloatArray", "IntArray"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Bounds = tuple[float, float, float, float]
"""(minx, miny, maxx, maxy) in the CRS stated next to it."""
