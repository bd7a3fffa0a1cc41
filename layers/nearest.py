"""Nearest-feature geodesic distance and within-radius sums over point features.

:class:`NearestIndex` is built once from feature points and answers, for many candidate points,
the exact WGS84 geodesic distance to the k nearest features and the (optionally distance-weighted)
sum of feature values within a geodesic radius.

Method: a KD-tree on the features' Earth-centred coordinates (:func:`layers.geodesy.ecef_km`)
proposes neighbours. The straight chord is a guaranteed lower bound on the geodesic distance and
the angle between the unit normals gives a guaranteed upper bound
(:func:`layers.geodesy.distance_bounds_km`), so only pairs whose bounds straddle the answer are
measured with ``pyproj.Geod.inv``. Answers are therefore the true
ellipsoidal nearest features and distances, not approximations; a nearest query that cannot be
certified from the first few neighbours is repeated with more neighbours for those points only.
Candidates are processed in chunks of ``chunk_size`` so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from layers.geodesy import (
    as_lon_lat,
    distance_bounds_km,
    ecef_km,
    geodesic_distance_km,
    unit_vectors,
)
from siting.errors import ConfigError
from siting.types import FloatArray, IntArray

__all__ = ["NearestIndex", "check_radius_km"]

WeightFn = Callable[[FloatArray], npt.ArrayLike]

_CHORD_SLACK_KM = 1e-9
"""Rounding allowance on Earth-centred chords (coordinates are ~6400 km, exact to ~1e-12 km)."""


def check_radius_km(radius_km: float) -> float:
    """Return ``radius_km`` as a float after checking it is a finite distance >= 0 km.

    Raises
    ------
    ConfigError
        When the radius is negative, NaN or infinite.

    Examples
    --------
    >>> check_radius_km(25)
    25.0
    """
    value = float(radius_km)
    if not np.isfinite(value) or value < 0:
        msg = f"radius_km {radius_km!r} must be a finite distance >= 0 km"
        raise ConfigError(msg)
    return value


def _check_chunk_size(chunk_size: int) -> int:
    if int(chunk_size) != chunk_size or chunk_size < 1:
        msg = f"chunk_size {chunk_size!r} must be a positive integer"
        raise ConfigError(msg)
    return int(chunk_size)


class NearestIndex:
    """Spatial index over point features for exact geodesic nearest and within-radius queries.

    Parameters
    ----------
    lon, lat
        Feature coordinates, degrees, EPSG:4326, 1-D arrays of equal length (may be empty).
    chunk_size
        Candidates processed per batch; peak memory grows with ``chunk_size`` times the number
        of features a candidate has within the query radius.

    Raises
    ------
    ConfigError
        When coordinates are malformed or out of range, or ``chunk_size`` is not positive.

    Examples
    --------
    Two features on the equator, one candidate at the origin:

    >>> index = NearestIndex([1.0, -2.0], [0.0, 0.0])
    >>> distance_km, idx = index.query([0.0], [0.0])
    >>> round(float(distance_km[0]), 3), int(idx[0])
    (111.319, 0)
    >>> index.count_within([0.0], [0.0], radius_km=200.0).tolist()
    [1]
    """

    def __init__(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, chunk_size: int = 100_000
    ) -> None:
        self._lon, self._lat = as_lon_lat(lon, lat, name="features")
        self._chunk_size = _check_chunk_size(chunk_size)
        self._tree = cKDTree(ecef_km(self._lon, self._lat)) if self._lon.size else None
        self._normals = unit_vectors(self._lon, self._lat)

    @property
    def n_features(self) -> int:
        """Number of features in the index."""
        return int(self._lon.size)

    def query(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        k: int = 1,
        max_distance_km: float | None = None,
    ) -> tuple[FloatArray, IntArray]:
        """Return the geodesic distance to, and position of, the k nearest features.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
        k
            Number of neighbours, >= 1.
        max_distance_km
            Optional cut-off, km: neighbours farther than this are reported as missing (NaN,
            -1). Candidates with nothing in range are skipped cheaply, which makes sparse
            queries (e.g. points far out at sea) fast.

        Returns
        -------
        distance_km : FloatArray
            Exact WGS84 geodesic distance in km, shape (n,) for ``k == 1`` or (n, k), sorted
            ascending along the last axis. NaN where there is no such feature (an empty
            index, or k larger than the number of features).
        index : IntArray
            Position of each neighbour in the feature arrays given to the constructor, same
            shape; -1 where the distance is NaN. Exact ties are broken in KD-tree order.

        Raises
        ------
        ConfigError
            When coordinates are malformed or out of range, or ``k`` is not a positive integer.
        """
        lon_arr, lat_arr = as_lon_lat(lon, lat, name="candidates")
        if isinstance(k, bool) or int(k) != k or k < 1:
            msg = f"k {k!r} must be a positive integer"
            raise ConfigError(msg)
        k = int(k)
        n = lon_arr.size
        distance_km = np.full((n, k), np.nan)
        index = np.full((n, k), -1, dtype=np.int64)
        k_eff = min(k, self.n_features)
        limit = None if max_distance_km is None else check_radius_km(max_distance_km)
        if k_eff > 0 and self._tree is not None:
            for start in range(0, n, self._chunk_size):
                stop = min(start + self._chunk_size, n)
                rows = np.arange(start, stop)
                if limit is not None:
                    # The chord never exceeds the geodesic: no feature within the chord limit
                    # means none within the geodesic limit.
                    chord, _ = self._tree.query(
                        ecef_km(lon_arr[rows], lat_arr[rows]),
                        k=1,
                        distance_upper_bound=limit + _CHORD_SLACK_KM,
                        workers=-1,
                    )
                    rows = rows[np.isfinite(chord)]
                if rows.size:
                    d, i = self._query_chunk(lon_arr[rows], lat_arr[rows], k_eff)
                    distance_km[rows, :k_eff] = d
                    index[rows, :k_eff] = i
        if limit is not None:
            is_far = distance_km > limit
            distance_km[is_far] = np.nan
            index[is_far] = -1
        if k == 1:
            return distance_km[:, 0], index[:, 0]
        return distance_km, index

    def _query_chunk(self, lon: FloatArray, lat: FloatArray, k: int) -> tuple[FloatArray, IntArray]:
        """Certified k-nearest for one chunk (1 <= k <= n_features)."""
        tree = self._tree
        if tree is None:  # unreachable: callers pass k >= 1 only when there are features
            msg = "NearestIndex has no features to query"
            raise ConfigError(msg)
        n_feat = self.n_features
        xyz = ecef_km(lon, lat)
        out_d = np.empty((lon.size, k))
        out_i = np.empty((lon.size, k), dtype=np.int64)
        pending = np.arange(lon.size)
        k0 = min(n_feat, k + 1)
        while pending.size:
            chord, idx = tree.query(xyz[pending], k=list(range(1, k0 + 1)), workers=-1)
            lower_km = chord - _CHORD_SLACK_KM
            plon = lon[pending][:, None]
            plat = lat[pending][:, None]
            dist = np.full(chord.shape, np.inf)
            dist[:, :k] = geodesic_distance_km(
                plon, plat, self._lon[idx[:, :k]], self._lat[idx[:, :k]]
            )
            # A further neighbour can only matter if its lower bound beats the k-th best so far.
            kth_bound = dist[:, :k].max(axis=1)
            rows, cols = np.nonzero(lower_km[:, k:] <= kth_bound[:, None])
            cols = cols + k
            if rows.size:
                fi = idx[rows, cols]
                dist[rows, cols] = geodesic_distance_km(
                    lon[pending][rows], lat[pending][rows], self._lon[fi], self._lat[fi]
                )
            order = np.argsort(dist, axis=1, kind="stable")[:, :k]
            best_d = np.take_along_axis(dist, order, axis=1)
            best_i = np.take_along_axis(idx, order, axis=1)
            # Features beyond the k0 proposed have lower bounds >= the last proposed one's.
            is_certain = np.full(pending.size, k0 >= n_feat) | (lower_km[:, -1] >= best_d[:, -1])
            done = pending[is_certain]
            out_d[done] = best_d[is_certain]
            out_i[done] = best_i[is_certain]
            pending = pending[~is_certain]
            k0 = min(n_feat, 4 * k0)
        return out_d, out_i

    def within(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        radius_km: float,
        values: npt.ArrayLike | None = None,
        weight_fn: WeightFn | None = None,
    ) -> FloatArray:
        """Return the sum of feature values within a geodesic radius of each candidate.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
        radius_km
            Geodesic radius, km; a feature exactly at the radius counts.
        values
            One value per feature (default 1, so the result is a count). NaN values propagate:
            a candidate with a NaN-valued feature in range gets NaN (drop or fill them first).
        weight_fn
            Optional ``weight_fn(distance_km) -> weights`` (same shape), e.g.
            ``lambda d: 0.5 ** (d / half_km)`` for a distance-decayed exposure; each feature
            contributes ``value * weight_fn(distance)``.

        Returns
        -------
        FloatArray
            Shape (n,). 0.0 where no feature is in range (including an empty index: the sum over
            no features is a true zero, not missing data).

        Raises
        ------
        ConfigError
            When coordinates, ``radius_km`` or the length of ``values`` are invalid.
        """
        lon_arr, lat_arr = as_lon_lat(lon, lat, name="candidates")
        radius = check_radius_km(radius_km)
        if values is None:
            value_arr = np.ones(self.n_features)
        else:
            value_arr = np.asarray(values, dtype=np.float64)
            if value_arr.shape != (self.n_features,):
                msg = (
                    f"values has shape {value_arr.shape!r}; expected one value per feature, "
                    f"shape ({self.n_features},)"
                )
                raise ConfigError(msg)
        out = np.zeros(lon_arr.size)
        for start in range(0, lon_arr.size, self._chunk_size):
            stop = min(start + self._chunk_size, lon_arr.size)
            c_lon, c_lat = lon_arr[start:stop], lat_arr[start:stop]
            ci, fj, _, upper_km = self.pairs_within(c_lon, c_lat, radius_km=radius)
            if weight_fn is None:
                # Pairs surely inside need no geodesic; measure only the boundary band.
                keep = upper_km <= radius
                band = np.flatnonzero(~keep)
                if band.size:
                    d_band = geodesic_distance_km(
                        c_lon[ci[band]], c_lat[ci[band]], self._lon[fj[band]], self._lat[fj[band]]
                    )
                    keep[band[d_band <= radius]] = True
                weights = value_arr[fj[keep]]
            else:
                d = geodesic_distance_km(c_lon[ci], c_lat[ci], self._lon[fj], self._lat[fj])
                keep = np.flatnonzero(d <= radius)
                decay = np.asarray(weight_fn(d[keep]), dtype=np.float64)
                weights = value_arr[fj[keep]] * decay
            out[start:stop] = np.bincount(ci[keep], weights=weights, minlength=stop - start)
        return out

    def pairs_within(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, radius_km: float
    ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        """Return every (candidate, feature) pair that may lie within a geodesic radius.

        A building block for other primitives: the pairs are a guaranteed superset of the true
        pairs (no geodesic is computed), with bounds to decide most of them without one. All
        candidates are handled in one batch, so callers chunk large inputs themselves.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length.
        radius_km
            Geodesic radius, km.

        Returns
        -------
        candidate, feature : IntArray
            Positions of the candidate and the feature of each pair.
        lower_km, upper_km : FloatArray
            Guaranteed bounds on the pair's geodesic distance; ``lower_km <= radius_km`` always.
            ``upper_km <= radius_km`` means the pair is surely within the radius.

        Raises
        ------
        ConfigError
            When coordinates or ``radius_km`` are invalid.
        """
        lon_arr, lat_arr = as_lon_lat(lon, lat, name="candidates")
        radius = check_radius_km(radius_km)
        if self._tree is None or lon_arr.size == 0:
            empty_i = np.zeros(0, dtype=np.int64)
            return empty_i, empty_i.copy(), np.zeros(0), np.zeros(0)
        pairs = cKDTree(ecef_km(lon_arr, lat_arr)).sparse_distance_matrix(
            self._tree, radius + _CHORD_SLACK_KM, output_type="ndarray"
        )
        ci = pairs["i"].astype(np.int64)
        fj = pairs["j"].astype(np.int64)
        lower_km = pairs["v"] - _CHORD_SLACK_KM
        normal_chord = np.linalg.norm(
            unit_vectors(lon_arr, lat_arr)[ci] - self._normals[fj], axis=1
        )
        _, upper_km = distance_bounds_km(normal_chord)
        return ci, fj, lower_km, np.maximum(upper_km, pairs["v"])

    def count_within(self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, radius_km: float) -> IntArray:
        """Return the number of features within a geodesic radius of each candidate.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
        radius_km
            Geodesic radius, km; a feature exactly at the radius counts.

        Returns
        -------
        IntArray
            Shape (n,), counts >= 0.

        Raises
        ------
        ConfigError
            When coordinates or ``radius_km`` are invalid.
        """
        return self.within(lon, lat, radius_km=radius_km).round().astype(np.int64)
