"""One training process per run folder: a lock file naming its owner."""

import contextlib
import json
import os
import socket
import time

LOCK_FILE = ".lock"


@contextlib.contextmanager
def run_lock(run_dir):
    """Hold `run_dir`'s lock while the block runs.

    The lock is `run_dir/.lock`, created exclusively, holding the owner's
    PID and host. A lock whose process is dead (on this host) is stale and
    taken over. Call it on the chief worker only: the workers of one
    multi-worker run share the folder without conflict.

    Raises:
        ValueError: another live process holds the lock (naming it).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
    owner = {"pid": os.getpid(), "host": socket.gethostname()}
    attempts = 20
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is None and attempts > 0:
                # Just created by another process, not yet written: look again.
                attempts -= 1
                time.sleep(0.1)
                continue
            if holder is not None and _alive(holder):
                raise ValueError(
                    f"{os.fspath(run_dir)!r} is being trained by process {holder['pid']} on "
                    f"{holder['host']}. Wait for it, stop it, or train into another folder."
                ) from None
            # Stale: its process is gone. Remove it and try again.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            continue
        with os.fdopen(descriptor, "w") as file:
            json.dump(owner, file)
        break
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            if _holder(path) == owner:
                os.unlink(path)


def _holder(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _alive(holder):
    if holder.get("host") != socket.gethostname():
        # A process of another host cannot be checked from here.
        return True
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
