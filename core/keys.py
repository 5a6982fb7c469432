"""The hall's two secrets, kept apart from its data: the key that signs staff session cookies
and the key of the ID-number hashes (core/identity.py).

They live in a key file beside the database, `<database>.keys` (var/hall.db.keys), JSON, mode
0600, made at the first start; HALL_SESSION_KEY / HALL_ID_HASH_KEY (hex) in the environment
win over the file. Neither is in the database, so neither is in its backups: a copy of the data
alone cannot forge a session or test ID numbers against the hashes. An older database kept
them in its `settings` table; the first start moves them into the file unchanged (the ID hashes
made before still match) and deletes them there.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, HallError

ENV = {"session_key": "HALL_SESSION_KEY", "id_hash_key": "HALL_ID_HASH_KEY"}
# Where databases before schema 4 kept them: settings key → the key file's name for it.
LEGACY_SETTINGS = {"session_secret": "session_key", "id_hash_key": "id_hash_key"}
MIN_BYTES = 16

log = logging.getLogger("hall.keys")


@dataclass(frozen=True)
class Keys:
    session_key: str        # hex
    id_hash_key: str        # hex
    path: Path | None       # the key file (None for a database in memory)


def key_file(db_path: str | Path) -> Path | None:
    db = str(db_path)
    if db == ":memory:" or db.startswith("file::memory:"):
        return None
    return Path(db + ".keys")


def _new() -> str:
    return secrets.token_hex(32)


def _valid(value, where: str) -> str:
    try:
        if isinstance(value, str) and len(bytes.fromhex(value)) >= MIN_BYTES:
            return value.lower()
    except ValueError:
        pass
    raise ConfigError(f"{where}: not a key (hex, at least {MIN_BYTES} bytes)")


def _from_env() -> dict[str, str]:
    return {name: _valid(os.environ[var].strip(), f"environment {var}")
            for name, var in ENV.items() if os.environ.get(var, "").strip()}


def _check_folder(path: Path) -> None:
    # Anyone who may write the folder may put their own key file in place of ours.
    mode = path.parent.stat().st_mode
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        raise ConfigError(f"{path.parent}: the folder of the key file is writable by everyone; "
                          f"make it yours alone (chmod o-w)")


def _read(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)             # readable by others since someone copied it: ours only
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not a key file (JSON): {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a key file (a JSON object expected)")
    return {name: _valid(raw[name], f"{path}: {name}") for name in ENV if name in raw}


def _write(path: Path, values: dict[str, str], replace: bool) -> bool:
    """Write the file whole, 0600 from its first byte, durably. Not `replace`: only if there is
    none yet (another process starting at the same moment may have made it: False)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({name: values[name] for name in ENV}, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)        # fails if it exists: never two different keys
            except FileExistsError:
                return False
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return True


def load(db_path: str | Path, legacy: dict[str, str] | None = None) -> Keys:
    """The keys of this database. `legacy`: what an older database still holds in `settings`
    (by their settings names); they go into the file as they are."""
    env = _from_env()
    moved = {LEGACY_SETTINGS[k]: _valid(v, f"settings {k}") for k, v in (legacy or {}).items()
             if k in LEGACY_SETTINGS and v}
    path = key_file(db_path)
    if path is None:                      # in memory: for this process only
        return Keys(**{**{n: moved.get(n) or _new() for n in ENV}, **env}, path=None)
    _check_folder(path)
    found = _read(path)
    if found is None:
        values = {n: moved.get(n) or _new() for n in ENV}
        if not _write(path, values, replace=False):
            found = _read(path)
        else:
            log.info("hall keys %s %s", "moved out of the database into" if moved else "made in",
                     path)
    if found is not None:
        for name, value in moved.items():
            if found.get(name, value) != value:
                log.warning("%s: %s differs from the one the database held; the file's is kept",
                            path, name)
        values = {n: found.get(n) or moved.get(n) or _new() for n in ENV}
        if values != found:               # a name missing from a hand-made file
            _write(path, values, replace=True)
    return Keys(**{**values, **env}, path=path)


def rotate_session(db_path: str | Path) -> Keys:
    """A new session key in the key file (the ID-hash key stays: it must never change)."""
    if os.environ.get(ENV["session_key"], "").strip():
        raise HallError("key_from_environment",
                        f"会话密钥由环境变量 {ENV['session_key']} 提供,请在那里更换")
    current = load(db_path)
    if current.path is None:
        raise HallError("no_key_file", "内存数据库没有密钥文件")
    values = {"session_key": _new(), "id_hash_key": current.id_hash_key}
    if os.environ.get(ENV["id_hash_key"], "").strip():
        values["id_hash_key"] = (_read(current.path) or {}).get("id_hash_key") or _new()
    _write(current.path, values, replace=True)
    return load(db_path)
