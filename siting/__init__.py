"""siting: tells a data-centre developer where to build."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
