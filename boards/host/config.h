// Buffer and pool sizes for the host board (x86-64 development machines and CI).
// Every fixed buffer in lsedge takes its size from here; a board may shrink or grow them.
#pragma once

#define LSEDGE_BOARD_NAME "host"

// Credentials. A PAT is ~250 bytes, an access token ~230; 2 KiB leaves room for custom claims.
#define LSEDGE_TOKEN_CAPACITY 2048

// HTTP request: request line plus headers (the body is sent from the caller's span).
#define LSEDGE_HTTP_REQUEST_HEAD_CAPACITY 4096
// HTTP response: all header bytes of one response, and the largest body kept in memory.
#define LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT 8192
#define LSEDGE_HTTP_RESPONSE_BODY_LIMIT 65536
// Socket receive chunk.
#define LSEDGE_HTTP_RECEIVE_CHUNK 2048

// Timeouts (milliseconds, monotonic clock).
#define LSEDGE_CONNECT_TIMEOUT_MS 10000
#define LSEDGE_REQUEST_TIMEOUT_MS 60000

// cJSON arena for one parsed response (cJSON uses ~8x the text size).
#define LSEDGE_JSON_ARENA_BYTES (8 * LSEDGE_HTTP_RESPONSE_BODY_LIMIT + 4096)

// URLs and host names.
#define LSEDGE_URL_CAPACITY 512
#define LSEDGE_HOST_CAPACITY 255
#define LSEDGE_PATH_CAPACITY 1024

// The .env file.
#define LSEDGE_ENV_FILE_LIMIT 8192

// Linux platform: one finished stderr log line (prefix + message), an environment variable name.
#define LSEDGE_LOG_LINE_CAPACITY 512
#define LSEDGE_ENV_NAME_CAPACITY 128

// JSON (json/): deepest nesting of objects/arrays the parser accepts and the writer produces.
// Checked before cJSON runs, so its recursion (stack) stays bounded on small threads.
#define LSEDGE_JSON_MAX_DEPTH 32
// JWT claims (auth/): scratch arena for parsing a token's header and payload, on the stack of
// the thread that decodes (set_credential and the refreshing thread).
#define LSEDGE_JWT_ARENA_BYTES 8192
