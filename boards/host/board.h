// The host board: x86-64 development machines and CI. Only what differs from the defaults in
// boards/board_sizes.h, each with why.
#pragma once

#define LSEDGE_BOARD_NAME "host"

// Room for custom claims in a PAT or access token (~250 bytes without).
#define LSEDGE_TOKEN_CAPACITY 2048
// Development servers send long headers (debug toolbars, many cookies) and big bodies (project
// lists with label configs): keep whole answers for inspection.
#define LSEDGE_HTTP_REQUEST_HEAD_CAPACITY 4096
#define LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT 8192
#define LSEDGE_HTTP_RESPONSE_BODY_LIMIT 65536
#define LSEDGE_HTTP_RECEIVE_CHUNK 2048
// A LAN or loopback link: drain even the echo of a refused full batch (the 1 MiB batch budget)
// rather than reconnect.
#define LSEDGE_HTTP_DRAIN_LIMIT (1024 * 1024)
// cJSON's worst case (a body of tiny values) is ~8x the text.
#define LSEDGE_JSON_ARENA_BYTES (8 * LSEDGE_HTTP_RESPONSE_BODY_LIMIT + 4096)
#define LSEDGE_PATH_CAPACITY 1024
#define LSEDGE_ENV_FILE_LIMIT 8192
#define LSEDGE_JWT_ARENA_BYTES 8192
// Trusted roots are looked up on demand (net/ca_lookup.h), so the pool holds one handshake:
// measured peaks 29-43 KB with 4 KiB records out (TLS 1.3/1.2, ECDSA P-256, RSA-2048 under a
// 4096-bit intermediate and root, with the system bundle as CA file); the 16 KiB output record
// below adds 12 KB (45.2-45.7 KB against the loopback server's chains, `-v -v`); the rest is
// margin for longer chains.
#define LSEDGE_MBEDTLS_POOL_BYTES (80 * 1024)
// Full 16 KiB TLS records (MBEDTLS_SSL_OUT_CONTENT_LEN in boards/host/mbedtls_config.h; the
// gateways send 4 KiB ones).
#define LSEDGE_HTTP_SEND_CHUNK 16384
#define LSEDGE_DIRECTORY_LIST_BUFFER 4096
// 16 KiB reads of task files: a 100,000-task import reads 112 MB twice (validation, then the
// bodies), 13,700 reads instead of 54,800 with 4 KiB.
#define LSEDGE_FILE_CHUNK_BYTES 16384
// 256 batches of 1 MiB planned in the validating read (256 MiB of tasks; 12 KB of the command
// arena, which the spool's windows make bigger anyway).
#define LSEDGE_IMPORT_PLAN_BATCHES 256
#define LSEDGE_SPOOL_WINDOW 4096
#define LSEDGE_SPOOL_ENTRY_WINDOW 128
