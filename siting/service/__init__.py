"""The HTTP service: ``create_app(settings)`` builds the FastAPI app that ``siting serve`` runs."""

from __future__ import annotations

from siting.service.app import create_app
from siting.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
