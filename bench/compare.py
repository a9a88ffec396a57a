#!/usr/bin/python3
"""Helpers of bench/compare.sh (lsedge beside its peers, issue #14).

    compare.py tasks COUNT FILE                     deterministic task file (JSON array, ~1.1 KB a task)
    compare.py insn CALLGRIND_OUT...                instructions: the sum of the files' `totals:`
    compare.py syscalls STRACE_C_OUT                system calls: the `total` row of `strace -c`
    compare.py code-bytes --ldd EXE                 EXE's size + every library ldd resolves
    compare.py code-bytes --traced STRACE_OUT PROG  PROG + every ELF file and Python module a traced run opened
    compare.py report RAW_CSV OUT_CSV CLIENTS       the table, the CSV of raw and median figures, the goals

RAW_CSV rows: rep,client,measure,n,value (written by compare.sh). CLIENTS: key=label,... in column order.
"""

import csv
import os
import re
import statistics
import subprocess
import sys

# ---------------------------------------------------------------------------------------------
# tasks

WORDS = ("sensor frame motion detected near gate west conveyor pallet forklift operator helmet "
         "vest badge light level normal dusk dawn rain fog glare shadow vehicle truck van bicycle "
         "person group queue loading dock aisle shelf carton label barcode damaged missing blurred "
         "occluded partial review needed confirm anomaly threshold exceeded").split()
SITES = ("Hamburg-Nord", "Lyon Part-Dieu", "Göteborg Hamn", "Zaragoza PLAZA", "Łódź Widzew", "Brno-Líšeň")


class Lcg:
    """64-bit linear congruential generator: the same tasks on every machine and Python version."""

    def __init__(self, seed):
        self.state = seed

    def next(self, bound):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % bound


def decimal(rng, low, span, places):
    """low + a random fraction of span with exactly `places` decimals, the last one non-zero, so every
    JSON encoder writes it back the same way (no 14.0 against 14)."""
    n = rng.next(span * 10**places)
    n += 0 if n % 10 else 1
    return round(low + n / 10**places, places)


def make_task(i, rng):
    gateway, camera = rng.next(40), rng.next(8)
    day, second = 1 + rng.next(28), rng.next(86400)
    stamp = f"2026-11-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{rng.next(1000):03d}Z"
    note = " ".join(WORDS[rng.next(len(WORDS))] for _ in range(100 + rng.next(20)))
    return {
        "image": f"https://media.example.com/gw-{gateway:02d}/cam-{camera}/2026-11-{day:02d}/frame-{i:07d}.jpg",
        "gateway": f"gw-{gateway:02d}",
        "camera": f"cam-{camera}",
        "captured_at": stamp,
        "frame": i,
        "site": SITES[rng.next(len(SITES))],
        "location": {"lat": decimal(rng, 45, 10, 4), "lon": decimal(rng, 5, 10, 4)},
        "exposure_ms": decimal(rng, 1, 40, 1),
        "temperature_c": decimal(rng, -10, 50, 1),
        "score": decimal(rng, 0, 1, 4),
        "tags": [WORDS[rng.next(len(WORDS))] for _ in range(3 + rng.next(4))],
        "firmware": f"cam-fw 3.{rng.next(10)}.{rng.next(30)}",
        "note": note,
    }


def cmd_tasks(count, path):
    import json
    rng = Lcg(14)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        for i in range(int(count)):
            sep = ",\n" if i else ""
            f.write(sep + json.dumps(make_task(i, rng), ensure_ascii=False, separators=(",", ":")))
        f.write("\n]\n")


# ---------------------------------------------------------------------------------------------
# counters

def cmd_insn(*paths):
    total = 0
    for path in paths:
        with open(path) as f:
            totals = [line for line in f if line.startswith("totals:")]
        if len(totals) != 1:
            raise SystemExit(f"compare.py: no totals line in {path}")
        total += int(totals[0].split()[1])
    print(total)


def cmd_syscalls(path):
    with open(path) as f:
        rows = [line.split() for line in f if line.rstrip().endswith(" total")]
    if not rows:
        raise SystemExit(f"compare.py: no total row in {path}")
    print(int(rows[-1][3]))


# ---------------------------------------------------------------------------------------------
# code bytes

def ldd_files(exe):
    out = subprocess.run(["ldd", exe], check=True, capture_output=True, text=True).stdout
    files = []
    for line in out.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            files.append(m.group(1))
    return files


