#!/usr/bin/env bash
# lsedge beside its peers (issue #14): the host-release and firmware-host builds of lsedge and
# three clients a gateway developer would write instead (bench/peers/: libcurl + cJSON in C,
# python3-requests, bash + curl + jq), doing the same work against one loopback Label Studio test
# server (tests/server), measured alternately, --reps times; medians are reported.
#
# Usage: bench/compare.sh [--reps N] [--quick] [--lsedge-release PATH] [--lsedge-firmware PATH]
#                         [--csv FILE]
#   --reps N             repetitions (default 3); every figure is the median over them
#   --quick              smoke test: 1 repetition, short run lengths, 1,000-task imports only
#   --lsedge-release P   lsedge of host-release (default build/host-release/platform/linux/lsedge,
#                        built when missing)
#   --lsedge-firmware P  lsedge of firmware-host (default build/firmware-host/platform/linux/lsedge)
#   --csv FILE           raw and median figures (default: compare.csv in the run's work dir)
#
# Prints one table (rows: metrics; columns: clients; each figure with its ratio to libcurl) and one
# line per goal of issue #14. A benchmark: exit 0 when everything was measured, goals met or not;
# 1 when something failed (a client's error, a task count the server does not confirm, the server).
# bench/README.md ("Peers side by side") says what each figure is and how it is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
peers=$root/bench/peers

clients=(release firmware libcurl python curljq)
client_labels=release=lsedge-release,firmware=lsedge-firmware,libcurl=libcurl,python=python,curljq=curl+jq
batch_bytes=1048576

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

parse_args() {
  reps=3 quick=0 lsedge_release="" lsedge_firmware="" csv=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --reps) reps=${2:?--reps N}; shift 2 ;;
      --quick) quick=1; shift ;;
      --lsedge-release) lsedge_release=${2:?--lsedge-release PATH}; shift 2 ;;
      --lsedge-firmware) lsedge_firmware=${2:?--lsedge-firmware PATH}; shift 2 ;;
      --csv) csv=${2:?--csv FILE}; shift 2 ;;
      -h | --help) usage 0 ;;
      *) echo "compare.sh: unknown argument $1" >&2; usage 2 ;;
    esac
  done
  [[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --reps wants a number >= 1" >&2; exit 2; }
}

# Run lengths. whoami: two lengths per client, per-call figures are differences (start-up cancels).
# The shell peer starts two processes per call, and under callgrind python and the shell peer run
# ~50x slower: their lengths are shorter.
set_lengths() {
  declare -gA time_lengths cg_lengths
  if [ "$quick" = 1 ]; then
    reps=1
    import_sizes=(1000)
    time_lengths=([release]="5 25" [firmware]="5 25" [libcurl]="5 25" [python]="5 25" [curljq]="2 6")
    cg_lengths=([release]="5 25" [firmware]="5 25" [libcurl]="5 25")
    cg_import_sizes=(1000)
    notes+=("--quick: python and curl+jq are not run under callgrind (it would take a minute more)")
  else
    import_sizes=(10000 100000)
    time_lengths=([release]="20 220" [firmware]="20 220" [libcurl]="20 220" [python]="20 220" [curljq]="5 25")
    cg_lengths=([release]="20 120" [firmware]="20 120" [libcurl]="20 120" [python]="5 25" [curljq]="1 4")
    cg_import_sizes=(10000 100000)
    notes+=("python and curl+jq are not run under callgrind at 100k tasks (~4 and ~40 minutes more)")
  fi
  notes+=("curl+jq starts a curl (a new TLS connection) and a jq per call: no keep-alive in its whoami rows")
}

# Skipped under callgrind (the table prints "–"): clients without cg_lengths (python and the shell
# peer with --quick), and those two at 100k tasks (~4 and ~40 minutes: 10x their 10k imports).
skip_import() { # CLIENT SIZE MODE(time|callgrind)
  [ "$3" = callgrind ] || return 1
  [ -n "${cg_lengths[$1]:-}" ] || return 0
  [ "$2" -ge 100000 ] && { [ "$1" = python ] || [ "$1" = curljq ]; }
}

progress() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

failures=0
notes=()
fail() { # MESSAGE [LOG_FILE]
  failures=$((failures + 1))
  echo "FAILED: $1" >&2
  [ -z "${2:-}" ] || [ ! -s "$2" ] || sed 's/^/    /' "$2" | tail -n 20 >&2
  [ -z "${2:-}" ] || [ ! -s "$2" ] || cp "$2" "$work/failed.$failures.log"
}

# ---------------------------------------------------------------------------------------------
# set-up

check_tools() {
  local t
  for t in cc valgrind strace jq curl ldd /usr/bin/python3; do
    command -v "$t" >/dev/null || { echo "compare.sh: needs $t" >&2; exit 1; }
  done
  /usr/bin/python3 -c 'import requests' 2>/dev/null ||
    { echo "compare.sh: needs python3-requests" >&2; exit 1; }
}

# lsedge_binary PRESET PATH: PATH, or the preset's build (configured and built when missing).
lsedge_binary() {
  local preset=$1 path=$2
  if [ -z "$path" ]; then
    path=$root/build/$preset/platform/linux/lsedge
    if [ ! -x "$path" ]; then
      progress "building $preset's lsedge"
      { cmake --preset "$preset" && cmake --build "build/$preset" --target lsedge; } >&2 ||
        { echo "compare.sh: building $preset failed" >&2; exit 1; }
    fi
  fi
  [ -x "$path" ] || { echo "compare.sh: $path is not an executable" >&2; exit 1; }
  (cd "$(dirname "$path")" && echo "$(pwd -P)/$(basename "$path")")
}

# The run's work dir keeps the CSVs and the logs of failed runs; $scratch (server state, task
# files, profiles) goes on exit.
make_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-compare.XXXXXX")
  scratch=$work/scratch
  mkdir -p "$scratch"/{bin,cwd,home,tmp,cg,out}
  raw=$work/raw.csv
  echo "rep,client,measure,n,value" >"$raw"
  csv=${csv:-$work/compare.csv}
  state=$scratch/server
  trap cleanup EXIT
}

