"""Persistence of Borne PLUS: SQLAlchemy models, engine factory, Alembic migrations."""
