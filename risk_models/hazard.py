"""Natural-hazard risk: recorded seismicity near the site combined with INFORM's natural hazard.

Formula (all terms in [0, 1], 1 worst)::

    magnitude_term = clip((M_max - 5) / (magnitude_ceiling - 5), 0, 1)
    frequency_term = min(1, log(1 + N) / log(1 + frequency_ceiling))
    seismic        = (magnitude_term + frequency_term) / 2
    natural        = inform_natural / 10
    risk           = seismic_weight * seismic + (1 - seismic_weight) * natural

with ``M_max`` = ``hazards.max_magnitude_within_100km`` (0 = no M>=5 event recorded, giving a
magnitude term of 0), ``N`` = ``hazards.quakes_m5_within_100km`` (events in about 10.8 years,
2013-2023), ``magnitude_ceiling`` = 7.5 (an event of M7.5 or more within 100 km saturates the
term), ``frequency_ceiling`` = 20 (about two M>=5 events a year within 100 km, as on the most
active parts of the Aegean, saturates it) and ``seismic_weight`` = 0.5. INFORM's natural
category already includes an earthquake component at country level; the site-level seismic term
adds the local picture, so seismicity weighs somewhat more than the other natural hazards.
NaN in any input gives NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk_models.base import RiskOutput, require_attributes
from siting.errors import ConfigError

__all__ = ["DESCRIPTION", "NAME", "REQUIRED_ATTRIBUTES", "compute"]

NAME = "hazard"
REQUIRED_ATTRIBUTES: tuple[str, ...] = (
    "hazards.max_magnitude_within_100km",
    "hazards.quakes_m5_within_100km",
    "hazards.inform_natural",
)
DESCRIPTION = (
    "Natural-hazard risk 0..1: seismic = mean of clip((Mmax-5)/(7.5-5)) and "
    "min(1, ln(1+N)/ln(21)) for the largest magnitude and the number of M>=5 events within "
    "100 km; risk = 0.5*seismic + 0.5*INFORM natural/10."
)

_REASON_SEISMIC = 0.5
_REASON_NATURAL = 5.0


def _check(name: str, value: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        msg = f"hazard model parameter {name!r} = {value!r} must be a number in [{low}, {high}]"
        raise ConfigError(msg)
    return float(value)


def compute(
    attributes: pd.DataFrame,
    *,
    seismic_weight: float = 0.5,
    magnitude_ceiling: float = 7.5,
    frequency_ceiling: float = 20.0,
) -> RiskOutput:
    """Return the natural-hazard risk of each site (see the module docstring for the formula).

    Parameters
    ----------
    attributes
        Table with the :data:`REQUIRED_ATTRIBUTES` columns.
    seismic_weight
        Weight of the site-level seismic term, in [0, 1].
    magnitude_ceiling
        Magnitude at which the magnitude term reaches 1, in (5, 10].
    frequency_ceiling
        Number of M>=5 events (2013-2023) at which the frequency term reaches 1, >= 1.

    Returns
    -------
    RiskOutput
        ``risk`` in [0, 1] (NaN where an input is NaN), ``std`` None, ``reasons`` text where the
        seismic term is >= 0.5 or INFORM natural >= 5.

    Raises
    ------
    ConfigError
        When a required column is missing or a parameter is out of range.

    Examples
    --------
    M7.5 and 20 events nearby (seismic 1) in a country with INFORM natural 4.0: 0.5 + 0.2 = 0.7.

    >>> table = pd.DataFrame({"hazards.max_magnitude_within_100km": [7.5, 0.0],
    ...     "hazards.quakes_m5_within_100km": [20, 0], "hazards.inform_natural": [4.0, 2.0]})
    >>> compute(table).risk.round(6).tolist()
    [0.7, 0.1]
    """
    require_attributes(attributes, REQUIRED_ATTRIBUTES, model=NAME)
    weight = _check("seismic_weight", seismic_weight, 0.0, 1.0)
    ceiling = _check("magnitude_ceiling", magnitude_ceiling, 5.0 + 1e-9, 10.0)
    frequency = _check("frequency_ceiling", frequency_ceiling, 1.0, 1e6)
    max_mag = attributes["hazards.max_magnitude_within_100km"].to_numpy(np.float64)
    count = attributes["hazards.quakes_m5_within_100km"].to_numpy(np.float64)
    natural = attributes["hazards.inform_natural"].to_numpy(np.float64)
    magnitude_term = np.clip((max_mag - 5.0) / (ceiling - 5.0), 0.0, 1.0)
    frequency_term = np.minimum(1.0, np.log1p(count) / np.log1p(frequency))
    seismic = (magnitude_term + frequency_term) / 2.0
    risk = weight * seismic + (1.0 - weight) * natural / 10.0
    index = attributes.index
    reasons = pd.Series(np.full(len(index), None, dtype=object), index=index, dtype=object)
    has_seismic = seismic >= _REASON_SEISMIC
    has_natural = natural >= _REASON_NATURAL
    flagged = np.flatnonzero(has_seismic | has_natural)
    if flagged.size:
        mag_text = pd.Series(np.round(max_mag[flagged], 1)).astype(str)
        count_text = pd.Series(count[flagged]).astype(np.int64).astype(str)
        natural_text = pd.Series(np.round(natural[flagged], 1)).astype(str)
        seismic_part = (
            "M" + mag_text + " max and " + count_text + " M>=5 events within 100 km"
        ).where(has_seismic[flagged], "")
        natural_part = ("INFORM natural hazard " + natural_text + "/10").where(
            has_natural[flagged], ""
        )
        joiner = pd.Series(np.where(has_seismic[flagged] & has_natural[flagged], "; ", ""))
        reasons.iloc[flagged] = (seismic_part + joiner + natural_part).to_numpy(dtype=object)
    return RiskOutput(
        risk=pd.Series(risk, index=index, name=f"risk.{NAME}"), std=None, reasons=reasons
    )
