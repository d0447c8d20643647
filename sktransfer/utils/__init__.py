"""Utilities: the source/target domain convention and validation helpers."""

from ._domains import check_sample_domain, stack_domains

__all__ = ["check_sample_domain", "stack_domains"]
