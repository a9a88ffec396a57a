#!/usr/bin/python3
"""Checks the no-task-lost guarantee of the spool and `lsedge run` against the server's tasks.

snapshot SPOOL OUT        records which queued entry holds which task id (run before uploading;
                          merges into OUT when it exists, so adds between uploads can be recorded)
verify SNAPSHOT TASKS LOG...
                          every snapshot task is on the server (TASKS: admin.sh tasks JSON); a
                          task present k > 1 times must belong to an entry the logs name as
                          resent after an unknown outcome at least k - 1 times. Prints a summary.
media ENTRIES TASKS LOG...
                          the same for media entries (ENTRIES: "GROUP/ENTRY/FILE" lines, from the
                          queue before uploading): every file is on the server (its tasks'
                          file_upload_name), k copies need k - 1 logged resends of its entry.
"""
import json
import os
import re
import sys
from collections import Counter


def snapshot(spool, out):
    mapping = {}
    if os.path.exists(out):
        with open(out) as f:
            mapping = json.load(f)
    queue = os.path.join(spool, "queue")
    for group in sorted(os.listdir(queue)):
        for name in sorted(os.listdir(os.path.join(queue, group))):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(queue, group, name)) as f:
                for task in json.load(f):
                    mapping[str(task["data"]["id"])] = group + "/" + name
    with open(out, "w") as f:
        json.dump(mapping, f)
    print("snapshot: %d tasks in %d entries" % (len(mapping), len(set(mapping.values()))))


RESEND = re.compile(r"resending (\S+) \((\d+) tasks\)")
# A batch resent as one request (issue #13): every entry from the first to the last.
RESEND_RANGE = re.compile(r"resending (\S+) \.\. (\S+) \((\d+) entries")


def count_resends(logs, entries):
    """How often each of `entries` ("SEQ/NAME") was logged as resent, alone or in a batch."""
    resends = Counter()
    for log in logs:
        with open(log, errors="replace") as f:
            text = f.read()
        for match in RESEND.finditer(text):
            resends[match.group(1)] += 1
        for match in RESEND_RANGE.finditer(text):
            for entry in entries:
                if match.group(1) <= entry <= match.group(2):
                    resends[entry] += 1
    return resends


def verify(snapshot_path, tasks_path, logs):
    with open(snapshot_path) as f:
        mapping = json.load(f)
    with open(tasks_path) as f:
        tasks = json.load(f)
    copies = Counter(str(t["data"]["id"]) for t in tasks if "id" in t["data"])
    resends = count_resends(logs, set(mapping.values()))
    missing = [i for i in mapping if copies[i] == 0]
    unexplained = [i for i in mapping if copies[i] - 1 > resends[mapping[i]]]
    extra = sum(max(0, copies[i] - 1) for i in mapping)
    print("verify: %d tasks expected, %d on the server, %d missing, %d extra copies, "
          "%d logged resends, %d unexplained duplicates"
          % (len(mapping), sum(copies[i] for i in mapping), len(missing), extra,
             sum(resends.values()), len(unexplained)))
    if missing:
        print("missing task ids: %s" % ", ".join(sorted(missing, key=int)[:20]))
    if unexplained:
        print("duplicates not logged as resends: %s"
              % ", ".join("%s (%s x%d)" % (i, mapping[i], copies[i]) for i in unexplained[:20]))
    return 0 if not missing and not unexplained else 1


def media(entries_path, tasks_path, logs):
    entry_of = {}
    with open(entries_path) as f:
        for line in f:
            entry, name = line.rstrip("\n").rsplit("/", 1)
            entry_of[name] = entry
    with open(tasks_path) as f:
        copies = Counter(t.get("file_upload_name") for t in json.load(f) if t.get("file_upload_name"))
    resends = count_resends(logs, set(entry_of.values()))
    missing = [n for n in entry_of if copies[n] == 0]
    unexplained = [n for n in entry_of if copies[n] - 1 > resends[entry_of[n]]]
    print("media: %d queued, %d on the server, %d missing, %d logged resends, %d unexplained"
          % (len(entry_of), sum(copies[n] for n in entry_of), len(missing),
             sum(resends[e] for e in set(entry_of.values())), len(unexplained)))
    return 0 if not missing and not unexplained else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "snapshot":
        snapshot(sys.argv[2], sys.argv[3])
        sys.exit(0)
    if len(sys.argv) >= 4 and sys.argv[1] == "media":
        sys.exit(media(sys.argv[2], sys.argv[3], sys.argv[4:]))
    if len(sys.argv) >= 4 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4:]))
    print(__doc__)
    sys.exit(2)
