"""The domain: pure Python, no Flask, no SQLAlchemy, no I/O."""
