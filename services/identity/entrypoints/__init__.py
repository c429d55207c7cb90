"""identity's nameko entrypoints, one mixin per area; service.py composes them.
Each method only names the use case, its input schema, the permission and whether
a retry with the same Idempotency-Key replays the first reply."""
