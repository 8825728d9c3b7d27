"""advisor: ranked, pre-approved response patterns for live contact-centre conversations."""

from advisor.settings import Settings

__version__ = "0.1.0"

__all__ = ["Settings", "__version__"]
