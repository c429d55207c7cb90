"""servicekit.config.setting: nameko config, then the environment, then the default."""
import uuid

import nameko
import pytest

from servicekit.config import setting


@pytest.fixture
def name(monkeypatch):
    """A setting name nothing else uses, absent from both config and environment."""
    key = f"SUANPAN_TEST_{uuid.uuid4().hex[:8].upper()}"
    monkeypatch.delenv(key, raising=False)
    return key


def test_default_when_set_nowhere(name):
    assert setting(name) is None
    assert setting(name, "fallback") == "fallback"
    assert setting(name, 5, int) == 5


def test_environment_beats_default(name, monkeypatch):
    monkeypatch.setenv(name, "from-env")
    assert setting(name, "fallback") == "from-env"


def test_nameko_config_beats_environment(name, monkeypatch):
    monkeypatch.setenv(name, "from-env")
    with nameko.config.patch({name: "from-config"}):
        assert setting(name, "fallback") == "from-config"
    assert setting(name, "fallback") == "from-env"


def test_empty_values_fall_through(name, monkeypatch):
    monkeypatch.setenv(name, "from-env")
    with nameko.config.patch({name: ""}):  # "${VAR:}" in config.yaml renders as ""
        assert setting(name, "fallback") == "from-env"
    with nameko.config.patch({name: None}):
        assert setting(name, "fallback") == "from-env"
    monkeypatch.setenv(name, "")
    with nameko.config.patch({name: ""}):
        assert setting(name, "fallback") == "fallback"


def test_cast_int_and_float(name, monkeypatch):
    monkeypatch.setenv(name, "42")
    assert setting(name, 1, int) == 42 and isinstance(setting(name, 1, int), int)
    assert setting(name, 1.0, float) == 42.0
    monkeypatch.setenv(name, "2.5")
    assert setting(name, None, float) == 2.5
    with nameko.config.patch({name: 7}):  # YAML already typed it
        assert setting(name, 1, int) == 7
    with nameko.config.patch({name: "0"}):  # zero is a value, not "unset"
        assert setting(name, 10, int) == 0
    with nameko.config.patch({name: 0}):
        assert setting(name, 10, int) == 0
    monkeypatch.setenv(name, "lots")
    with pytest.raises(ValueError):
        setting(name, 1, int)


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True), ("On", True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("nope", False),
])
def test_cast_bool_from_environment(name, monkeypatch, raw, expected):
    monkeypatch.setenv(name, raw)
    assert setting(name, not expected, bool) is expected


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("true", True), ("off", False), (1, True),
                                             (0, False)])
def test_cast_bool_from_config(name, value, expected):
    with nameko.config.patch({name: value}):
        assert setting(name, not expected, bool) is expected


def test_cast_bool_default_is_returned_as_given(name):
    assert setting(name, True, bool) is True
    assert setting(name, False, bool) is False


def test_config_false_is_not_unset(name, monkeypatch):
    monkeypatch.setenv(name, "true")
    with nameko.config.patch({name: False}):
        assert setting(name, True, bool) is False
