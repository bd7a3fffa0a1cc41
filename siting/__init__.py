"""siting: tells a data-centre developer where to build.

>>> import siting
>>> study = siting.load_study("examples/sovereign_inference.toml")  # doctest: +SKIP
>>> result = siting.run_study(study)  # doctest: +SKIP
>>> result.top(5)  # doctest: +SKIP

``load_study``, ``run_study`` and ``StudyResult`` are imported on first use, so that
``import siting`` (and ``siting --version``) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["StudyResult", "__version__", "load_study", "run_study"]

if TYPE_CHECKING:
    from siting.pipeline import StudyResult, run_study
    from siting.study import load_study

_LAZY = {
    "load_study": "siting.study",
    "run_study": "siting.pipeline",
    "StudyResult": "siting.pipeline",
}


def __getattr__(name: str) -> Any:  # Any: the lazily imported function or class
    """Import the public API on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'siting' has no attribute {name!r}"
    raise AttributeError(msg)
