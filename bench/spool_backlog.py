#!/usr/bin/env python3
"""Spool backlog benchmark (issue #11 item 4): `lsedge run` drain rate and `spool add` rate with
1k, 10k and 100k entries queued, against bench/spool_server.py (answers at once).

The backlog is written in the spool's on-disk format (docs/spool.md: queue/<SEQ>/<BATCH>-<TASKS>.json,
one single-task entry per group, the worst case for listings) after one real `spool add` made the
layout, so building 100k entries takes seconds instead of 100k processes. Each rate is measured
while the backlog is at its size: the first --seconds of a drain (SIGTERM then, which finishes the
request in flight), and --adds `spool add` runs; --rounds times each (the machine may be shared:
the median and the best are printed). Prints a Markdown table; never fails on a goal.
Usage: bench/spool_backlog.py --lsedge PATH [--sizes 1000,10000,100000] [--seconds 20]
       [--adds 100] [--rounds 3]
       [--work DIR (default /dev/shm)]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "0123456789abcdef0123456789abcdef01234567"  # legacy token: no refresh
HERE = os.path.dirname(os.path.abspath(__file__))


def bench_get(port, what):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/{what}", timeout=10) as answer:
        return json.load(answer)


def build_backlog(lsedge, env, spool, size, work):
    """One real add (layout, marker, counter), then groups 2..size written directly."""
    first = os.path.join(work, "first.json")
    with open(first, "w") as out:
        out.write('[{"data":{"i":0}}]')
    subprocess.run([lsedge, "spool", "add", "--spool", spool, first], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    queue = os.path.join(spool, "queue")
    for sequence in range(2, size + 1):
        group = os.path.join(queue, f"{sequence:020d}")
        os.mkdir(group)
        with open(os.path.join(group, "0000000000-1.json"), "w") as out:
            out.write('[{"data":{"i":%d}}]' % sequence)
    counter = os.path.join(spool, "sequence")
    if os.path.exists(counter):  # a release with DIR/sequence: it names the last SEQ taken
        with open(counter, "w") as out:
            out.write(f"{size:020d}\n")
    os.sync()


def add_rate(lsedge, env, spool, count, work):
    task = os.path.join(work, "add.json")
    with open(task, "w") as out:
        out.write('[{"data":{"text":"added while the backlog waits"}}]')
    start = time.monotonic()
    for _ in range(count):
        subprocess.run([lsedge, "spool", "add", "--spool", spool, task], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return count / (time.monotonic() - start)


def drain_rate(lsedge, env, spool, port, seconds):
    """Entries/s between the server's first and last import of a run (SIGTERM after `seconds`
    of imports, which finishes the request in flight)."""
    bench_get(port, "reset")
    run = subprocess.Popen([lsedge, "run", "--spool", spool, "--project", "1", "--once"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while run.poll() is None:
        time.sleep(0.05)
        counts = bench_get(port, "imports")
        if counts["first"] and time.monotonic() - counts["first"] >= seconds:
            run.send_signal(signal.SIGTERM)
            run.wait()
    counts = bench_get(port, "imports")
    if counts["requests"] < 2:
        return 0.0
    return (counts["requests"] - 1) / (counts["last"] - counts["first"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lsedge", required=True)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--adds", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default=None,
                        help="where the spools go (default /dev/shm: the spool's own cost, not fsync)")
    args = parser.parse_args()
    lsedge = os.path.abspath(args.lsedge)
    default_work = "/dev/shm" if os.path.isdir("/dev/shm") else "/var/tmp"
    work = tempfile.mkdtemp(prefix="lsedge-bench-", dir=args.work or default_work)
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "spool_server.py"), TOKEN],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        env.update(LABEL_STUDIO_URL=f"http://127.0.0.1:{port}", LABEL_STUDIO_API_TOKEN=TOKEN)
        print(f"lsedge: {lsedge}\nspools under: {work}\n")
        print(f"{args.rounds} rounds per size; median (best)\n")
        print("| queued entries | drain (entries/s) | spool add (adds/s) |")
        print("|---:|---:|---:|")
        for size in (int(s) for s in args.sizes.split(",")):
            drains, adds = [], []
            for _ in range(args.rounds):
                spool = os.path.join(work, f"spool-{size}")
                build_backlog(lsedge, env, spool, size, work)
                adds.append(add_rate(lsedge, env, spool, args.adds, work))
                drains.append(drain_rate(lsedge, env, spool, port, args.seconds))
                shutil.rmtree(spool)
            print(f"| {size} | {statistics.median(drains):.0f} ({max(drains):.0f}) "
                  f"| {statistics.median(adds):.0f} ({max(adds):.0f}) |", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
