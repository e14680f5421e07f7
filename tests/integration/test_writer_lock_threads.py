"""The SQLite writer lock under threads: ``gateway serve`` runs several per worker process, and
a ``flock`` belongs to the open file they share, so it alone would let two threads in at once."""

from __future__ import annotations

import threading
import time

from gateway.store.db import WriterLock


def test_threads_of_one_process_take_turns(sqlite_url: str) -> None:
    lock = WriterLock(sqlite_url)
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        for _ in range(30):
            with lock:
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    lock.close()
    assert not overlaps


def test_a_thread_may_enter_again_and_keeps_the_file_lock(sqlite_url: str) -> None:
    lock = WriterLock(sqlite_url)
    other = WriterLock(sqlite_url)  # another open file: another process, as far as flock knows
    with lock:
        with lock:  # the sandbox clock's unit of work inside a request's
            pass
        taken = threading.Event()

        def rival() -> None:
            with other:
                taken.set()

        thread = threading.Thread(target=rival)
        thread.start()
        assert not taken.wait(0.2), "the inner exit released the file lock"
    assert taken.wait(5)
    thread.join(5)
    lock.close()
    other.close()