def is_code(path):
    if path.endswith((".py", ".pyc")):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def traced_files(trace):
    """Files a `strace -f -e trace=execve,openat` run executed or opened successfully."""
    pattern = re.compile(r'(?:execve|openat)\((?:AT_FDCWD, |-?\d+<[^>]*>, )?"([^"]+)".*\)\s+=\s+(\d+)')
    files = []
    with open(trace) as f:
        for line in f:
            m = pattern.search(line)
            if m:
                files.append(m.group(1))
    return files


def cmd_code_bytes(mode, *args):
    if mode == "--ldd":
        exe = args[0]
        files = [exe] + ldd_files(exe)
    elif mode == "--traced":
        trace, program = args
        files = [program] + [p for p in traced_files(trace) if is_code(p)]
    else:
        raise SystemExit(f"compare.py: code-bytes {mode}?")
    seen = {}
    for path in files:
        real = os.path.realpath(path)
        if os.path.isfile(real):
            seen[real] = os.path.getsize(real)
    if os.environ.get("COMPARE_VERBOSE"):
        for real, size in sorted(seen.items()):
            print(f"{size:>10} {real}", file=sys.stderr)
    print(sum(seen.values()))


# ---------------------------------------------------------------------------------------------
# report

GOAL_RSS = 2831155  # 2.7 MiB


def load_raw(path):
    raw = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row["client"], row["measure"], int(row["n"]))
            raw.setdefault(key, {})[int(row["rep"])] = float(row["value"])
    return raw


def median_of(raw, client, measure, n):
    values = raw.get((client, measure, n), {})
    return statistics.median(values.values()) if values else None


def per_call(raw, client, measure):
    """Median over reps of (X(n2) - X(n1)) / (n2 - n1), the two run lengths of this client."""
    lengths = sorted(n for (c, m, n) in raw if c == client and m == measure)
    if len(lengths) != 2:
        return None
    n1, n2 = lengths
    one, two = raw[(client, measure, n1)], raw[(client, measure, n2)]
    diffs = [(two[r] - one[r]) / (n2 - n1) for r in sorted(set(one) & set(two))]
    return statistics.median(diffs) if diffs else None


def import_sizes(raw):
    return sorted({n for (_, m, n) in raw if m.startswith("import_")})


def scale(value, factor):
    return None if value is None else value * factor


def median_row(raw, measure, n, factor=1.0):
    return lambda c: scale(median_of(raw, c, measure, n), factor)


def per_call_row(raw, measure, factor=1.0):
    return lambda c: scale(per_call(raw, c, measure), factor)


def longest_run_row(raw, measure, factor=1.0):
    def value(client):
        lengths = sorted(n for (c, m, n) in raw if c == client and m == measure)
        return scale(median_of(raw, client, measure, lengths[-1]), factor) if lengths else None
    return value


def stored_row(raw, n):
    """The server's task count after every import of n tasks, when they all agree (else None)."""
    def value(client):
        counts = set(raw.get((client, "import_stored", n), {}).values())
        return counts.pop() if len(counts) == 1 else None
    return value


def metrics(raw):
    """Rows of the table: (id, label, unit, function(client) -> value or None)."""
    ms, us, kib, mega = 1e3, 1e6, 1 / 1024, 1e-6
    rows = [
        ("cold_wall", "cold start: wall", "ms", median_row(raw, "cold_wall_s", 0, ms)),
        ("cold_cpu", "cold start: CPU user+sys", "ms", median_row(raw, "cold_cpu_s", 0, ms)),
        ("cold_rss", "cold start: peak RSS", "KiB", median_row(raw, "cold_rss_b", 0, kib)),
        ("whoami_cpu", "keep-alive whoami: CPU per call", "µs", per_call_row(raw, "whoami_cpu_s", us)),
        ("whoami_insn", "keep-alive whoami: instructions per call", "", per_call_row(raw, "whoami_insn")),
        ("whoami_sys", "keep-alive whoami: system calls per call", "", per_call_row(raw, "whoami_syscalls")),
        ("whoami_rss", "whoami run (longer length): peak RSS", "KiB", longest_run_row(raw, "whoami_rss_b", kib)),
    ]
    for n in import_sizes(raw):
        k = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        rows += [
            (f"import{n}_wall", f"import {k} tasks: wall", "s", median_row(raw, "import_wall_s", n)),
            (f"import{n}_cpu", f"import {k} tasks: CPU user+sys", "s", median_row(raw, "import_cpu_s", n)),
            (f"import{n}_rss", f"import {k} tasks: peak RSS", "KiB", median_row(raw, "import_rss_b", n, kib)),
            (f"import{n}_insn", f"import {k} tasks: instructions", "M", median_row(raw, "import_insn", n, mega)),
            (f"import{n}_stored", f"import {k} tasks: stored on the server, every run", "tasks",
             stored_row(raw, n)),
        ]
    rows.append(("code_bytes", "executable + shared-library bytes", "KiB", median_row(raw, "code_bytes", 0, kib)))
    return rows