cleanup() {
  if [ -f "$state/env" ]; then tests/server/stop.sh "$state" >/dev/null 2>&1 || true; fi
  rm -rf "$scratch"
}

build_helpers() {
  cc -O2 -Wall -Wextra -o "$scratch/bin/peer_curl" "$peers/peer_curl.c" -lcurl -lcjson
  cc -O2 -Wall -Wextra -o "$scratch/bin/runstat" "$peers/runstat.c"
}

start_server() {
  progress "starting the loopback server"
  if ! tests/server/start.sh "$state" >"$work/server-start.log" 2>&1; then
    cat "$work/server-start.log" >&2
    echo "compare.sh: the test server did not start" >&2
    exit 1
  fi
  # shellcheck disable=SC1091
  . "$state/env"
  url=$LSEDGE_TEST_HTTPS_URL ca=$LSEDGE_TEST_CA_FILE pat_file=$LSEDGE_TEST_PAT_FILE
  # shellcheck disable=SC2016 # $image is Label Studio's, not the shell's
  printf '<View><Image name="img" value="$image"/></View>\n' >"$scratch/image.xml"
}

make_task_files() {
  local n
  for n in "${import_sizes[@]}"; do
    /usr/bin/python3 bench/compare.py tasks "$n" "$scratch/tasks.$n.json"
  done
}

# ---------------------------------------------------------------------------------------------
# running a client

# client_cmd CLIENT cold | whoami N | import PROJECT FILE: the command in the array `cmd`.
client_cmd() {
  local client=$1 work_kind=$2
  shift 2
  case "$client" in
    release | firmware)
      local lsedge=$lsedge_release
      [ "$client" = release ] || lsedge=$lsedge_firmware
      case "$work_kind" in
        cold) cmd=("$lsedge" whoami) ;;
        whoami) cmd=("$lsedge" check --count "$1" --interval-ms 0) ;;
        import) cmd=("$lsedge" import --project "$1" --batch-bytes "$batch_bytes" "$2") ;;
      esac ;;
    libcurl) cmd=("$scratch/bin/peer_curl") ;;
    python) cmd=(/usr/bin/python3 "$peers/peer_requests.py") ;;
    curljq) cmd=(/bin/bash "$peers/peer_curljq.sh") ;;
  esac
  case "$client:$work_kind" in
    release:* | firmware:*) ;;
    *:import) cmd+=(import "$1" "$2" "$batch_bytes") ;;
    *:whoami) cmd+=(whoami "$1") ;;
    *) cmd+=(cold) ;;
  esac
}

# in_clean_env COMMAND...: run in an empty directory with only the settings (the same for every
# client; no proxy or CA-bundle variables of the caller's), without putting the token on a command line.
in_clean_env() {
  (
    cd "$scratch/cwd"
    for name in $(compgen -e); do unset "$name" 2>/dev/null || true; done
    export PATH=/usr/bin:/bin HOME=$scratch/home TMPDIR=$scratch/tmp LANG=C.UTF-8
    export LS_URL=$url LS_CA_FILE=$ca LS_PAT_FILE=$pat_file
    export LABEL_STUDIO_URL=$url LABEL_STUDIO_CA_FILE=$ca
    LABEL_STUDIO_API_TOKEN=$(<"$pat_file")
    export LABEL_STUDIO_API_TOKEN
    exec "$@"
  )
}

