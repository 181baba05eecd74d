"""What the kernel caps hold: N page loads that never connect, against a server capped at K.

    python benchmarks/kernel_caps.py [--loads 12] [--max-kernels 6] [--never-connected 30]

Starts a real `cswb serve` (no preheated kernels, so every load starts one), fetches the
trivial notebook's page `--loads` times without a browser (so no page ever connects, as a
closed laptop or a script would), and prints how many were served and how many refused, the
server's resident memory with its kernels, and the seconds until the never-connected kernels
were reclaimed (before the caps: every load added a 110-160 MB kernel that lived ~21 minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser tests' harness: the server

from browser_harness import Server  # noqa: E402

BENCHMARK_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def _memory(pids: list[int]) -> int:
    import psutil

    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=12)
    parser.add_argument("--max-kernels", type=int, default=6)
    parser.add_argument("--never-connected", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cswb-caps-") as folder:
        root = Path(folder) / "workspaces"
        root.mkdir()
        server = Server(
            root, Path(folder) / "log", extra_notebooks=(BENCHMARK_NOTEBOOKS,),
            options=("--pool-size", "0", "--max-kernels", str(args.max_kernels),
                     "--never-connected-seconds", str(args.never_connected)),
        ).start()
        try:
            idle = _memory(server.pids())
            statuses = []
            for _ in range(args.loads):
                try:
                    with urllib.request.urlopen(server.url("voila/render/trivial.ipynb"), timeout=180) as answer:
                        answer.read()  # the whole page, as a browser would, then never connect
                        statuses.append(answer.status)
                except urllib.error.HTTPError as refused:
                    statuses.append(refused.code)
            loaded = _memory(server.pids())
            kernels = len(server.pids()) - 1
            started = time.monotonic()
            while len(server.pids()) > 1 and time.monotonic() - started < args.never_connected + 300:
                time.sleep(2)
            reclaimed = time.monotonic() - started
            print(f"{args.loads} loads, --max-kernels {args.max_kernels}: {statuses.count(200)} served,"
                  f" {sum(s in (429, 503) for s in statuses)} refused ({sorted(set(statuses))})")
            print(f"server memory: {idle / 2**20:,.0f} MB idle, {loaded / 2**20:,.0f} MB with {kernels} kernel processes")
            print(f"never-connected kernels reclaimed {reclaimed:.0f} s after the last load"
                  f" (--never-connected-seconds {args.never_connected}; checked every 10 s)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
