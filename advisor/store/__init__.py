"""Persistence: the only package that imports SQLAlchemy."""

from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Session", "sessionmaker"]
