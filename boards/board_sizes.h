// Every buffer, pool and limit size of lsedge, each defined once here with why it is that size.
// Code includes this file ("board_sizes.h"), never a board's file. The board chosen at configure
// time (LSEDGE_BOARD) puts its boards/<board>/board.h on the include path; that file names the
// board and defines only the sizes that differ from these. The defaults are the gateways' sizes,
// set toward the firmware goal of <= 96 KiB static RAM including the Mbed TLS pool
// (docs/footprint.md has where it stands); the host board grows what development and CI want.
#pragma once

#include "board.h"

#ifndef LSEDGE_BOARD_NAME
#error "boards/<board>/board.h must define LSEDGE_BOARD_NAME"
#endif

// Credentials. A PAT is ~250 bytes, an access token ~230; 2 KiB leaves room for custom claims.
#ifndef LSEDGE_TOKEN_CAPACITY
#define LSEDGE_TOKEN_CAPACITY 1024
#endif

// HTTP request: request line plus headers (the body is sent from the caller's span).
#ifndef LSEDGE_HTTP_REQUEST_HEAD_CAPACITY
#define LSEDGE_HTTP_REQUEST_HEAD_CAPACITY 2048
#endif
// HTTP response: all header bytes of one response, and the largest body kept in memory.
#ifndef LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT
#define LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT 4096
#endif
#ifndef LSEDGE_HTTP_RESPONSE_BODY_LIMIT
#define LSEDGE_HTTP_RESPONSE_BODY_LIMIT 8192
#endif
// A body larger than LSEDGE_HTTP_RESPONSE_BODY_LIMIT keeps its first bytes and the status; the
// rest is read and thrown away so the connection can be kept, up to this many bytes, past which
// the connection is closed instead. Reading on is worth it while it costs less than a new
// connection (a TLS handshake: several round trips, ~5 KB of certificates, seconds of CPU on a
// small core): Label Studio's HTML 404 page is up to ~170 KB and a refused import echoes up to
// 100 items (~100 KB for 1 KB tasks), both inside 256 KiB, ~2 s at 1 Mbit/s. A refused full
// batch (1 MiB) is cheaper to cut off than to download over a cellular link.
#ifndef LSEDGE_HTTP_DRAIN_LIMIT
#define LSEDGE_HTTP_DRAIN_LIMIT (256 * 1024)
#endif
// Socket receive chunk.
#ifndef LSEDGE_HTTP_RECEIVE_CHUNK
#define LSEDGE_HTTP_RECEIVE_CHUNK 1024
#endif

// Timeouts (milliseconds, monotonic clock).
#ifndef LSEDGE_CONNECT_TIMEOUT_MS
#define LSEDGE_CONNECT_TIMEOUT_MS 10000
#endif
#ifndef LSEDGE_REQUEST_TIMEOUT_MS
#define LSEDGE_REQUEST_TIMEOUT_MS 60000
#endif
// An import request, and how long a queued (asynchronous) import is polled: Label Studio parses
// and stores the whole batch before it answers, and on SQLite it retries a locked database for
// up to ~minutes server-side before answering. LSEDGE_IMPORT_TIMEOUT_S overrides it at run time.
#ifndef LSEDGE_IMPORT_TIMEOUT_MS
#define LSEDGE_IMPORT_TIMEOUT_MS 300000
#endif

// cJSON arena for one parsed response. Worst case (a body of tiny values) is ~8x the text; the
// answers lsedge reads (whoami, refresh, a project, an import result) measured 1-5x (`-vv` logs
// the high-water mark). A body that does not fit is a clear JsonInvalid error, never an overflow.
#ifndef LSEDGE_JSON_ARENA_BYTES
#define LSEDGE_JSON_ARENA_BYTES (4 * LSEDGE_HTTP_RESPONSE_BODY_LIMIT + 4096)
#endif

