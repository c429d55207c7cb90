"""Running CPU-heavy C code without stalling the eventlet hub.

A service process is one OS thread of green threads: an argon2 hash (~60 ms of C)
would stop every other request for that long. argon2-cffi releases the GIL, so in
eventlet's thread pool the hashes run in parallel on real cores while the hub
keeps serving. A semaphore bounds how many run at once (each takes 64 MiB)."""
import eventlet
from eventlet import tpool
from eventlet.patcher import is_monkey_patched

from .config import setting

_slots = None


def offload(fn, *args, **kwargs):
    global _slots
    if not is_monkey_patched("thread"):
        return fn(*args, **kwargs)  # plain scripts and unit tests
    if _slots is None:
        _slots = eventlet.semaphore.Semaphore(setting("CPU_HEAVY_CONCURRENCY", 4, int))
    with _slots:
        return tpool.execute(fn, *args, **kwargs)
