#!/usr/bin/python3
"""A peer of lsedge for bench/compare.sh: what a gateway developer writes with python3-requests.

    peer_requests.py cold | whoami N | import PROJECT_ID FILE BATCH_BYTES
    env: LS_URL (https://host:port), LS_PAT_FILE (the Personal Access Token), LS_CA_FILE (PEM)

The PAT is exchanged at POST /api/token/refresh/ for an access token (Bearer), refreshed when
less than 30 s of its lifetime (exp - iat of the access JWT) remain on time.monotonic(), and once
after a 401 (the call is then retried once). One requests.Session keeps one keep-alive connection.
Any failure: a message on stderr, exit status 1. Tokens are never printed.
"""

import base64
import json
import os
import sys
import time

import requests

REFRESH_MARGIN_S = 30.0


class PeerError(Exception):
    pass


def env(name):
    value = os.environ.get(name)
    if not value:
        raise PeerError(f"{name} is not set")
    return value


def token_lifetime(jwt):
    """exp - iat of a JWT's payload, in seconds."""
    payload = jwt.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["exp"] - claims["iat"]


class Client:
    def __init__(self, url, pat, ca_file):
        self.url = url.rstrip("/")
        self.pat = pat
        self.ca_file = ca_file  # per request: REQUESTS_CA_BUNDLE would override session.verify
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.access = None
        self.deadline = 0.0

    def exchange(self):
        sent = time.monotonic()
        r = self.session.post(f"{self.url}/api/token/refresh/", json={"refresh": self.pat},
                              verify=self.ca_file, timeout=60)
        if r.status_code != 200:
            raise PeerError(f"token refresh answered HTTP {r.status_code}")
        self.access = r.json()["access"]
        self.deadline = sent + token_lifetime(self.access) - REFRESH_MARGIN_S

    def call(self, method, path, timeout=60, **kwargs):
        """An authenticated call: refreshes ahead of expiry, and once after a 401."""
        if self.access is None or time.monotonic() >= self.deadline:
            self.exchange()
        r = self._send(method, path, timeout, kwargs)
        if r.status_code == 401:
            self.exchange()
            r = self._send(method, path, timeout, kwargs)
        return r

    def _send(self, method, path, timeout, kwargs):
        kwargs = dict(kwargs)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.access}"}
        return self.session.request(method, f"{self.url}{path}", headers=headers, verify=self.ca_file,
                                    timeout=timeout, **kwargs)

    def whoami(self):
        r = self.call("GET", "/api/current-user/whoami")
        if r.status_code != 200:
            raise PeerError(f"whoami answered HTTP {r.status_code}")
        return r.json()

    def import_batch(self, project, body):
        r = self.call("POST", f"/api/projects/{project}/import", timeout=300, data=body,
                      headers={"Content-Type": "application/json"})
        if r.status_code != 201:
            raise PeerError(f"import answered HTTP {r.status_code}: {r.text[:300]}")
        return r.json()["task_count"]


def batches(tasks, max_bytes):
    """Compact JSON arrays of consecutive tasks, each body at most max_bytes (greedy)."""
    batch, size = [], 2
    for task in tasks:
        item = json.dumps(task, separators=(",", ":"), ensure_ascii=False).encode()
        if len(item) + 2 > max_bytes:
            raise PeerError(f"a task of {len(item)} bytes does not fit in {max_bytes}")
        if batch and size + 1 + len(item) > max_bytes:
            yield b"[" + b",".join(batch) + b"]"
            batch, size = [], 2
        size += len(item) + (1 if batch else 0)
        batch.append(item)
    if batch:
        yield b"[" + b",".join(batch) + b"]"


def run_import(client, project, path, max_bytes):
    with open(path, "rb") as f:
        tasks = json.load(f)
    if not isinstance(tasks, list):
        raise PeerError(f"{path} is not a JSON array")
    imported = requests_sent = 0
    for body in batches(tasks, max_bytes):
        imported += client.import_batch(project, body)
        requests_sent += 1
    if imported != len(tasks):
        raise PeerError(f"the server counted {imported} tasks, the file has {len(tasks)}")
    print(f"imported {imported} tasks in {requests_sent} requests")


def main(argv):
    with open(env("LS_PAT_FILE")) as f:
        pat = f.read().strip()
    client = Client(env("LS_URL"), pat, env("LS_CA_FILE"))
    if argv[:1] == ["cold"] and len(argv) == 1:
        user = client.whoami()
        print(f"id: {user['id']}\nemail: {user.get('email', '')}\nusername: {user['username']}")
    elif argv[:1] == ["whoami"] and len(argv) == 2 and int(argv[1]) >= 1:
        for i in range(1, int(argv[1]) + 1):
            print(f"check {i}: ok, user {client.whoami()['username']}")
    elif argv[:1] == ["import"] and len(argv) == 4:
        run_import(client, argv[1], argv[2], int(argv[3]))
    else:
        print("usage: peer_requests.py cold | whoami N | import PROJECT_ID FILE BATCH_BYTES", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (PeerError, requests.RequestException, OSError, ValueError, KeyError) as e:
        print(f"peer_requests: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