record() { echo "$1,$2,$3,$4,$5" >>"$raw"; } # REP CLIENT MEASURE N VALUE

# timed REP CLIENT PREFIX N COMMAND...: wall, CPU, peak RSS into PREFIX_{wall_s,cpu_s,rss_b}.
timed() {
  local rep=$1 client=$2 prefix=$3 n=$4 out=$scratch/out/run rc=0
  shift 4
  in_clean_env "$scratch/bin/runstat" "$out.stat" "$@" >"$out.stdout" 2>"$out.stderr" || rc=$?
  if [ "$rc" != 0 ]; then
    fail "$client: $* (rep $rep): exit status $rc" "$out.stderr"
    return 1
  fi
  local wall user sys rss
  read -r wall user sys rss <"$out.stat"
  record "$rep" "$client" "${prefix}_wall_s" "$n" "$wall"
  record "$rep" "$client" "${prefix}_cpu_s" "$n" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.6f", u + s }')"
  record "$rep" "$client" "${prefix}_rss_b" "$n" "$rss"
}

# instructions REP CLIENT MEASURE N COMMAND...: callgrind's instructions of the command and every
# process it starts. A forked child's profile begins with its parent's counts, so each process
# dumps (and zeroes) its counts before fork's clone (glibc's _Fork): the parts then add up.
instructions() {
  local rep=$1 client=$2 measure=$3 n=$4 out=$scratch/out/run rc=0 total
  shift 4
  rm -f "$scratch"/cg/cg.*
  in_clean_env valgrind -q --tool=callgrind --trace-children=yes --dump-before=_Fork \
    --callgrind-out-file="$scratch/cg/cg.%p" "$@" >"$out.stdout" 2>"$out.stderr" || rc=$?
  if [ "$rc" != 0 ]; then
    fail "$client under callgrind: $* (rep $rep): exit status $rc" "$out.stderr"
    return 1
  fi
  total=$(/usr/bin/python3 bench/compare.py insn "$scratch"/cg/cg.*) ||
    { fail "$client under callgrind: no profile (rep $rep)"; return 1; }
  record "$rep" "$client" "$measure" "$n" "$total"
  rm -f "$scratch"/cg/cg.*
}

# syscalls REP CLIENT N COMMAND...: strace -f -c's total of system calls.
syscalls() {
  local rep=$1 client=$2 n=$3 out=$scratch/out/run rc=0 total
  shift 3
  in_clean_env strace -f -c -o "$out.strace" "$@" >"$out.stdout" 2>"$out.stderr" || rc=$?
  if [ "$rc" != 0 ]; then
    fail "$client under strace: $* (rep $rep): exit status $rc" "$out.stderr"
    return 1
  fi
  total=$(/usr/bin/python3 bench/compare.py syscalls "$out.strace") ||
    { fail "$client under strace: no summary (rep $rep)"; return 1; }
  record "$rep" "$client" whoami_syscalls "$n" "$total"
}

# ---------------------------------------------------------------------------------------------
# the server's side of an import

access_token() {
  jq -n --rawfile pat "$pat_file" '{refresh: ($pat | gsub("^\\s+|\\s+$"; ""))}' |
    curl -sS --fail --cacert "$ca" -H 'Content-Type: application/json' --data-binary @- \
      "$url/api/token/refresh/" | jq -r .access
}

server_api() { # METHOD PATH: the answer's body
  local token
  token=$(access_token)
  curl -sS --fail --cacert "$ca" -X "$1" -H @<(printf 'Authorization: Bearer %s\n' "$token") "$url$2"
}

new_project() { tests/server/admin.sh "$state" project-create "$1" "$scratch/image.xml"; }

