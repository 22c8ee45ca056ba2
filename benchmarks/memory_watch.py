"""Peak resident memory of each phase of a benchmark, measured while the phase runs.

`ru_maxrss` only ever grows, so after a large phase every later phase seems to peak as
high. A background thread instead samples the process's resident set size (RSS, from
/proc/self/statm; psutil elsewhere) every few milliseconds and keeps, per phase, the
largest sample above the RSS at the phase's start. Memory freed and returned to the
operating system between phases is not counted again; memory glibc keeps for reuse is,
which is why every phase also prints its starting RSS.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

MIB = 1 << 20


def rss_bytes() -> int:
    """The process's resident set size now, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil

        return int(psutil.Process().memory_info().rss)


@dataclass
class PhasePeak:
    """RSS at a phase's start and the largest RSS seen during it, in bytes."""

    start: int
    peak: int


@dataclass
class MemoryWatch:
    """Samples RSS every `interval_s` seconds on a daemon thread; `phase(name)` labels a span."""

    interval_s: float = 0.005
    phases: dict[str, PhasePeak] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._current: PhasePeak | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            current = self._current
            if current is not None:
                current.peak = max(current.peak, rss_bytes())
            time.sleep(self.interval_s)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[PhasePeak]:
        """Record the RSS peak of the `with` body under `name`."""
        now = rss_bytes()
        record = PhasePeak(start=now, peak=now)
        self.phases[name], self._current = record, record
        try:
            yield record
        finally:
            record.peak = max(record.peak, rss_bytes())
            self._current = None

    def rss_now(self) -> int:
        return rss_bytes()

    def overall_peak(self) -> int:
        """The largest RSS seen in any phase, in bytes."""
        return max(p.peak for p in self.phases.values())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
