"""Persistence: the only package that imports SQLAlchemy (besides the demo key's own repository)."""

from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Session", "sessionmaker"]
