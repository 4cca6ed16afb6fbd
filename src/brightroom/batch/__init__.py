"""Batch work at scale on Dask: many raws developed, or a lab campaign scored, on one machine or
a cluster (``brightroom batch``).

>>> from brightroom import batch
>>> result = batch.develop(["shoot/"], "out/", recipe="default")           # doctest: +SKIP
>>> result = batch.develop(["shoot/*.dng"], "out/", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
>>> campaign = batch.lab(["default", "neutral"], ["flagship-2022"], range(10), "lab/")  # doctest: +SKIP

This is a shell over the public API (floor 6, beside the CLI): each task calls
:func:`brightroom.develop` or :func:`brightroom.lab_score` on paths and writes its own output
atomically; the driver keeps a manifest (:mod:`.manifest`) so that ``resume`` redoes only what
is missing or changed. ``docs/scale.md`` shows the same command on a laptop and on a cluster.
"""

from brightroom.batch.engine import ClusterInfo, connect, machine_cores
from brightroom.batch.jobs import (
    DEFAULT_RETRIES,
    FORMATS,
    BatchResult,
    CampaignResult,
    Progress,
    develop,
    expand_inputs,
    lab,
    parse_seeds,
)
from brightroom.batch.manifest import MANIFEST_NAME, Manifest

__all__ = ["develop", "lab", "BatchResult", "CampaignResult", "ClusterInfo", "Progress",
           "FORMATS", "DEFAULT_RETRIES", "MANIFEST_NAME", "Manifest", "connect", "expand_inputs",
           "machine_cores", "parse_seeds"]
