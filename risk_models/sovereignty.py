"""Sovereignty risk: whether the site's GDPR transfer regime meets the study's requirement.

Rule (per candidate)::

    risk = 0   if jurisdiction.gdpr_regime is one of required_regimes
                  (and, with exclude_sanctioned, the country is not under EU sanctions)
    risk = 1   otherwise, with a reason in words
    risk = NaN if the regime is unknown (None)

``required_regimes`` takes values of ``jurisdiction.gdpr_regime``: ``eea``, ``adequacy``,
``adequacy_partial``, ``third_country``, and the sentinels ``high_seas`` and ``disputed``. The
risk is a legal fact, not an estimate: ``std`` is 0. A study turns risk 1 into an exclusion
(``risk.sovereignty`` constraint); the reason text is written for that list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from risk_models.base import RiskOutput, require_attributes
from siting.errors import ConfigError

__all__ = [
    "DESCRIPTION",
    "NAME",
    "REGIME_VALUES",
    "REQUIRED_ATTRIBUTES",
    "compute",
]

NAME = "sovereignty"
REGIME = "jurisdiction.gdpr_regime"
COUNTRY = "jurisdiction.country"
SANCTIONED = "jurisdiction.sanctioned"
REQUIRED_ATTRIBUTES: frozenset[str] = frozenset({REGIME, COUNTRY, SANCTIONED})
REGIME_VALUES: tuple[str, ...] = (
    "eea",
    "adequacy",
    "adequacy_partial",
    "third_country",
    "high_seas",
    "disputed",
)
"""Values ``jurisdiction.gdpr_regime`` takes (kept equal to ``layers.jurisdiction``)."""
DEFAULT_REQUIRED: tuple[str, ...] = ("eea", "adequacy")

DESCRIPTION = (
    "GDPR transfer-regime compliance, 0 or 1: 0 when jurisdiction.gdpr_regime is one of the "
    "study's required_regimes (default eea, adequacy) and, with exclude_sanctioned (default), "
    "the country is not under EU sectoral sanctions; 1 otherwise, with the reason in words."
)


def compute(
    attributes: pd.DataFrame,
    *,
    required_regimes: Sequence[str] = DEFAULT_REQUIRED,
    exclude_sanctioned: bool = True,
    names: pd.Series | None = None,
) -> RiskOutput:
    """Return 0 where the site's regime meets the requirement, 1 (with a reason) where not.

    Parameters
    ----------
    attributes
        Table with ``jurisdiction.gdpr_regime``, ``jurisdiction.country`` and
        ``jurisdiction.sanctioned``; a ``name`` column, if present, names sites in reasons.
    required_regimes
        Acceptable regimes, a non-empty subset of :data:`REGIME_VALUES`.
    exclude_sanctioned
        Also give risk 1 where ``jurisdiction.sanctioned`` is True.
    names
        Site names for the reasons (index-aligned); default the ``name`` column or the index.

    Returns
    -------
    RiskOutput
        ``risk`` in {0, 1} (NaN for an unknown regime), ``std`` 0, ``reasons`` text where 1.

    Raises
    ------
    ConfigError
        If a required column is missing or ``required_regimes`` is empty or holds an unknown
        regime.

    Examples
    --------
    >>> table = pd.DataFrame({"name": ["Zurich", "Dublin"],
    ...                       "jurisdiction.gdpr_regime": ["adequacy", "eea"],
    ...                       "jurisdiction.country": ["CH", "IE"],
    ...                       "jurisdiction.sanctioned": [False, False]})
    >>> out = compute(table, required_regimes=["eea"])
    >>> out.risk.tolist()
    [1.0, 0.0]
    >>> out.reasons.iloc[0]
    "Zurich (CH) has GDPR regime 'adequacy'; the study requires one of eea"
    """
    required = _check_required(required_regimes)
    require_attributes(attributes, REQUIRED_ATTRIBUTES, model=NAME)
    regime = attributes[REGIME].to_numpy(dtype=object)
    is_known = pd.notna(regime)
    is_allowed = np.isin(regime, list(required))
    is_sanctioned = np.asarray(
        attributes[SANCTIONED].astype("boolean").fillna(False).to_numpy(dtype=bool)
    )
    is_blocked = is_sanctioned if exclude_sanctioned else np.zeros(len(regime), dtype=bool)
    is_bad_regime = is_known & ~is_allowed
    risk = np.where(is_known, np.where(is_bad_regime | is_blocked, 1.0, 0.0), np.nan)
    risk = np.where(is_blocked, 1.0, risk)
    labels = _labels(attributes, names)
    wanted = ", ".join(required)
    reasons = np.full(len(regime), None, dtype=object)
    text = pd.Series(regime, dtype=object).fillna("unknown").astype(str).to_numpy(dtype=object)
    regime_reason = labels + " has GDPR regime '" + text + "'; the study requires one of " + wanted
    reasons[is_bad_regime] = regime_reason[is_bad_regime]
    sanction_reason = labels + " is under EU sectoral restrictive measures (sanctions)"
    only_sanction = is_blocked & ~is_bad_regime
    both = is_blocked & is_bad_regime
    reasons[only_sanction] = sanction_reason[only_sanction]
    reasons[both] = regime_reason[both] + "; and it is under EU sectoral restrictive measures"
    index = attributes.index
    return RiskOutput(
        risk=pd.Series(risk, index=index, name=f"risk.{NAME}"),
        std=pd.Series(np.where(np.isnan(risk), np.nan, 0.0), index=index, name=f"risk.{NAME}"),
        reasons=pd.Series(reasons, index=index, dtype=object),
    )


def _check_required(required_regimes: Sequence[str]) -> tuple[str, ...]:
    """Return the required regimes as a tuple after checking each is a known regime."""
    if isinstance(required_regimes, str):
        required_regimes = (required_regimes,)
    required = tuple(required_regimes)
    if not required:
        allowed = ", ".join(REGIME_VALUES)
        msg = f"required_regimes {list(required)!r} is empty; expected some of {allowed}"
        raise ConfigError(msg)
    for regime in required:
        if regime not in REGIME_VALUES:
            msg = (
                f"required regime {regime!r} is unknown; expected one of {', '.join(REGIME_VALUES)}"
            )
            raise ConfigError(msg)
    return required


def _labels(attributes: pd.DataFrame, names: pd.Series | None) -> npt.NDArray[np.object_]:
    """Return 'Name (CC)' per row: the site name (or index label) and its country code."""
    if names is None:
        names = attributes["name"] if "name" in attributes.columns else None
    if names is None:
        base = pd.Series(attributes.index.astype(str), index=attributes.index, dtype=object)
    else:
        base = pd.Series(names.reindex(attributes.index).to_numpy(dtype=object), dtype=object)
        base = base.where(base.notna(), pd.Series(attributes.index.astype(str), dtype=object))
        base = base.astype(str)
    country = pd.Series(attributes[COUNTRY].to_numpy(dtype=object), dtype=object)
    suffix = (" (" + country.astype(str) + ")").where(country.notna(), " (no country)")
    joined = base.reset_index(drop=True).astype(str) + suffix.to_numpy()
    labels: npt.NDArray[np.object_] = np.asarray(joined.to_numpy(dtype=object), dtype=object)
    return labels
