"""Cross-validation splitters that respect source and target domains."""

from ._split import TargetKFold

__all__ = ["TargetKFold"]
