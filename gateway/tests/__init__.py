"""Unit tests of the gateway framework (no broker, no services)."""
