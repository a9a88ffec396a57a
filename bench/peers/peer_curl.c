/* A peer of lsedge for bench/compare.sh: what a gateway developer writes with libcurl + cJSON.
 *
 *   peer_curl cold | whoami N | import PROJECT_ID FILE BATCH_BYTES
 *   env: LS_URL (https://host:port), LS_PAT_FILE (the Personal Access Token), LS_CA_FILE (PEM)
 *
 * The PAT is exchanged at POST /api/token/refresh/ for an access token (Bearer), refreshed when
 * less than 30 s of its lifetime (exp - iat of the access JWT) remain on the monotonic clock, and
 * once after a 401 (the call is then retried once). One CURL easy handle serves every call, so
 * libcurl keeps one keep-alive connection. Any failure: a message on stderr, exit status 1.
 * Tokens are never printed.
 *
 * Build: cc -O2 -Wall -Wextra -o peer_curl peer_curl.c -lcurl -lcjson
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REFRESH_MARGIN_S 30.0

struct buffer {
    char *data;
    size_t len;
};

struct client {
    CURL *curl;
    const char *url;
    char *pat;
    char *access;
    double access_deadline; /* monotonic seconds */
    char errbuf[CURL_ERROR_SIZE];
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("peer_curl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *env_or_die(const char *name)
{
    const char *value = getenv(name);
    if (!value || !*value)
        die("%s is not set", name);
    return value;
}

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    struct buffer b = {NULL, 0};
    size_t cap = 0;
    for (;;) {
        if (cap - b.len < 65536) {
            cap = cap ? cap * 2 : 65536;
            b.data = realloc(b.data, cap + 1);
            if (!b.data)
                die("out of memory reading %s", path);
        }
        size_t n = fread(b.data + b.len, 1, cap - b.len, f);
        b.len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
    b.data[b.len] = '\0';
    if (len_out)
        *len_out = b.len;
    return b.data;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct buffer *b = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0; /* libcurl reports a write error */
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* base64url without padding, as in a JWT. Returns a malloc'd NUL-terminated string or NULL. */
static char *base64url_decode(const char *in, size_t len)
{
    char *out = malloc(len * 3 / 4 + 4);
    if (!out)
        return NULL;
    unsigned int acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else if (c == '=')
            break;
        else {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return out;
}

/* Lifetime (exp - iat) of an access JWT in seconds, or -1. */
static double token_lifetime(const char *jwt)
{
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2)
        return -1;
    char *payload = base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!payload)
        return -1;
    cJSON *claims = cJSON_Parse(payload);
    free(payload);
    double lifetime = -1;
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    const cJSON *iat = cJSON_GetObjectItemCaseSensitive(claims, "iat");
    if (cJSON_IsNumber(exp) && cJSON_IsNumber(iat))
        lifetime = exp->valuedouble - iat->valuedouble;
    cJSON_Delete(claims);
    return lifetime;
}

/* One HTTP exchange on the shared handle. bearer: the Authorization token or NULL. body: NULL for
 * GET. Returns the HTTP status; the answer is in *answer (caller frees answer->data). */
static long http_call(struct client *c, const char *path, const char *bearer, const char *body,
                      size_t body_len, long timeout_s, struct buffer *answer)
{
    char url[2048];
    if ((size_t)snprintf(url, sizeof url, "%s%s", c->url, path) >= sizeof url)
        die("URL too long");
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    char *auth = NULL;
    if (bearer) {
        size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
        auth = malloc(n);
        if (!auth)
            die("out of memory");
        snprintf(auth, n, "Authorization: Bearer %s", bearer);
        headers = curl_slist_append(headers, auth);
    }
    if (!headers)
        die("out of memory");

    answer->data = NULL;
    answer->len = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_s);
    if (body) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    }
    c->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    if (rc != CURLE_OK)
        die("%s %s: %s", body ? "POST" : "GET", path, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void exchange_pat(struct client *c)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "refresh", c->pat);
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!body)
        die("out of memory");

    double sent = monotonic_s();
    struct buffer answer;
    long status = http_call(c, "/api/token/refresh/", NULL, body, strlen(body), 60, &answer);
    memset(body, 0, strlen(body));
    free(body);
    if (status != 200)
        die("token refresh answered HTTP %ld", status);

    cJSON *json = cJSON_Parse(answer.data ? answer.data : "");
    const cJSON *access = cJSON_GetObjectItemCaseSensitive(json, "access");
    if (!cJSON_IsString(access) || !access->valuestring[0])
        die("token refresh answer has no access token");
    double lifetime = token_lifetime(access->valuestring);
    if (lifetime <= 0)
        die("access token has no usable exp/iat");
    free(c->access);
    c->access = strdup(access->valuestring);
    if (!c->access)
        die("out of memory");
    c->access_deadline = sent + lifetime - REFRESH_MARGIN_S;
    cJSON_Delete(json);
    free(answer.data);
}

/* An authenticated call: refreshes ahead of expiry, and once after a 401 (then retries once). */
static long api_call(struct client *c, const char *path, const char *body, size_t body_len,
                     long timeout_s, struct buffer *answer)
{
    if (!c->access || monotonic_s() >= c->access_deadline)
        exchange_pat(c);
    long status = http_call(c, path, c->access, body, body_len, timeout_s, answer);
    if (status == 401) {
        free(answer->data);
        exchange_pat(c);
        status = http_call(c, path, c->access, body, body_len, timeout_s, answer);
    }
    return status;
}

