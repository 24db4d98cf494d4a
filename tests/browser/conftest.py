"""The `browser` fixture lives in tests/conftest.py: browser tests in every folder share it."""
