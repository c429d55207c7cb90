"""Settings: nameko's global config (YAML with ${ENV_VAR:default}), then the
environment, then the default given in code — so every setting can come from the
environment (12-factor) and a service's config.yaml documents what it reads."""
import os

from nameko import config as nameko_config

_TRUE = {"1", "true", "yes", "on"}


def setting(name, default=None, cast=None):
    value = nameko_config.get(name)
    if value is None or value == "":
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    if cast is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    if cast is not None:
        return cast(value)
    return value
