#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run from anywhere; rerun after a
harness changes how it reads its input). Seeds are small, valid-ish inputs that get each
harness past its input format quickly; libFuzzer mutates from there.

FuzzedDataProvider takes integers from the END of the input (one byte per 8 bits of range, the
last byte first) and strings from the front, so an answer seed is the body followed by its
control bytes in reverse order of use (see trailer())."""
import base64
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STATUSES = [200, 201, 200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503, 200]
LIMITS = [16384, 16384, 512, 64, 8192, 2048]


def trailer(*consumed):
    """Control bytes: `consumed` lists each integer's bytes in the order the harness reads them
    (each a bytes object, first byte read first); they are laid out from the end."""
    # The first value read is at the very end; each value's first byte is its last byte.
    laid = b""
    for value in consumed:
        laid = value[::-1] + laid
    return laid


def status(code):
    return bytes([STATUSES.index(code)])


def limit(size):
    return bytes([LIMITS.index(size)])


SEED4 = b"\x11\x22\x33\x44"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def jwt(payload, header=b'{"alg":"HS256","typ":"JWT"}'):
    return b64(header) + b"." + b64(payload) + b"." + b64(b"fuzz-signature-not-a-secret")


def write(target, name, data):
    directory = os.path.join(HERE, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def project(pid, title):
    return {"id": pid, "title": title, "description": "", "label_config": "<View></View>",
            "task_number": 3, "created_by": {"id": 1, "email": "e@x"}}


def page(projects, next_url):
    return json.dumps({"count": len(projects), "next": next_url, "previous": None,
                       "results": projects}).encode()


ENVELOPE_400 = json.dumps({
    "id": "e1", "status_code": 400, "version": "1.24.0", "detail": "Validation error",
    "exc_info": None,
    "validation_errors": {"non_field_errors": [
        {}, "Error at item 1: \"image\" key is expected in task data [assume: item as is = "
            ":: {\"x\": 1}", {}]}}).encode()
IMPORT_OK = json.dumps({"task_count": 2, "annotation_count": 1, "prediction_count": 3,
                        "duration": 0.0457, "file_upload_ids": [], "could_be_tasks_list": False,
                        "found_formats": {}, "data_columns": []}).encode()
WHOAMI = json.dumps({"id": 7, "first_name": "Ed", "last_name": "Ge", "username": "edge",
                     "email": "edge@example.com", "active_organization": 1}).encode()


def main():
    access = jwt(b'{"token_type":"access","exp":1300,"iat":1000,"jti":"a1","user_id":"1"}')
    for i, (code, body) in enumerate([(200, b'{"access":"' + access + b'"}'),
                                      (401, b'{"detail":"Token is invalid or expired",'
                                            b'"code":"token_not_valid"}'),
                                      (200, b'{"access":"eyJ.x.y"}'), (500, b"<html>oops</html>")]):
        write("refresh_answer", f"seed{i}", body + trailer(status(code), SEED4, limit(16384)))
    for i, (code, body, size) in enumerate([(200, WHOAMI, 16384), (200, WHOAMI, 64),
                                            (403, b'{"detail":"no"}', 16384)]):
        write("whoami_answer", f"seed{i}", body + trailer(status(code), SEED4, limit(size)))
    pages = [page([project(1, "One"), project(2, "Two")], None),
             page([project(1, "One")], "http://ls.example/api/projects/?page=2") + b"\xfe" +
             page([project(2, "T\\u00e9")], None)]
    for i, body in enumerate(pages):
        for op in range(3):
            code = 201 if op == 2 else 200
            one = json.dumps(project(5, "Fuzz (01234567)")).encode() if op else body
            write("projects_answer", f"seed{i}-{op}",
                  one + trailer(bytes([op]), status(code), SEED4, limit(512 if i else 16384)))
    write("import_answer", "refusal", ENVELOPE_400 + trailer(b"\x01", SEED4, b"\x00\x02",
                                                             limit(16384)))
    write("import_answer", "refusal-cut", ENVELOPE_400 + trailer(b"\x01", SEED4, b"\x00\x02",
                                                                 limit(64)))
    write("import_answer", "counts", IMPORT_OK + trailer(b"\x00", status(201), SEED4,
                                                         b"\x00\x02", limit(16384)))
    write("import_answer", "queued", b'{"import":17}' + trailer(b"\x00", status(201), SEED4,
                                                               b"\x00\x02", limit(16384)))
    for i, body in enumerate([b'{"id":17,"status":"completed","task_count":2,"tasks":[{}]}',
                              b'{"status":"failed","error":"bad \\"image\\" key","tasks":[]}',
                              b'{"status":"in_progress"}']):
        write("import_status", f"seed{i}", body + trailer(status(200), SEED4, b"\x00\x10",
                                                          limit(16384)))
    for i, (code, body) in enumerate([(400, ENVELOPE_400), (404, b'{"detail":"Not found."}'),
                                      (200, b"<!DOCTYPE html><html></html>"),
                                      (429, b'{"detail":"slow down"}')]):
        ctype = 0 if body.startswith(b"{") else 1
        code_bytes = (code - 100).to_bytes(2, "big")
        write("error_answer", f"seed{i}", b"30\\X" + body + trailer(code_bytes, bytes([ctype]),
                                                                    b"\x00"))
    tasks = [b'[{"data":{"text":"a"}},\n{"data":{"n":[1,-2.5e3,{"k":null}]}},{}]\n',
             b'{"data":{"x":1}}\n{"data":{"y":"\\u00e9\\ud83d\\ude00"}}\n',
             b'\xef\xbb\xbf{"single":"object","big":1.7976931348623157e308,"tiny":1e-400}',
             b'[{"a":1e400}]', b'{"a":"\\u0000"}']
    for i, t in enumerate(tasks):
        write("taskfile_scan", f"seed{i}", t)
        write("taskfile_batches", f"seed{i}", t)
    write("taskfile_batches", "changed", tasks[0] + b"\xff" + tasks[0].replace(b'"a"', b'"ab"'))
    envs = [b"LABEL_STUDIO_URL=https://ls.example:8443/ls\nexport LABEL_STUDIO_API_TOKEN='abc'\n",
            b'# comment\nA="line\\nnext \\"q\\""  # c\r\nB= #x\nC=a#b\n',
            b'\xef\xbb\xbfPEM="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"\n']
    for i, e in enumerate(envs):
        write("dotenv", f"seed{i}", e)
    for i, u in enumerate(["https://ls.example.com:8443/ls", "http://127.0.0.1:8080",
                           "https://[::1]:443/a/b/", "HTTP://Example.COM./", " https://h "]):
        write("url", f"seed{i}", u)
    pat = jwt(b'{"token_type":"refresh","exp":8076731227,"iat":1769531227,"jti":"7d","user_id":"1"}')
    for i, t in enumerate([pat, access, b"0123456789abcdef0123456789abcdef01234567",
                           b"  " + pat + b"\r\n", b'{"alg":"none"}\xff{"token_type":"refresh",'
                                                  b'"exp":1e3}']):
        write("token", f"seed{i}", t)
    cert_path = "/etc/ssl/certs/ISRG_Root_X1.pem"
    cert = open(cert_path, "rb").read() if os.path.exists(cert_path) else (
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    write("pem", "one", cert)
    write("pem", "two", b"junk\n" + cert + b"\n# x\n" + cert[:200])
    # ca_subject: control bytes from the end (wrap, line width, scratch choice), the block first.
    write("ca_subject", "pem", cert + trailer(b"\x00", b"\x3f", b"\x01"))
    der = base64.b64decode(b"".join(cert.split(b"-----")[2].split()))
    write("ca_subject", "der", der + trailer(b"\x01", b"\x0f", b"\x01"))
    write("ca_subject", "cut", der[:300] + trailer(b"\x01", b"\x4b", b"\x00", b"\x02\x00"))
    for i, j in enumerate([pages[0], ENVELOPE_400, IMPORT_OK, WHOAMI,
                           b'[1,-0.5e+3,true,null,"\\ud83d\\ude00",{"a":{}}]']):
        write("json", f"seed{i}", j)
    for i, t in enumerate([b"Gateway 7\xff0123456789abcdef", "Caf\u00e9 \u2003 x".encode(),
                           b"x" * 60 + b"\xff" + b"id-0001-0002"]):
        write("title", f"seed{i}", t)
    write("spool_entries", "seed0", b"\x00" * 8 + b'[{"data":{}}]' + b"\x01\x02\x03\x04\x05")
    write("spool_entries", "seed1", b'[{"a":1},{"b":2}]\\Xqueue\x00\x00\x01\x00\x03\x02\x01')
    responses = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
                 b'{"id":1234}',
                 b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nabcd\r\n0\r\n"
                 b"T: v\r\n\r\n",
                 b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: "
                 b"Bearer\r\nContent-Length: 0\r\n\r\n",
                 b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose delimited body",
                 b"HTTP/1.1 204 No Content\r\nRetry-After: 3\r\n\r\n"]
    for i, r in enumerate(responses):
        write("http_response", f"seed{i}", bytes(range(7, 47)) + r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