// URLs and host names.
#ifndef LSEDGE_URL_CAPACITY
#define LSEDGE_URL_CAPACITY 512
#endif
#ifndef LSEDGE_HOST_CAPACITY
#define LSEDGE_HOST_CAPACITY 255
#endif
// How long a resolved host name is reused (platform/linux socket); a failed connect resolves again.
#ifndef LSEDGE_DNS_CACHE_MS
#define LSEDGE_DNS_CACHE_MS (10 * 60 * 1000)
#endif
#ifndef LSEDGE_PATH_CAPACITY
#define LSEDGE_PATH_CAPACITY 512
#endif

// The .env file.
#ifndef LSEDGE_ENV_FILE_LIMIT
#define LSEDGE_ENV_FILE_LIMIT 4096
#endif

// Linux platform: one finished stderr log line (prefix + message), an environment variable name.
#ifndef LSEDGE_LOG_LINE_CAPACITY
#define LSEDGE_LOG_LINE_CAPACITY 512
#endif
#ifndef LSEDGE_ENV_NAME_CAPACITY
#define LSEDGE_ENV_NAME_CAPACITY 128
#endif

// JSON (json/): deepest nesting of objects/arrays the parser accepts and the writer produces.
// Checked before cJSON runs, so its recursion (stack) stays bounded on small threads.
#ifndef LSEDGE_JSON_MAX_DEPTH
#define LSEDGE_JSON_MAX_DEPTH 32
#endif
// JWT claims (auth/): scratch arena for parsing a token's header and payload, on the stack of
// the thread that decodes (set_credential and the refreshing thread).
#ifndef LSEDGE_JWT_ARENA_BYTES
#define LSEDGE_JWT_ARENA_BYTES 4096
#endif

// TLS (net/): room inside each TlsTransport for the Mbed TLS objects (ssl context, config, DRBG,
// CA chain, saved session); checked against their sizes in tls_transport.cpp. Mbed TLS's record
// buffers and certificates come from its own allocator (the heap on Debian, the pool below in a
// firmware build).
#ifndef LSEDGE_TLS_ENGINE_STORAGE
#define LSEDGE_TLS_ENGINE_STORAGE 4096
#endif
// Mbed TLS pool (firmware build only; the host-* presets use Debian's libmbedtls and the heap):
// every allocation of Mbed TLS (record buffers 16 KiB in + 4 KiB out, the parsed CA chain, the
// peer's chain during a handshake, ECDHE and bignum scratch, the saved session) comes from one
// static buffer of this size. Measured peak ~30 KiB against the loopback server (RSA-2048 chain);
// the goal is a peak <= 48 KiB, which this pool enforces.
#ifndef LSEDGE_MBEDTLS_POOL_BYTES
#define LSEDGE_MBEDTLS_POOL_BYTES (48 * 1024)
#endif
// Longest TLS handshake (monotonic ms), on top of the caller's deadline; close_notify budget.
#ifndef LSEDGE_TLS_HANDSHAKE_TIMEOUT_MS
#define LSEDGE_TLS_HANDSHAKE_TIMEOUT_MS 15000
#endif
#ifndef LSEDGE_TLS_CLOSE_NOTIFY_TIMEOUT_MS
#define LSEDGE_TLS_CLOSE_NOTIFY_TIMEOUT_MS 200
#endif

// HTTP (http/): one read of a streamed request body (BodySource) per transport send; a TLS
// record holds at most 16 KiB of plaintext; the firmware build sends 4 KiB records
// (MBEDTLS_SSL_OUT_CONTENT_LEN), so a bigger chunk would only be split.
#ifndef LSEDGE_HTTP_SEND_CHUNK
#define LSEDGE_HTTP_SEND_CHUNK 4096
#endif

