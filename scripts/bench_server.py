#!/usr/bin/env python3
"""`qa serve` under load (issue 16): 16 concurrent clients ask 320 questions while the index updates.

Starts the real `qa serve` (a subprocess, the bundled model) on a copy of the
default corpus with its own index, then runs the clients while a driver keeps
the index busy: it edits a corpus file, POSTs /api/index, waits for the update
to finish, and starts the next one until the clients are done. Every answer
must be HTTP 200 with passages; anything else counts as an error. Prints
errors, p50 / p99 / max latency, throughput, and how many updates switched
generation during the load.

Usage: PYTHONPATH=src .venv/bin/python scripts/bench_server.py [--clients 16] [--questions 320]
           [--port 8790] [--keep DIR]
Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "When did IS-KP announce its formation?",
    "Which magazine does the group publish in English?",
    "Who leads the Islamic State Khorasan Province?",
    "What attack did IS-KP carry out at Kabul airport?",
    "Why did IS-KP shift its focus abroad?",
    "Which countries does IS-KP target?",
    "How does IS-KP recruit new members?",
    "What tactics does the group use?",
    "How did the Taliban respond to IS-KP?",
    "What happened to IS-KP's territory by 2019?",
    "What is the Pashto magazine called?",
    "What threat does IS-KP pose to Europe?",
    "Where is IS-KP based?",
    "What are the group's sources of funding?",
    "What should be done about IS-KP?",
    "What is the boiling point of mercury?",  # a no-answer question: still 200 with weak passages
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--questions", type=int, default=320)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary folder")
    parser.add_argument("--no-updates", action="store_true", help="baseline: the same load with no index update running")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="qa-bench-server-"))
    corpus, index = work / "corpus", work / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(ROOT / "corpus", corpus)
    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "qa", "serve", "--corpus", str(corpus), "--index", str(index), "--port", str(args.port)]
    log = open(work / "serve.log", "w")
    server = subprocess.Popen(command, env=env, stderr=log, stdout=log)
    try:
        _wait_until_up(base, server)
        return _run_load(base, corpus, args.clients, args.questions, updating=not args.no_updates)
    finally:
        server.terminate()
        server.wait(20)
        log.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 600  # the first start builds the index with the real model
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"qa serve exited with {server.returncode}; see its log")
        try:
            if httpx.get(f"{base}/api/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("qa serve did not come up within 600 s")


def _run_load(base: str, corpus: Path, clients: int, total: int, updating: bool = True) -> int:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_question = iter(range(total))
    done = threading.Event()
    updates = {"started": 0, "finished": 0, "failed": 0, "conflicts": 0}

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while True:
                with lock:
                    n = next(next_question, None)
                if n is None:
                    return
                question = QUESTIONS[n % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    response = http.post("/api/ask", json={"question": question, "k": 5})
                    elapsed = time.perf_counter() - started
                    ok = response.status_code == 200 and response.json().get("passages")
                    problem = None if ok else f"{response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    elapsed, problem = time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        errors.append(problem)

    def updater() -> None:
        # Keep an update running for the whole load: each one really re-embeds an edited file.
        target = corpus / "shadow-caliphate-islamic-state-khorasan.txt"
        with httpx.Client(base_url=base, timeout=60) as http:
            round_ = 0
            while not done.is_set():
                round_ += 1
                with open(target, "a", encoding="utf-8") as handle:
                    handle.write(f"\nBenchmark note {round_}: the index was updated while questions were asked.\n")
                response = http.post("/api/index")
                if response.status_code == 409:
                    updates["conflicts"] += 1
                elif response.status_code != 202:
                    errors.append(f"POST /api/index {response.status_code}: {response.text[:200]}")
                    return
                updates["started"] += 1
                while True:
                    state = http.get("/api/index").json()
                    if state["state"] != "running":
                        break
                    time.sleep(0.05)
                updates["finished" if state["state"] == "done" else "failed"] += 1
                if state["state"] == "failed":
                    errors.append(f"update failed: {state['error']}")

    update_thread = threading.Thread(target=updater if updating else done.wait)
    update_thread.start()
    time.sleep(0.2)  # the first update is under way before the first question
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    done.set()
    update_thread.join()
    generation = httpx.get(f"{base}/api/index").json()["generation"]

    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * len(ordered))) - 1)]
    during = "index updating throughout" if updating else "no index update (baseline)"
    print(f"qa serve under load: {clients} clients, {len(latencies)} questions, {during}")
    print(f"errors:      {len(errors)}")
    print(f"latency:     p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")
    print(f"throughput:  {len(latencies) / wall:.1f} questions/s over {wall:.1f} s")
    print(
        f"updates:     {updates['finished']} finished, {updates['failed']} failed during the load; "
        f"server now on generation {generation}"
    )
    for problem in errors[:10]:
        print(f"  error: {problem}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