def fmt(value, unit):
    if value is None:
        return "–"
    if unit in ("ms", "s", "M") and abs(value) < 100:
        text = f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    else:
        text = f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


def cell(value, base, unit):
    if value is None:
        return "–"
    if base and unit != "tasks":
        return f"{fmt(value, unit)} ({value / base:.2f}×)"
    return fmt(value, unit)


def cmd_report(raw_path, out_csv, clients_spec, *notes):
    raw = load_raw(raw_path)
    clients = [tuple(item.split("=", 1)) for item in clients_spec.split(",")]
    rows = metrics(raw)
    table = {rid: {c: fn(c) for c, _ in clients} for rid, _, _, fn in rows}

    print("| metric | " + " | ".join(label for _, label in clients) + " |")
    print("|---|" + "---:|" * len(clients))
    for rid, label, unit, _ in rows:
        base = table[rid].get("libcurl")
        cells = [cell(table[rid][c], base, unit) for c, _ in clients]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\n×: ratio to libcurl; medians over the repetitions; –: not measured")
    for note in notes:
        print(note)

    write_csv(out_csv, raw, rows, table, clients)
    print()
    for line in goals(raw, table, clients):
        print(line)


def write_csv(path, raw, rows, table, clients):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "rep", "client", "measure", "n", "value"])
        for (client, measure, n), reps in sorted(raw.items()):
            for rep, value in sorted(reps.items()):
                w.writerow(["raw", rep, client, measure, n, repr(value)])
        for rid, label, unit, _ in rows:
            for c, _ in clients:
                value = table[rid][c]
                w.writerow(["median", "", c, f"{rid} ({label}, {unit or 'count'})", "",
                            "" if value is None else repr(value)])


def num(value, unit):
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def ratio_goal(table, rid, client, fraction, what, unit):
    value, base = table[rid].get(client), table[rid].get("libcurl")
    if value is None or not base:
        return f"  {what}: {client}: not measured"
    limit = base * fraction
    state = "met" if value <= limit else f"NOT MET ({value / limit:.2f}× the limit)"
    return (f"  {what}: {client} {num(value, unit)} vs libcurl {num(base, unit)} = {value / base:.2f}× "
            f"(limit {num(limit, unit)}): {state}")


def rss_goal(raw, client):
    """Peak RSS of every run of the client (all repetitions and lengths): the largest per workload."""
    what = f"peak RSS ≤ 2.7 MiB ({GOAL_RSS:,} B) in every workload, largest of any run"
    peaks = {}
    for (c, measure, n), reps in raw.items():
        if c == client and measure.endswith("_rss_b"):
            name = measure[:-len("_rss_b")] + (f" {n:,}" if measure.startswith("import") else "")
            peaks[name] = max(peaks.get(name, 0), max(reps.values()))
    if not peaks:
        return f"  {what}: {client}: not measured"
    worst = max(peaks.values())
    state = "met" if worst <= GOAL_RSS else f"NOT MET (largest {worst - GOAL_RSS:,.0f} B over)"
    figures = ", ".join(f"{name} {value:,.0f} B" for name, value in peaks.items())
    return f"  {what}: {client}: {figures}: {state}"


def goals(raw, table, clients):
    lsedge = [c for c, _ in clients if c in ("release", "firmware")]
    sizes = import_sizes(raw)
    lines = ["Goals of issue #14 (lsedge builds: release = host-release, firmware = firmware-host):"]
    for c in lsedge:
        lines.append(ratio_goal(table, "whoami_insn", c, 1 / 3,
                                "instructions per keep-alive whoami ≤ 1/3 of libcurl's", ""))
    for n in sizes:
        for c in lsedge:
            lines.append(ratio_goal(table, f"import{n}_cpu", c, 1 / 2,
                                    f"import CPU at {n:,} tasks ≤ 1/2 of libcurl's", "s"))
    if 100000 not in sizes:
        lines.append("  import CPU at 100,000 tasks ≤ 1/2 of libcurl's: not measured (--quick)")
    for c in lsedge:
        lines.append(rss_goal(raw, c))
    for c in lsedge:
        lines.append(ratio_goal(table, "cold_cpu", c, 1 / 2, "cold-start CPU ≤ 1/2 of libcurl's", "ms"))
    return lines


def main(argv):
    commands = {"tasks": cmd_tasks, "insn": cmd_insn, "syscalls": cmd_syscalls,
                "code-bytes": cmd_code_bytes, "report": cmd_report}
    if not argv or argv[0] not in commands:
        raise SystemExit(__doc__)
    commands[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
