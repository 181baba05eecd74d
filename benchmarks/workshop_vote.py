"""A full room votes on one laptop: 100 phones open the kernel-less ballot and submit 12 ratings.

    python benchmarks/workshop_vote.py [--participants 100] [--risks 12] [--concurrency 20] [--arrivals 45]

Starts a real `cswb serve --workshop` on loopback (no kernels preheated), then, from a bounded
pool of threads, each simulated participant joins with the vote's code, GETs the ballot and POSTs
its ratings, each participant with its own cookies (so its own device key). Participants arrive
evenly over `--arrivals` seconds (a room scanning the QR code within the minute); `--arrivals 0`
sends them all at once (as fast as the pool allows: the worst case). Prints:

- ballots stored (target: exactly one per participant, each rating once);
- p50/p95 submit latency (target: p95 under 1 s), and the ratio against a trivial GET (the
  code form: no store, no kernel) measured one at a time in the same run;
- the server's memory growth over the vote (target: under 300 MB);
- kernels started (target: 0: a ballot needs none).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

from cswb_widgets.store import Workspace

SLUG = "workshop"
TOKEN = "bench-7Qx2-mVa9LrT4kWz0pHc"
TARGET_P95_S = 1.0
TARGET_GROWTH = 300 * 10**6
WINDOW_S = 60.0
MB = 10**6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workspace(root: Path, risks: int) -> None:
    with Workspace.create(root / SLUG, name="Benchmark Falls") as ws, ws.batch("risks"):
        for n in range(risks):
            ws.add("risks", id=f"risk-{n:02d}", name=f"Risk {n:02d}", description="A risk to rate.")


def _start(root: Path, port: int, log: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "cswb_widgets.cli", "serve", "--root", str(root), "--port", str(port),
               "--host", "127.0.0.1", "--token", TOKEN, "--workshop", SLUG, "--pool-size", "0"]
    with open(log, "w") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"cswb serve ended:\n{log.read_text()[-3000:]}")
        found = re.search(r"type the code ([A-Z0-9]{4}-[A-Z0-9]{4})", line)
        if found:
            return process, found.group(1)
    raise SystemExit("cswb serve did not start within 120 s")


def _tree_rss(pid: int) -> tuple[int, int]:
    """(resident bytes of the server and everything under it, kernels among its processes)."""
    parent = psutil.Process(pid)
    processes = [parent, *parent.children(recursive=True)]
    kernels = sum(1 for p in processes if "ipykernel" in " ".join(p.cmdline()))
    return sum(p.memory_info().rss for p in processes), kernels


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--risks", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=20, help="Threads sending requests at once.")
    parser.add_argument("--arrivals", type=float, default=45.0,
                        help="Seconds over which the participants arrive (0: all at once).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cswb-vote-bench-") as folder:
        root = Path(folder) / "root"
        _workspace(root, args.risks)
        port = _free_port()
        base = f"http://127.0.0.1:{port}/"
        process, code = _start(root, port, Path(folder) / "server.log")
        try:
            ballot = f"{base}vote/{SLUG}"

            def trivial(_n: int) -> float:
                started = time.perf_counter()
                response = requests.get(f"{base}v", timeout=30)  # the code form: no store, no kernel
                assert response.status_code == 200
                return time.perf_counter() - started

            def participant(n: int) -> tuple[float, float]:
                arrival = vote_start + n * args.arrivals / args.participants
                time.sleep(max(0.0, arrival - time.monotonic()))
                phone = requests.Session()
                joined = phone.get(f"{base}v", params={"code": code}, timeout=30)
                assert joined.url == ballot, joined.status_code
                started = time.perf_counter()
                form = phone.get(ballot, timeout=30)
                opened = time.perf_counter() - started
                xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
                assert xsrf, "no form token"
                data = {"_xsrf": xsrf.group(1), "name": f"Participant {n:03d}"}
                data |= {f"risk-risk-{r:02d}": str(1 + (n + r) % 5) for r in range(args.risks)}
                started = time.perf_counter()
                saved = phone.post(ballot, data=data, timeout=30)
                submitted = time.perf_counter() - started
                assert saved.status_code == 200 and f"Saved {args.risks} ratings." in saved.text, saved.text[-500:]
                return opened, submitted

            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(trivial, range(10)))  # warm-up: imports, first connections
                baseline = [trivial(n) for n in range(30)]  # one at a time: what a request costs at all
                rss_before, kernels_before = _tree_rss(process.pid)
                started = vote_start = time.monotonic()
                results = list(pool.map(participant, range(args.participants)))
                elapsed = time.monotonic() - started
                rss_after, kernels_after = _tree_rss(process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)

        with Workspace.open(root / SLUG, read_only=True) as ws:
            votes = ws.table("votes")
        devices = votes["device"].nunique()
        each_once = not votes.duplicated(["device", "risk_id"]).any()
        expected = {(f"Participant {n:03d}", f"risk-{r:02d}", 1 + (n + r) % 5)
                    for n in range(args.participants) for r in range(args.risks)}
        stored = {(v.participant, v.risk_id, int(v.value)) for v in votes.itertuples()}

    opens = [o for o, _ in results]
    submits = [s for _, s in results]
    base_p50 = statistics.median(baseline)
    p50, p95 = statistics.median(submits), _percentile(submits, 95)
    growth = rss_after - rss_before
    print(f"participants: {args.participants}, {args.risks} ratings each, arriving over {args.arrivals:.0f} s, "
          f"at most {args.concurrency} at a time; "
          f"all done in {elapsed:.1f} s (window {WINDOW_S:.0f} s)")
    print(f"ballots stored: {devices} devices, {len(votes)} votes, each (device, risk) once: {each_once}, "
          f"exactly as sent: {stored == expected}")
    print(f"trivial GET (code form, one at a time): p50 {base_p50 * 1000:.1f} ms, p95 {_percentile(baseline, 95) * 1000:.1f} ms")
    print(f"ballot GET: p50 {statistics.median(opens) * 1000:.1f} ms, p95 {_percentile(opens, 95) * 1000:.1f} ms")
    print(f"ballot POST (submit): p50 {p50 * 1000:.1f} ms ({p50 / base_p50:.1f}x the trivial GET), "
          f"p95 {p95 * 1000:.1f} ms ({p95 / base_p50:.1f}x) - target p95 < {TARGET_P95_S:.0f} s")
    print(f"server memory: {rss_before / MB:.0f} MB before, {rss_after / MB:.0f} MB after, growth {growth / MB:.1f} MB"
          f" - target < {TARGET_GROWTH / MB:.0f} MB")
    print(f"kernels: {kernels_before} before, {kernels_after} after (target: 0 started for ballots)")
    ok = (devices == args.participants and len(votes) == args.participants * args.risks and each_once
          and stored == expected and p95 < TARGET_P95_S and growth < TARGET_GROWTH
          and kernels_after == kernels_before == 0 and elapsed < WINDOW_S)
    print("all targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