// Files (platform/linux storage, taskfile/, spool/).
// Buffer of one open directory (hal::Storage::open_directory) for getdents64(2) records. A record
// is at most ~280 bytes (a 255-byte name), so 1 KiB holds at least three; smaller only means more
// system calls, and these buffers are static (LSEDGE_OPEN_DIRECTORIES of them).
#ifndef LSEDGE_DIRECTORY_LIST_BUFFER
#define LSEDGE_DIRECTORY_LIST_BUFFER 1024
#endif
// Directories open at once, each with its own list buffer (static): the spool needs 5 at most
// (tmp/ plus a leftover tree four levels deep).
#ifndef LSEDGE_OPEN_DIRECTORIES
#define LSEDGE_OPEN_DIRECTORIES 6
#endif
// Chunk in which task files and spool entries are read (each reader owns or is given one).
#ifndef LSEDGE_FILE_CHUNK_BYTES
#define LSEDGE_FILE_CHUNK_BYTES 2048
#endif
// The spool's next() (spool/): how many of the oldest groups one listing of queue/ remembers
// (8 bytes each), and how many entry names of the group being served (~56 bytes each). A drain
// lists queue/ once per LSEDGE_SPOOL_WINDOW groups, reading every group's name each time, and a
// group once per LSEDGE_SPOOL_ENTRY_WINDOW entries: N queued groups cost N / window names read
// per group sent. Measured (bench/spool_backlog.sh, host, tmpfs) a listing of 100,000 groups
// costs ~1-3 us per name, so 256 adds ~0.5-1 ms per entry sent at 100,000, against 10-100 ms
// per import request from a gateway; the host's 4096 keeps the drain flat for the benchmark.
#ifndef LSEDGE_SPOOL_WINDOW
#define LSEDGE_SPOOL_WINDOW 256
#endif
#ifndef LSEDGE_SPOOL_ENTRY_WINDOW
#define LSEDGE_SPOOL_ENTRY_WINDOW 32
#endif
// `run` sends up to this many consecutive small task entries in one import request (issue #13:
// one task per frame must not mean one request per frame). Each costs ~90 bytes of the batch
// (group, name, sizes) on the uploader's stack.
#ifndef LSEDGE_SPOOL_BATCH_ENTRIES
#define LSEDGE_SPOOL_BATCH_ENTRIES 64
#endif
// `import` plans this many batches (48 bytes each, from the command arena) in the same read of
// the task file that validates it; a file with more is planned again past them when they are
// sent (issue #14: the file read once for validation and planning). 64 batches of 1 MiB: 64 MiB.
#ifndef LSEDGE_IMPORT_PLAN_BATCHES
#define LSEDGE_IMPORT_PLAN_BATCHES 64
#endif
// Default upper bound of one import request body `[task,task,...]` (issue #4: at most 1 MiB).
#ifndef LSEDGE_IMPORT_BATCH_BUDGET
#define LSEDGE_IMPORT_BATCH_BUDGET (1024 * 1024)
#endif

// Label Studio API (labelstudio/): the header of a multipart file part (boundary, the file
// name with '"', '\' and control characters escaped 3:1, the media type); Linux names are at
// most 255 bytes. (A project create's body, label config included, is streamed and escaped
// while it is sent: no buffer bounds it.)
#ifndef LSEDGE_MULTIPART_HEAD_CAPACITY
#define LSEDGE_MULTIPART_HEAD_CAPACITY 1024
#endif
// Pages one project listing may take before it is refused as a runaway (a hostile or broken
// server whose "next" never ends made 280,000 requests a minute). 10,000 pages hold 1,000,000
// projects at 100 a page, or 10,000 when every page had to fall back to one project (a server
// that ignores include=, on a gateway's response buffer); a title filter narrows it further.
#ifndef LSEDGE_MAX_LIST_PAGES
#define LSEDGE_MAX_LIST_PAGES 10000
#endif

// The largest single CA certificate in PEM (the CA file is read one certificate at a time; a
// 4096-bit RSA root is ~2 KB).
// A gateway is provisioned with its few roots (LABEL_STUDIO_CA_FILE): the ~140 roots of the
// system bundle, once parsed, would not fit the Mbed TLS pool.
#ifndef LSEDGE_CA_PEM_BLOCK_LIMIT
#define LSEDGE_CA_PEM_BLOCK_LIMIT 4096
#endif
