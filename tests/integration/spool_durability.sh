#!/usr/bin/env bash
# What reaches the disk, traced at the system calls (tests/preload: fsync, rename, unlink per path):
# `spool add` publishes an entry only after its bytes and its staging directory are fsynced, and
# fsyncs the directory it renamed into; `run --once` fsyncs the directory of every entry it moves
# (to rejected/) and every file it writes before renaming it. A LinuxStorage whose sync or
# sync_directory did nothing passes every other test; this one fails on either.
. "$(dirname "$0")/lib.sh"
: "${LSEDGE_PRELOAD:?LSEDGE_PRELOAD must name the tests/preload shim (host builds)}"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Durability")
import_path="/api/projects/$project/import"
spool=$(cd "$work" && pwd -P)/spool
mkdir "$spool"
traced() {
  LD_PRELOAD=$LSEDGE_PRELOAD LSEDGE_TRACE_FILE=$1 \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" run_lsedge "${@:2}"
}

make_tasks "$work/a.json" 0 60 "dur"
traced "$work/add.trace" spool add --spool "$spool" --batch-bytes 1500 "$work/a.json"
expect_rc 0
make_tasks "$work/b.json" 1000 5 "dur"
traced "$work/add.trace" spool add --spool "$spool" "$work/b.json"
expect_rc 0
find "$spool/queue" -type f -name '*.json' | sort >"$work/queued.txt"
[ "$(wc -l <"$work/queued.txt")" -ge 3 ] || fail "expected several queued entries"
sed 's/^/  trace: /' "$work/add.trace" | head -40

# The checker: for every file now in the queue (or rejected/), the rename that put it (or a
# directory holding it) there came after its bytes were fsynced, under that name or an earlier one
# (renames followed back), after an fsync of the renamed directory when a directory was renamed,
# and an fsync of the target's parent directory came after it.
check_publish() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import os, sys
trace = [l.rstrip("\n").split(" ") for l in open(sys.argv[1])]
files = [l.strip() for l in open(sys.argv[2]) if l.strip()]
synced = lambda ev, name: ev[0] in ("fsync", "fdatasync") and ev[1] == name

def last_rename(name, end):
    """The last rename before end whose target is name or an ancestor: (index, earlier name)."""
    for i in range(end - 1, -1, -1):
        ev = trace[i]
        if ev[0] == "rename" and (name == ev[2] or name.startswith(ev[2] + "/")):
            return i, ev[1] + name[len(ev[2]):]
    return None, None

def durable(name, end):
    """Bytes of name fsynced before end, under this name or the one it was renamed from."""
    if any(synced(ev, name) for ev in trace[:end]):
        return True
    i, earlier = last_rename(name, end)
    return i is not None and durable(earlier, i)

problems = []
for f in files:
    i, staged = last_rename(f, len(trace))
    if i is None:
        problems.append("%s: no rename published it" % f)
        continue
    src, dst = trace[i][1], trace[i][2]
    if not durable(staged, i):
        problems.append("%s: its bytes were not fsynced before it was renamed there" % f)
    if dst != f and not any(synced(ev, src) for ev in trace[:i]):
        problems.append("%s: the renamed directory %s was not fsynced before" % (f, src))
    if not any(synced(ev, os.path.dirname(dst)) for ev in trace[i + 1:]):
        problems.append("%s: %s not fsynced after the rename" % (f, os.path.dirname(dst)))
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}
check_publish "$work/add.trace" "$work/queued.txt" || fail "spool add published entries that were not durable"

# run --once: one entry refused (moved to rejected/ with its reason), the rest sent; one entry
# per request (--batch-bytes 4) so that the one 400 lands on one entry.
knob fail "1 400 $import_path"
traced "$work/run.trace" run --spool "$spool" --project "$project" --once --batch-bytes 4
expect_rc 5
sed 's/^/  trace: /' "$work/run.trace" | head -40
find "$spool/rejected" -type f | sort >"$work/rejected.txt"
[ -s "$work/rejected.txt" ] || fail "nothing was rejected"
cat "$work/add.trace" "$work/run.trace" >"$work/all.trace"
check_publish "$work/all.trace" "$work/rejected.txt" || fail "run moved entries without making the move durable"
[ -z "$(find "$spool/queue" -name '*.json')" ] || fail "entries left in the queue"

# A batch (issue #13): ten one-task adds and a 3-entry add confirmed by one request. Each removed
# entry's removal is durable before the in-flight record is written again (the next fsync of
# consumer.lock, or the end): its group fsynced after the unlink, or removed and queue/ fsynced.
for i in $(seq 10); do
  printf '{"data":{"id":%d}}\n' $((2000 + i)) >"$work/one.json"
  run_lsedge spool add --spool "$spool" "$work/one.json"
  expect_rc 0
done
make_tasks "$work/c.json" 3000 60 "dur"
run_lsedge spool add --spool "$spool" --batch-bytes 1500 "$work/c.json"
expect_rc 0
admin reset >/dev/null
traced "$work/batch.trace" run --spool "$spool" --project "$project" --once
expect_rc 0
expect_out "(13 entries in one request)"
/usr/bin/python3 - "$work/batch.trace" "$spool" <<'PY' || fail "a batch's confirm was not durable before the record"
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
queue = sys.argv[2] + "/queue"
pending = {}  # removed entry -> its group, until its removal is durable
removed_groups = set()
problems = []
def settle(i):
    for entry, group in list(pending.items()):
        problems.append("%s removed, but not durable before line %d" % (entry, i))
    pending.clear()
for i, l in enumerate(lines):
    if l[0] == "unlink" and l[1].startswith(queue + "/") and l[1].endswith(".json"):
        pending[l[1]] = l[1].rsplit("/", 1)[0]
    elif l[0] == "rmdir" and l[1].startswith(queue + "/"):
        removed_groups.add(l[1])
    elif l[0] == "fsync" and l[1] in set(pending.values()):
        for entry in [e for e, g in pending.items() if g == l[1]]:
            del pending[entry]
    elif l[0] == "fsync" and l[1] == queue:
        for entry in [e for e, g in pending.items() if g in removed_groups]:
            del pending[entry]
    elif l[0] == "fsync" and l[1].endswith("/consumer.lock"):
        settle(i)
settle(len(lines))
unlinked = sum(1 for l in lines if l[0] == "unlink" and l[1].endswith(".json"))
print("batch trace: %d entries removed, %d groups removed, %d problems" % (unlinked, len(removed_groups), len(problems)))
for p in problems[:10]:
    print("  " + p)
sys.exit(1 if problems or unlinked < 13 else 0)
PY
echo PASS
