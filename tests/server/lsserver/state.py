"""Knob store and request log shared by every gunicorn worker (plain files in STATE_DIR, guarded by flock)."""

import contextlib
import fcntl
import json
import os
import time

DEFAULT_KNOBS = {
    # simplejwt default ACCESS_TOKEN_LIFETIME is 5 minutes.
    'access_lifetime': 300,
    # Fail the next `count` matching requests with `status` before the view runs (no side effect).
    'fail': {'count': 0, 'status': 503, 'prefix': ''},
    # Run the view (side effects happen), then answer `status` instead: "did my upload land?" cases.
    'fail_after': {'count': 0, 'status': 500, 'prefix': ''},
    # Sleep `ms` before handling; `count` 0 = every matching request until cleared.
    'delay': {'ms': 0, 'count': 0, 'prefix': ''},
    # Send the headers and half the body, then close the connection.
    'drop': {'count': 0, 'prefix': ''},
    # Seconds for a Retry-After header on injected failures (0 = none).
    'retry_after': 0,
    # Send responses without Content-Length (nginx then relays them chunked). Off: Content-Length, as Label Studio's
    # CommonMiddleware sets it.
    'chunked': False,
    # Label Studio <= 1.20 (simplejwt < 5.5.1): access tokens carry the PAT's iat.
    'copy_iat': False,
    # Enterprise/SaaS: imports answer {"import": ID}; the outcome shows at /api/projects/{pid}/imports/{ID}/.
    'async_import': False,
    'async_import_delay_ms': 0,
    # A server without drf-flex-fields: ?include= is ignored.
    'ignore_include': False,
    # An import whose raw body contains this substring raises an unexpected exception (500 envelope).
    'poison': '',
    # Pad the HTML 404 page to at least this many bytes (0: the page as rendered).
    'page_404_bytes': 0,
    # A hostile or broken project list: every page is page 1 with the same "next" link.
    'page_loop': False,
    # POST /api/projects/{id}/import/predictions: 'strict' (prediction-validation flag on: any invalid item refuses the
    # request), 'lenient' (flag off: invalid items are skipped, `created` is smaller), 'none' (memory-efficient path:
    # no label-config check).
    'predictions_validation': 'strict',
    # Text a hostile server sends (terminal escapes, forged lines): whoami's username and email and the `detail` of
    # injected fail/fail_after envelopes become it ('' = off).
    'hostile_text': '',
}

# Knobs of the server's behaviour that `reset` (run after every integration test) restores.
BEHAVIOUR_KNOBS = (
    'copy_iat',
    'async_import',
    'async_import_delay_ms',
    'ignore_include',
    'poison',
    'page_404_bytes',
    'page_loop',
    'hostile_text',
    'predictions_validation',
)

# Paths never touched by faults and never written to the request log.
INTERNAL_PREFIX = '/_test/'


def state_dir():
    from django.conf import settings

    return settings.STATE_DIR


def knobs_path(sd=None):
    return os.path.join(sd or state_dir(), 'knobs.json')


def request_log_path(sd=None):
    return os.path.join(sd or state_dir(), 'requests.log')


@contextlib.contextmanager
def locked_knobs(sd=None):
    """Yields the knob dict under an exclusive lock and writes it back on exit."""
    path = knobs_path(sd)
    lock_fd = os.open(path + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        knobs = _read(path)
        before = json.dumps(knobs, sort_keys=True)
        yield knobs
        if json.dumps(knobs, sort_keys=True) != before:
            tmp = path + '.tmp.%d' % os.getpid()
            with open(tmp, 'w') as f:
                json.dump(knobs, f, indent=1, sort_keys=True)
            os.replace(tmp, path)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)


def _read(path):
    knobs = json.loads(json.dumps(DEFAULT_KNOBS))
    try:
        with open(path) as f:
            stored = json.load(f)
    except (FileNotFoundError, ValueError):
        stored = {}
    for key, value in stored.items():
        if isinstance(knobs.get(key), dict) and isinstance(value, dict):
            knobs[key].update(value)
        else:
            knobs[key] = value
    return knobs


def read_knobs(sd=None):
    with locked_knobs(sd) as knobs:
        return json.loads(json.dumps(knobs))


def reset_faults(sd=None):
    with locked_knobs(sd) as knobs:
        for key in ('fail', 'fail_after', 'delay', 'drop', 'retry_after', 'chunked') + BEHAVIOUR_KNOBS:
            knobs[key] = json.loads(json.dumps(DEFAULT_KNOBS[key]))
        # Back to the lifetime the server was started with (start.sh --access-lifetime), so a short lifetime one
        # test set does not answer a slow request of the next one with 401.
        knobs['access_lifetime'] = knobs.get('start_access_lifetime', DEFAULT_KNOBS['access_lifetime'])


def _matches(rule, path):
    # A prefix ending in '$' matches that exact path only (e.g. /api/projects/5/import$ leaves the
    # /api/projects/5/imports/ID/ polls alone).
    prefix = rule.get('prefix') or ''
    if prefix.endswith('$'):
        return path == prefix[:-1]
    return path.startswith(prefix)


def take_faults(path):
    """Decides (and consumes) the faults for one request. Returns (delay_ms, fail_status, fail_after_status, drop,
    retry_after, chunked)."""
    delay_ms, fail, fail_after, drop = 0, None, None, False
    with locked_knobs() as k:
        d = k['delay']
        if d.get('ms', 0) > 0 and _matches(d, path):
            delay_ms = int(d['ms'])
            if d.get('count', 0) > 0:
                d['count'] -= 1
                if d['count'] == 0:
                    d['ms'] = 0
        f = k['fail']
        if f.get('count', 0) > 0 and _matches(f, path):
            f['count'] -= 1
            fail = int(f['status'])
        else:
            fa = k['fail_after']
            if fa.get('count', 0) > 0 and _matches(fa, path):
                fa['count'] -= 1
                fail_after = int(fa['status'])
            else:
                dr = k['drop']
                if dr.get('count', 0) > 0 and _matches(dr, path):
                    dr['count'] -= 1
                    drop = True
        retry_after = int(k.get('retry_after') or 0)
        chunked = bool(k.get('chunked'))
    return delay_ms, fail, fail_after, drop, retry_after, chunked


def append_request_log(line):
    # One write() of one short line with O_APPEND: lines from several workers never interleave.
    fd = os.open(request_log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + '\n').encode('utf-8', 'replace'))
    finally:
        os.close(fd)


def read_request_log(sd=None):
    """Parsed request log: list of dicts (see README for the columns)."""
    rows = []
    try:
        with open(request_log_path(sd)) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 10:
                    continue
                rows.append(
                    {
                        'ts_ms': int(parts[0]),
                        'method': parts[1],
                        'path': parts[2],
                        'status': int(parts[3]),
                        'auth': parts[4],
                        'scheme': parts[5],
                        'conn': parts[6],
                        'conn_req': parts[7],
                        'ms': int(parts[8]),
                        'event': parts[9],
                    }
                )
    except FileNotFoundError:
        pass
    return rows


def now_ms():
    return int(time.time() * 1000)