# check_stored REP CLIENT PROJECT N: the server holds N tasks in PROJECT (then the project is
# deleted, so the database does not grow through the run).
check_stored() {
  local stored
  stored=$(server_api GET "/api/projects/$3/?include=task_number" | jq -r .task_number)
  server_api DELETE "/api/projects/$3/" >/dev/null
  [[ "$stored" =~ ^[0-9]+$ ]] || { fail "$2: no task count for project $3 from the server"; return 1; }
  record "$1" "$2" import_stored "$4" "$stored"
  [ "$stored" = "$4" ] || { fail "$2: the server stored $stored tasks of $4 (project $3)"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# measurements

rotated() { # REP: the clients, starting one further each repetition
  local i k=${#clients[@]}
  for ((i = 0; i < k; i++)); do echo "${clients[(i + $1 - 1) % k]}"; done
}

# code_bytes CLIENT: the bytes of the client's executable and shared libraries (README: ELF clients
# through ldd, the scripts through what a traced cold start executes and opens).
code_bytes() {
  local trace=$scratch/out/trace err=$scratch/out/code_bytes.err
  rm -f "$trace".* "$err"
  client_cmd "$1" cold
  case "$1" in
    release | firmware | libcurl) /usr/bin/python3 bench/compare.py code-bytes --ldd "${cmd[0]}" ;;
    *)
      in_clean_env strace -f -ff -qq -e trace=execve,openat -o "$trace" "${cmd[@]}" >/dev/null \
        2>"$err" || return 1
      cat "$trace".* | /usr/bin/python3 bench/compare.py code-bytes --traced /dev/stdin "${cmd[1]}"
      ;;
  esac
}

measure_code_bytes() {
  local client bytes
  for client in "${clients[@]}"; do
    if bytes=$(code_bytes "$client") && [ -n "$bytes" ]; then
      record 1 "$client" code_bytes 0 "$bytes"
    else
      fail "$client: code bytes" "$scratch/out/code_bytes.err"
    fi
  done
}

measure_cold() {
  local rep=$1 client
  progress "rep $rep/$reps: cold start"
  for client in $(rotated "$rep"); do
    client_cmd "$client" cold
    timed "$rep" "$client" cold 0 "${cmd[@]}" || true
  done
}

measure_whoami() {
  local rep=$1 client n
  progress "rep $rep/$reps: keep-alive whoami (time, strace, callgrind)"
  for client in $(rotated "$rep"); do
    for n in ${time_lengths[$client]}; do
      client_cmd "$client" whoami "$n"
      timed "$rep" "$client" whoami "$n" "${cmd[@]}" || true
      syscalls "$rep" "$client" "$n" "${cmd[@]}" || true
    done
  done
  for client in $(rotated "$rep"); do
    for n in ${cg_lengths[$client]:-}; do
      client_cmd "$client" whoami "$n"
      instructions "$rep" "$client" whoami_insn "$n" "${cmd[@]}" || true
    done
  done
}

# import_once REP CLIENT SIZE MODE: into a new project, then the server's count is checked.
import_once() {
  local rep=$1 client=$2 n=$3 mode=$4 project
  project=$(new_project "cmp $rep $client $n $mode") || { fail "project-create for $client"; return 1; }
  client_cmd "$client" import "$project" "$scratch/tasks.$n.json"
  if [ "$mode" = time ]; then
    timed "$rep" "$client" import "$n" "${cmd[@]}" || return 1
  else
    instructions "$rep" "$client" import_insn "$n" "${cmd[@]}" || return 1
  fi
  check_stored "$rep" "$client" "$project" "$n"
}

# Imports: timed every repetition; under callgrind in the first only (instruction counts repeat
# to within 0.1 %, and a 100k import under callgrind takes minutes).
measure_imports() {
  local rep=$1
  import_round "$rep" time "" "${import_sizes[@]}"
  [ "$rep" = 1 ] || return 0
  import_round "$rep" callgrind " under callgrind" "${cg_import_sizes[@]}"
}

# import_round REP MODE(time|callgrind) LABEL SIZE...: every client imports each size once.
import_round() {
  local rep=$1 mode=$2 label=$3 client n
  shift 3
  for n in "$@"; do
    progress "rep $rep/$reps: import of $n tasks$label"
    for client in $(rotated "$rep"); do
      skip_import "$client" "$n" "$mode" || import_once "$rep" "$client" "$n" "$mode" || true
    done
  done
}

main() {
  parse_args "$@"
  set_lengths
  check_tools
  lsedge_release=$(lsedge_binary host-release "$lsedge_release")
  lsedge_firmware=$(lsedge_binary firmware-host "$lsedge_firmware")
  make_work_dir
  local started=$SECONDS rep
  build_helpers
  start_server
  make_task_files
  measure_code_bytes
  for ((rep = 1; rep <= reps; rep++)); do
    measure_cold "$rep"
    measure_whoami "$rep"
    measure_imports "$rep"
  done
  tests/server/stop.sh "$state" >/dev/null 2>&1 || true

  echo "lsedge-release: $lsedge_release"
  echo "lsedge-firmware: $lsedge_firmware"
  local mode=""
  [ "$quick" = 0 ] || mode=" (--quick)"
  echo "repetitions: $reps$mode, $((SECONDS - started)) s; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  /usr/bin/python3 bench/compare.py report "$raw" "$csv" "$client_labels" "${notes[@]}"
  echo
  echo "raw and median figures: $csv (raw runs: $raw)"
  if [ "$failures" -gt 0 ]; then
    echo "compare.sh: $failures measurement(s) failed (logs in $work)" >&2
    exit 1
  fi
}

main "$@"
