"""The user's configuration file: `$XDG_CONFIG_HOME/threadminer/config.toml`.

`THREADMINER_CONFIG` names another file. The file is optional; a missing file is an empty
configuration. Each concern reads its own table (`[fetch]` for the archive client), and
command-line options and environment variables win over it.
"""

from __future__ import annotations

import os
import tomllib

from .errors import ThreadminerError


class ConfigError(ThreadminerError):
    """The configuration file exists but cannot be used (bad TOML, wrong types, unknown keys)."""


def config_path() -> str:
    explicit = os.environ.get("THREADMINER_CONFIG")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "threadminer", "config.toml")


def load_config(path: str | None = None) -> dict:
    """The whole configuration as a dict ({} when there is no file)."""
    path = path or config_path()
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def config_table(name: str, path: str | None = None) -> dict:
    """One table of the configuration (`[fetch]`), {} when absent."""
    table = load_config(path).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path or config_path()}: `{name}` must be a table ([{name}])")
    return table
