"""Execution engines that sample layers somewhere other than this process.

The local engine is :func:`siting.sampling.sample_layers` (called by :func:`siting.run_study`
with ``engine="local"``). :mod:`siting.engines.dask` partitions the candidates over a
dask.distributed cluster (``engine="dask"``); it is imported lazily so that ``dask`` stays an
optional dependency of the local engine.
"""

from __future__ import annotations

__all__: list[str] = []
