"""Peak private memory of a server process while a statement runs: its
RssAnon (heap and anonymous mappings, not the shared buffers it touches),
sampled every 20 ms from /proc by a thread.  The benchmark's client runs
as the server's user, so it may read the backend's status."""
import threading


def rss_anon_kb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('RssAnon:'):
                return int(line.split()[1])
    return 0


class PeakMemory:
    """with PeakMemory(pid) as mem: ...; then mem.peak_mb."""

    def __init__(self, pid, interval=0.02):
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        peak = 0
        while True:
            try:
                peak = max(peak, rss_anon_kb(self.pid))
            except OSError:
                break
            self.peak_mb = peak / 1024
            if self._stop.wait(self.interval):
                break

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        try:
            self.peak_mb = max(self.peak_mb, rss_anon_kb(self.pid) / 1024)
        except OSError:
            pass
        return False
