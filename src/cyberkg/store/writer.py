"""The curated graph bulk-loaded into an on-disk store in a second thread, while the build loads,
derives and validates in memory (Oxigraph's loader releases the GIL: on two cores the two overlap)."""

from __future__ import annotations

import threading

import cyberkg.store.adapter as adapter
from cyberkg.core.namespaces import G_CURATED
from cyberkg.record.mapping import NTriples


class CuratedWriter:
    """The curated N-Triples bulk-loaded into an on-disk store in a thread; :meth:`join` waits and
    re-raises what it raised."""

    def __init__(self, disk: adapter.StoreAdapter, curated: NTriples) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            try:
                disk.load_nt(str(G_CURATED), [curated.data])
            except BaseException as exc:  # handed to the caller by join()
                self.error = exc

        self.thread = threading.Thread(target=run, name="cyberkg-disk-writer", daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error
