#!/usr/bin/env python3
"""A Label Studio stand-in that answers at once, for bench/spool_backlog.sh.

Only what `lsedge run` asks for: GET /api/current-user/whoami/, GET /api/projects/N/ and
POST /api/projects/N/import (201 {"task_count": ...}); a legacy token (`Authorization: Token`),
so there is no refresh. Keep-alive HTTP/1.1 on 127.0.0.1. Prints its port on stdout, then counts
imports: GET /bench/imports answers {"requests": R, "tasks": T, "first": T0, "last": T1} (the
times of the first and last import since GET /bench/reset).
Usage: bench/spool_server.py TOKEN
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = sys.argv[1]
LOCK = threading.Lock()
COUNTS = {"requests": 0, "tasks": 0, "first": 0.0, "last": 0.0}  # times: time.monotonic()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: one line per request would cost more than the answer
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status, body):
        # One write for head and body: two small writes meet the client's delayed ACK (~40 ms).
        data = json.dumps(body).encode()
        reason = {200: "OK", 201: "Created", 401: "Unauthorized", 404: "Not Found"}[status]
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode()
        self.wfile.write(head + data)

    def authorised(self):
        if self.headers.get("Authorization") == "Token " + TOKEN:
            return True
        self.answer(401, {"detail": "Authentication credentials were not provided."})
        return False

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/bench/imports":
            with LOCK:
                return self.answer(200, dict(COUNTS))
        if path == "/bench/reset":
            with LOCK:
                COUNTS.update(requests=0, tasks=0, first=0.0, last=0.0)
                return self.answer(200, dict(COUNTS))
        if not self.authorised():
            return None
        if path.rstrip("/") == "/api/current-user/whoami":
            return self.answer(200, {"id": 1, "email": "bench@example.com", "username": "bench"})
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["api", "projects"] and parts[2].isdigit():
            return self.answer(200, {"id": int(parts[2]), "title": "bench", "task_number": 0})
        return self.answer(404, {"detail": "Not found."})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if not self.authorised():
            return None
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["api", "projects"] or parts[3] != "import":
            return self.answer(404, {"detail": "Not found."})
        tasks = json.loads(body)
        with LOCK:
            now = time.monotonic()
            COUNTS["requests"] += 1
            COUNTS["tasks"] += len(tasks)
            COUNTS["first"] = COUNTS["first"] or now
            COUNTS["last"] = now
        return self.answer(201, {"task_count": len(tasks), "annotation_count": 0,
                                 "prediction_count": 0, "duration": 0.0,
                                 "file_upload_ids": [], "could_be_tasks_list": False,
                                 "found_formats": [], "data_columns": []})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
