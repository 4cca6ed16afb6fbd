"""Image-quality metrics of the Brightroom lab, one module per standard."""

from brightroom.lab.metrics.sfr import EdgeProfile, SFRResult, acutance, esf_profile, sfr

__all__ = ["sfr", "SFRResult", "EdgeProfile", "esf_profile", "acutance"]