static void whoami(struct client *c, long index)
{
    struct buffer answer;
    long status = api_call(c, "/api/current-user/whoami", NULL, 0, 60, &answer);
    if (status != 200)
        die("whoami answered HTTP %ld", status);
    cJSON *json = cJSON_Parse(answer.data ? answer.data : "");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "id");
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(json, "email");
    const cJSON *username = cJSON_GetObjectItemCaseSensitive(json, "username");
    if (!cJSON_IsNumber(id) || !cJSON_IsString(username))
        die("whoami answer is not a user");
    if (index == 0)
        printf("id: %d\nemail: %s\nusername: %s\n", id->valueint,
               cJSON_IsString(email) ? email->valuestring : "", username->valuestring);
    else
        printf("check %ld: ok, user %s\n", index, username->valuestring);
    cJSON_Delete(json);
    free(answer.data);
}

/* POST one batch body; returns the task_count the server answered. */
static long import_batch(struct client *c, const char *path, const struct buffer *body)
{
    struct buffer answer;
    long status = api_call(c, path, body->data, body->len, 300, &answer);
    if (status != 201)
        die("import answered HTTP %ld: %.300s", status, answer.data ? answer.data : "");
    cJSON *json = cJSON_Parse(answer.data ? answer.data : "");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(json, "task_count");
    if (!cJSON_IsNumber(count))
        die("import answer has no task_count");
    long n = (long)count->valuedouble;
    cJSON_Delete(json);
    free(answer.data);
    return n;
}

static void import_file(struct client *c, const char *project, const char *file, size_t max_bytes)
{
    char path[256];
    if ((size_t)snprintf(path, sizeof path, "/api/projects/%s/import", project) >= sizeof path)
        die("project id too long");
    char *text = read_file(file, NULL);
    cJSON *tasks = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsArray(tasks))
        die("%s is not a JSON array", file);

    struct buffer body = {malloc(max_bytes + 1), 0};
    if (!body.data)
        die("out of memory");
    long total = cJSON_GetArraySize(tasks), imported = 0, requests = 0, in_batch = 0;
    const cJSON *task;
    cJSON_ArrayForEach(task, tasks) {
        char *json = cJSON_PrintUnformatted(task);
        if (!json)
            die("out of memory");
        size_t n = strlen(json);
        if (n + 2 > max_bytes)
            die("a task of %zu bytes does not fit in %zu", n, max_bytes);
        if (in_batch > 0 && body.len + 1 + n + 1 > max_bytes) {
            body.data[body.len++] = ']';
            imported += import_batch(c, path, &body);
            requests++;
            in_batch = 0;
        }
        if (in_batch == 0) {
            body.len = 0;
            body.data[body.len++] = '[';
        } else {
            body.data[body.len++] = ',';
        }
        memcpy(body.data + body.len, json, n);
        body.len += n;
        in_batch++;
        free(json);
    }
    if (in_batch > 0) {
        body.data[body.len++] = ']';
        imported += import_batch(c, path, &body);
        requests++;
    }
    free(body.data);
    cJSON_Delete(tasks);
    if (imported != total)
        die("the server counted %ld tasks, the file has %ld", imported, total);
    printf("imported %ld tasks in %ld requests\n", imported, requests);
}

static void usage(void)
{
    fputs("usage: peer_curl cold | whoami N | import PROJECT_ID FILE BATCH_BYTES\n"
          "env: LS_URL, LS_PAT_FILE, LS_CA_FILE\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    struct client c = {0};
    c.url = env_or_die("LS_URL");
    const char *ca_file = env_or_die("LS_CA_FILE");
    char *pat_text = read_file(env_or_die("LS_PAT_FILE"), NULL);
    c.pat = trim(pat_text);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("curl_global_init failed");
    c.curl = curl_easy_init();
    if (!c.curl)
        die("curl_easy_init failed");
    curl_easy_setopt(c.curl, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c.curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c.curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c.curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c.curl, CURLOPT_ERRORBUFFER, c.errbuf);
    curl_easy_setopt(c.curl, CURLOPT_NOSIGNAL, 1L);

    if (strcmp(argv[1], "cold") == 0 && argc == 2) {
        whoami(&c, 0);
    } else if (strcmp(argv[1], "whoami") == 0 && argc == 3) {
        long n = strtol(argv[2], NULL, 10);
        if (n < 1)
            usage();
        for (long i = 1; i <= n; i++)
            whoami(&c, i);
    } else if (strcmp(argv[1], "import") == 0 && argc == 5) {
        long max_bytes = strtol(argv[4], NULL, 10);
        if (max_bytes < 3)
            usage();
        import_file(&c, argv[2], argv[3], (size_t)max_bytes);
    } else {
        usage();
    }

    curl_easy_cleanup(c.curl);
    curl_global_cleanup();
    if (c.access) {
        memset(c.access, 0, strlen(c.access));
        free(c.access);
    }
    memset(pat_text, 0, strlen(pat_text));
    free(pat_text);
    return 0;
}
