#!/usr/bin/env bash
# Settings files are trusted only when they are safe (issue #11, item 8), as ssh treats keys: a
# .env (the default ./.env and --env-file) writable by group or others, in a directory others can
# write without the sticky bit, or owned by another user than the caller or root, is refused
# (exit 2) with the file, its problem and the fix; nothing is sent to the server it names.
. "$(dirname "$0")/lib.sh"
# whoami ARGS...: lsedge whoami with an empty request log; refused TEXT...: it exited 2 with the
# texts on stderr and sent no request.
whoami() {
  clear_request_log
  run_lsedge "$@" whoami
}
refused() {
  expect_rc 2
  local text
  for text in "$@"; do expect_err "$text"; done
  [ "$(count_requests ' /api/')" = 0 ] || fail "a request was sent with an unsafe settings file"
}
printf 'LABEL_STUDIO_URL=%s\nLABEL_STUDIO_API_TOKEN=%s\n' "$LSEDGE_TEST_HTTP_URL" "$PAT" >"$work/.env"
chmod 0600 "$work/.env"
whoami
expect_rc 0
expect_out "username: edge"

chmod 0666 "$work/.env"
whoami
refused ".env: writable by group and others (mode 0666)" "chmod go-w .env"
whoami --env-file "$work/.env"
refused "$work/.env: writable by group and others" "fix: chmod go-w $work/.env"
chmod 0620 "$work/.env"
whoami
refused "writable by group (mode 0620)"

# A symbolic link is judged by its target.
chmod 0600 "$work/.env"
mv "$work/.env" "$work/real.env"
ln -s "$work/real.env" "$work/.env"
whoami
expect_rc 0
chmod 0602 "$work/real.env"
whoami
refused "writable by others (mode 0602)"
chmod 0600 "$work/real.env"

# A directory others can write without the sticky bit lets them swap the file; with it, it cannot.
chmod 0777 "$work"
whoami
refused "its directory is writable by others without the sticky bit (mode 0777)" "chmod o-w ."
chmod 1777 "$work"
whoami
expect_rc 0
chmod 0700 "$work"

# Owned by another user: needs root to arrange (CI runs as root); skipped otherwise.
if [ "$(id -u)" != 0 ]; then
  skip "the owner check needs root to chown a file to nobody"
fi
chown nobody "$work/real.env"
whoami
refused "owned by uid $(id -u nobody), neither you (uid 0) nor root" "fix: chown 0 .env"
whoami --env-file "$work/real.env"
refused "$work/real.env: owned by uid $(id -u nobody)"
chown root "$work/real.env"
whoami
expect_rc 0
echo PASS
