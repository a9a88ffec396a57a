# fail and skip for the test scripts (sourced by tests/integration/lib.sh and tests/install/).
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# skip REASON: the machine does not give this test something it needs (a privilege, a kernel
# feature); exit 77 is ctest's skip (SKIP_RETURN_CODE), reported with REASON. A machine that
# must run everything (CI, as root) sets LSEDGE_IT_NO_SKIP=1 and a skip fails instead.
skip() {
  [ "${LSEDGE_IT_NO_SKIP:-0}" != 1 ] || fail "cannot run here (LSEDGE_IT_NO_SKIP=1): $*"
  echo "SKIP: $*" >&2
  exit 77
}
