#!/usr/bin/env bash
# lsedge status (issue #13): what is queued and how old, what was rejected, the last upload and
# the last error, without the network and without the consumer's lock, as text, JSON and
# node-exporter textfile metrics (written atomically). A directory that is not a spool is not made
# one; a damaged run-state file costs only the last upload/error lines.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Status")
spool=$work/spool
mkdir "$spool"

# Not a spool: exit 2, nothing written there.
mkdir "$work/plain"
run_lsedge status --spool "$work/plain"
expect_rc 2
expect_err "no lsedge spool at"
[ -z "$(ls -A "$work/plain")" ] || fail "status wrote into a directory that is not a spool"

make_tasks "$work/a.json" 0 30 status
make_tasks "$work/b.json" 30 12 status
run_lsedge spool add --spool "$spool" "$work/a.json"
run_lsedge spool add --spool "$spool" --batch-bytes 400 "$work/b.json"
touch -d '-2 hours' "$spool"/queue/00000000000000000001/*.json   # the oldest entry, 2 h old

run_lsedge status --spool "$spool"
expect_rc 0
echo "$out"
expect_out "queued: "
expect_out "(42 tasks), the oldest added"
expect_out " h "
expect_out "last upload: none recorded"
run_lsedge --json status --spool "$spool"
expect_rc 0
/usr/bin/python3 - "$out" <<'PY' || fail "status --json before run"
import json, sys
s = json.loads(sys.argv[1])
assert s["queued_tasks"] == 42, s
assert 7100 <= s["oldest_entry_age_s"] <= 7400, s
assert s["last_success_unix"] == 0 and s["last_error_unix"] == 0, s
PY

# A run that drains: the last upload is recorded.
before=$(date +%s)
run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 0
run_lsedge --json status --spool "$spool"
expect_rc 0
echo "$out"
/usr/bin/python3 - "$out" "$before" <<'PY' || fail "status --json after a drain"
import json, sys
s, before = json.loads(sys.argv[1]), int(sys.argv[2])
assert s["queued_entries"] == 0 and s["oldest_entry_age_s"] == 0, s
assert before <= s["last_success_unix"] <= before + 60, s
assert s["last_success_tasks"] > 0 and s["last_success_entry"].count("/") == 1, s
assert s["last_error_unix"] == 0, s
PY

# A run the server refuses (a PAT whose signature is wrong): the last error is recorded, the last
# upload kept.
make_tasks "$work/c.json" 100 3 status
run_lsedge spool add --spool "$spool" "$work/c.json"
# (a character inside the signature: the last one carries unused padding bits)
c=${PAT: -10:1}
bad_pat="${PAT:0:${#PAT}-10}$([ "$c" = A ] && echo B || echo A)${PAT: -9}"
[ "$bad_pat" != "$PAT" ] && [ ${#bad_pat} -eq ${#PAT} ] || fail "could not alter the PAT"
LABEL_STUDIO_API_TOKEN=$bad_pat run_lsedge run --spool "$spool" --project "$project" --once
expect_rc 3
run_lsedge status --spool "$spool" --prometheus "$work/metrics/lsedge.prom"
expect_rc 2
expect_err "cannot write the metrics file"
mkdir "$work/metrics"
run_lsedge status --spool "$spool" --prometheus "$work/metrics/lsedge.prom"
expect_rc 0
echo "$out"
expect_out "queued: 1 entries (3 tasks)"
expect_out "last upload: 20"
expect_out "last error: 20"
[ ! -e "$work/metrics/lsedge.prom.new" ] || fail "the metrics' temporary file is left"
cat "$work/metrics/lsedge.prom"
/usr/bin/python3 - "$work/metrics/lsedge.prom" "$spool" <<'PY' || fail "metrics"
import re, sys
text, spool = open(sys.argv[1]).read(), sys.argv[2]
assert text.endswith("\n"), "no final newline"
samples, typed = {}, set()
for line in text.splitlines():
    if line.startswith("# HELP "):
        continue
    m = re.fullmatch(r"# TYPE (\w+) (gauge|counter)", line)
    if m:
        typed.add(m.group(1))
        continue
    m = re.fullmatch(r'(\w+)\{spool="((?:[^"\\]|\\.)*)"\} (-?\d+)', line)
    assert m, "not the text format: %r" % line
    assert m.group(1) in typed, "sample before its TYPE: %r" % line
    assert m.group(2) == spool, m.group(2)
    samples[m.group(1)] = int(m.group(3))
want = {"lsedge_spool_entries", "lsedge_spool_tasks", "lsedge_spool_bytes", "lsedge_spool_max_bytes",
        "lsedge_spool_oldest_entry_age_seconds",
        "lsedge_spool_rejected_entries", "lsedge_spool_outcome_unknown_entries",
        "lsedge_upload_last_success_timestamp_seconds", "lsedge_upload_last_error_timestamp_seconds"}
assert set(samples) == want, sorted(samples)
assert samples["lsedge_spool_entries"] == 1 and samples["lsedge_spool_tasks"] == 3, samples
assert samples["lsedge_spool_bytes"] > 0 and samples["lsedge_spool_max_bytes"] == 0, samples
assert samples["lsedge_upload_last_error_timestamp_seconds"] >= samples["lsedge_upload_last_success_timestamp_seconds"] > 0, samples
print("metrics: %d samples in the textfile format" % len(samples))
PY

# A damaged run-state: status still answers (the queue), warns, shows no last upload.
printf 'garbage\x00\x01\n' >"$spool/run-state"
run_lsedge status --spool "$spool"
expect_rc 0
expect_err "cannot read"
expect_out "queued: 1 entries (3 tasks)"
