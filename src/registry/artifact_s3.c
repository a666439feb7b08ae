/* artifact_s3: an artifact store in an S3 bucket (AWS or any S3-compatible server), over
 * libcurl with its built-in AWS Signature Version 4.
 *
 * Addressing: with an endpoint (AWS_ENDPOINT_URL or art_options.endpoint_url) requests go
 * path-style to ENDPOINT/bucket/key, which every S3-compatible server accepts; without
 * one, virtual-hosted to https://bucket.s3.REGION.amazonaws.com/key (path-style when the
 * bucket name holds a dot, which TLS wildcards cannot cover).
 *
 * Signing: curl computes the signature ("aws:amz:REGION:s3") over the method, the path
 * and query exactly as given, and every header we add. So this file hands it an already
 * canonical request: keys percent-encoded once (RFC 3986 unreserved bytes kept, '/'
 * kept), query parameters sorted by name with every value encoded, "name=" for empty
 * values. curl 7.88 does not add x-amz-content-sha256, which S3 requires: we send the
 * SHA-256 of the body (or UNSIGNED-PAYLOAD when asked), and curl signs it with the rest.
 *
 * Requests: one easy handle per request (handles are not shared between threads; the
 * store is). A request is retried with exponential backoff and jitter after a connection
 * error, a timeout, 429 or a 5xx; its body is re-read from the start and a download's
 * file is truncated before each retry. Responses read into memory are bounded.
 *
 * Uploads above the multipart threshold: CreateMultipartUpload, UploadPart per
 * part_size bytes (each part retried on its own), CompleteMultipartUpload; any failure
 * aborts the upload so no parts linger. Listings: ListObjectsV2 pages of up to 1000 keys,
 * parsed with libxml2 (no network, no entity expansion, pages bounded in size). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "core/testable.h"
#include "registry/artifact.h"

#define MIB                (1024u * 1024u)
#define MAX_XML_RESPONSE   (16u * MIB) /* a ListObjectsV2 page of 1000 keys is < 1 MiB */
#define MAX_ERROR_RESPONSE (64u * 1024u)
#define MAX_PARTS          10000 /* S3's limit */
#define EMPTY_SHA256       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct s3_store {
    char endpoint[512]; /* scheme://host[:port], no trailing '/' */
    char bucket[256];
    char prefix[ART_KEY_MAX + 1]; /* without leading or trailing '/'; may be "" */
    bool path_style;
    char region[64];
    char sigv4[128]; /* "aws:amz:REGION:s3" */
    char access_key[256], secret_key[256];
    char *session_token; /* NULL when none */
    size_t threshold, part_size;
    unsigned retries, timeout_s;
    bool unsigned_payload;
} s3_store;

/* One request. The body comes from mem (mem_len bytes) or from fd at [fd_off,
 * fd_off + fd_len) when fd >= 0; the response body goes to out_fd when >= 0 (2xx only),
 * else to resp (bounded by resp_max; errors always go to resp). */
typedef struct s3_req {
    const char *method;
    const char *key;   /* the full object key, "" for the bucket */
    const char *query; /* canonical query string or NULL */
    const char *content_type;
    const unsigned char *mem;
    size_t mem_len;
    int fd;
    off_t fd_off;
    size_t fd_len;
    int out_fd;
    size_t resp_max;
    /* filled in */
    long code;
    sbuf resp;
    bool too_large;
    char etag[80];
    uint64_t length;
    int64_t mtime;
    size_t sent; /* read position in the body during a transfer */
    uint64_t written;
} s3_req;

static const char *env_or(const char *value, const char *env, const char *def)
{
    if (value && *value) return value;
    const char *e = getenv(env);
    return e && *e ? e : def;
}

/* AWS's URI encoding: unreserved bytes as they are, '/' too when keep_slash, every other
 * byte as %XX (upper case). Returns false when out is too small. */
TESTABLE bool s3_uri_encode(const char *in, bool keep_slash, char *out, size_t size)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        if (o + (plain ? 1 : 3) >= size) return false;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = digits[c >> 4];
            out[o++] = digits[c & 15];
        }
    }
    out[o] = '\0';
    return true;
}

ap_status art_s3_open(const char *location, const art_options *opts, void **impl, char *uri_out,
                      size_t uri_size, ap_error *err)
{
    *impl = NULL;
    s3_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    ap_status st = AP_OK;
    const char *slash = strchr(location, '/');
    size_t blen = slash ? (size_t)(slash - location) : strlen(location);
    /* Bucket names: 3-63 of [a-z0-9.-]; checked so they need no encoding in a URL. */
    bool bucket_ok = blen >= 3 && blen <= 63;
    for (size_t i = 0; bucket_ok && i < blen; i++) {
        char c = location[i];
        bucket_ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
    if (!bucket_ok) {
        st = ap_fail(err, AP_ERR_INVALID,
                     "s3://%s: the bucket name must be 3-63 characters of a-z, 0-9, '.', '-'",
                     location);
        goto out;
    }
    memcpy(s->bucket, location, blen);
    const char *prefix = slash ? slash + 1 : "";
    snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
    size_t plen = strlen(s->prefix);
    while (plen > 0 && s->prefix[plen - 1] == '/')
        s->prefix[--plen] = '\0';
    if (plen > 0 && art_key_check(s->prefix, err) != AP_OK) {
        st = ap_fail(err, AP_ERR_INVALID, "s3://%s: the prefix is not a valid key", location);
        goto out;
    }
    snprintf(s->region, sizeof s->region, "%s", env_or(opts->region, "AWS_REGION", "us-east-1"));
    const char *endpoint = env_or(opts->endpoint_url, "AWS_ENDPOINT_URL", NULL);
    if (endpoint) {
        if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
            st = ap_fail(err, AP_ERR_CONFIG, "AWS_ENDPOINT_URL '%s' must start with http(s)://",
                         endpoint);
            goto out;
        }
        snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
        size_t elen = strlen(s->endpoint);
        while (elen > 0 && s->endpoint[elen - 1] == '/')
            s->endpoint[--elen] = '\0';
        s->path_style = true;
    } else if (strchr(s->bucket, '.')) {
        snprintf(s->endpoint, sizeof s->endpoint, "https://s3.%s.amazonaws.com", s->region);
        s->path_style = true;
    } else {
        snprintf(s->endpoint, sizeof s->endpoint, "https://%s.s3.%s.amazonaws.com", s->bucket,
                 s->region);
    }
    const char *ak = env_or(opts->access_key, "AWS_ACCESS_KEY_ID", NULL);
    const char *sk = env_or(opts->secret_key, "AWS_SECRET_ACCESS_KEY", NULL);
    if (!ak || !sk) {
        st = ap_fail(err, AP_ERR_CONFIG,
                     "s3://%s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set", location);
        goto out;
    }
    snprintf(s->access_key, sizeof s->access_key, "%s", ak);
    snprintf(s->secret_key, sizeof s->secret_key, "%s", sk);
    const char *token = env_or(opts->session_token, "AWS_SESSION_TOKEN", NULL);
    if (token && !(s->session_token = strdup(token))) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", s->region);
    s->threshold = opts->multipart_threshold ? opts->multipart_threshold : 8 * MIB;
    s->part_size = opts->part_size ? opts->part_size : 8 * MIB;
    s->retries = opts->max_retries ? opts->max_retries : 4;
    s->timeout_s = opts->timeout_s ? opts->timeout_s : 300;
    s->unsigned_payload = opts->unsigned_payload;
    snprintf(uri_out, uri_size, "s3://%s%s%s", s->bucket, plen ? "/" : "", s->prefix);
    *impl = s;
    s = NULL;
out:
    if (s) free(s->session_token);
    free(s);
    return st;
}

static void s3_close(void *impl)
{
    s3_store *s = impl;
    if (!s) return;
    free(s->session_token);
    free(s);
}

/* The full object key of a store key: the prefix joined with it. */
static ap_status full_key(const s3_store *s, const char *key, char *out, size_t size, ap_error *err)
{
    int n = snprintf(out, size, "%s%s%s", s->prefix, *s->prefix && *key ? "/" : "", key);
    if (n < 0 || (size_t)n >= size)
        return ap_fail(err, AP_ERR_INVALID, "artifact key '%.200s' is too long with the prefix",
                       key);
    return AP_OK;
}

/* The hex SHA-256 of the request body, for x-amz-content-sha256. */
static ap_status payload_hash(const s3_req *r, char out[65], ap_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    ap_status st = AP_OK;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    if (r->fd >= 0) {
        static const size_t chunk = 1 << 16;
        unsigned char *buf = malloc(chunk);
        if (!buf) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t done = 0; done < r->fd_len;) {
            size_t want = r->fd_len - done < chunk ? r->fd_len - done : chunk;
            ssize_t n = pread(r->fd, buf, want, r->fd_off + (off_t)done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                st = ap_fail(err, AP_ERR_IO, "reading the upload: %s",
                             n == 0 ? "file shrank" : strerror(errno));
                break;
            }
            EVP_DigestUpdate(ctx, buf, (size_t)n);
            done += (size_t)n;
        }
        free(buf);
    } else if (r->mem_len > 0) {
        EVP_DigestUpdate(ctx, r->mem, r->mem_len);
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    EVP_DigestFinal_ex(ctx, d, &dn);
    art_hex(d, dn, out);
out:
    EVP_MD_CTX_free(ctx);
    return st;
}

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *userdata)
{
    s3_req *r = userdata;
    size_t total = r->fd >= 0 ? r->fd_len : r->mem_len;
    size_t want = size * nmemb;
    if (want > total - r->sent) want = total - r->sent;
    if (want == 0) return 0;
    if (r->fd >= 0) {
        ssize_t n;
        do
            n = pread(r->fd, dst, want, r->fd_off + (off_t)r->sent);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return CURL_READFUNC_ABORT;
        want = (size_t)n;
    } else {
        memcpy(dst, r->mem + r->sent, want);
    }
    r->sent += want;
    return want;
}

typedef struct write_ctx {
    s3_req *r;
    CURL *curl;
} write_ctx;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    write_ctx *w = userdata;
    s3_req *r = w->r;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300 && r->out_fd >= 0) {
        for (size_t done = 0; done < n;) {
            ssize_t k = write(r->out_fd, data + done, n - done);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) return 0;
            done += (size_t)k;
        }
        r->written += n;
        return n;
    }
    size_t max = code >= 200 && code < 300 ? r->resp_max : MAX_ERROR_RESPONSE;
    if (r->resp.len + n > max) {
        r->too_large = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    sbuf_append(&r->resp, data, n);
    return r->resp.oom ? 0 : n;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    s3_req *r = userdata;
    size_t n = size * nmemb;
    if (n > 6 && strncasecmp(data, "ETag:", 5) == 0) {
        const char *v = data + 5;
        const char *end = data + n;
        while (v < end && (*v == ' ' || *v == '"'))
            v++;
        size_t k = 0;
        while (v + k < end && v[k] != '"' && v[k] != '\r' && v[k] != '\n' && k + 1 < sizeof r->etag)
            k++;
        memcpy(r->etag, v, k);
        r->etag[k] = '\0';
    }
    return n;
}

/* Sets the signing options on c and adds the headers signing needs to *headers:
 * credentials, provider string, x-amz-content-sha256 and the session token. */
TESTABLE ap_status s3_sign_setup(const s3_store *s, CURL *c, const char *payload_sha256,
                                 struct curl_slist **headers, ap_error *err)
{
    char line[2200];
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s->access_key);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s->secret_key);
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", payload_sha256);
    struct curl_slist *h = curl_slist_append(*headers, line);
    if (!h) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    *headers = h;
    if (s->session_token) {
        int n = snprintf(line, sizeof line, "x-amz-security-token: %s", s->session_token);
        if (n < 0 || (size_t)n >= sizeof line)
            return ap_fail(err, AP_ERR_CONFIG, "AWS_SESSION_TOKEN is too long");
        if (!(h = curl_slist_append(*headers, line)))
            return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        *headers = h;
    }
    return AP_OK;
}

/* The URL of a full key (and query) in out. */
static ap_status make_url(const s3_store *s, const char *key, const char *query, char *out,
                          size_t size, ap_error *err)
{
    char enc[3 * ART_KEY_MAX + 3 * 256 + 8];
    if (!s3_uri_encode(key, true, enc, sizeof enc))
        return ap_fail(err, AP_ERR_INVALID, "artifact key is too long");
    int n = s->path_style ? snprintf(out, size, "%s/%s%s%s%s%s", s->endpoint, s->bucket,
                                     *key ? "/" : "", enc, query ? "?" : "", query ? query : "")
                          : snprintf(out, size, "%s/%s%s%s", s->endpoint, enc, query ? "?" : "",
                                     query ? query : "");
    if (n < 0 || (size_t)n >= size) return ap_fail(err, AP_ERR_INVALID, "URL is too long");
    return AP_OK;
}

/* The Code and Message of an S3 error body, for messages. */
static void error_text(const sbuf *body, char *out, size_t size)
{
    out[0] = '\0';
    if (!body->data || body->len == 0) return;
    xmlDocPtr doc = xmlReadMemory(body->data, (int)body->len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) return;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char code[128] = "", msg[256] = "";
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        xmlChar *t = xmlNodeGetContent(n);
        if (!t) continue;
        if (xmlStrcmp(n->name, BAD_CAST "Code") == 0) snprintf(code, sizeof code, "%s", t);
        if (xmlStrcmp(n->name, BAD_CAST "Message") == 0) snprintf(msg, sizeof msg, "%s", t);
        xmlFree(t);
    }
    xmlFreeDoc(doc);
    if (*code) snprintf(out, size, ": %s%s%s", code, *msg ? ": " : "", msg);
}

static bool retryable(CURLcode cc, long code)
{
    /* A definite client error stays one even when its body arrived broken. */
    if (cc == CURLE_OK || (code >= 400 && code < 500)) return code >= 500 || code == 429;
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_RESOLVE_HOST;
}

/* Sends r, retrying as the module comment says. On AP_OK r->code is 2xx (or 404 for a
 * HEAD/GET/DELETE of a missing key, reported as AP_ERR_NOT_FOUND). */
static ap_status s3_perform(s3_store *s, s3_req *r, ap_error *err)
{
    char url[8192];
    char hash[65];
    struct curl_slist *headers = NULL;
    CURL *c = NULL;
    ap_status st = make_url(s, r->key, r->query, url, sizeof url, err);
    if (st != AP_OK) return st;
    if (s->unsigned_payload && (r->fd >= 0 || r->mem_len > 0))
        snprintf(hash, sizeof hash, "UNSIGNED-PAYLOAD");
    else if ((st = payload_hash(r, hash, err)) != AP_OK)
        return st;

    CURLcode cc = CURLE_OK;
    for (unsigned attempt = 0;; attempt++) {
        curl_slist_free_all(headers);
        headers = NULL;
        curl_easy_cleanup(c);
        sbuf_free(&r->resp);
        r->resp = (sbuf){0};
        r->sent = 0;
        r->written = 0;
        r->too_large = false;
        r->etag[0] = '\0';
        r->code = 0;
        if (r->out_fd >= 0 && (ftruncate(r->out_fd, 0) != 0 || lseek(r->out_fd, 0, SEEK_SET) != 0))
            return ap_fail(err, AP_ERR_IO, "truncating the download: %s", strerror(errno));
        c = curl_easy_init();
        if (!c) return ap_fail(err, AP_ERR_NOMEM, "curl_easy_init failed");
        st = s3_sign_setup(s, c, hash, &headers, err);
        /* curl would send "Expect: 100-continue" and wait for it; S3 needs no such step. */
        struct curl_slist *h = st == AP_OK ? curl_slist_append(headers, "Expect:") : NULL;
        if (h) headers = h;
        if (h && r->content_type) {
            char ct[128];
            snprintf(ct, sizeof ct, "Content-Type: %s", r->content_type);
            if ((h = curl_slist_append(headers, ct))) headers = h;
        }
        if (st == AP_OK && !h) st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        if (st != AP_OK) break;
        write_ctx wctx = {.r = r, .curl = c};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout_s);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &wctx);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
        size_t body_len = r->fd >= 0 ? r->fd_len : r->mem_len;
        if (strcmp(r->method, "PUT") == 0) {
            curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
            curl_easy_setopt(c, CURLOPT_READDATA, r);
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
        } else if (strcmp(r->method, "POST") == 0) {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
            curl_easy_setopt(c, CURLOPT_READDATA, r);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        } else if (strcmp(r->method, "HEAD") == 0) {
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (strcmp(r->method, "GET") != 0) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
        }
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
        if (!retryable(cc, r->code) || attempt >= s->retries) break;
        /* 100 ms, 200 ms, 400 ms ... capped at 5 s, with up to 50% jitter so that clients
         * that failed together do not retry together. */
        unsigned ms = 100u << (attempt < 6 ? attempt : 6);
        if (ms > 5000) ms = 5000;
        ms += (unsigned)(rand() % (int)(ms / 2 + 1));
        log_warn("s3 %s %s: %s (HTTP %ld); retry %u in %u ms", r->method, url,
                 cc == CURLE_OK ? "server error" : curl_easy_strerror(cc), r->code, attempt + 1,
                 ms);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (st == AP_OK) {
        char detail[400];
        curl_off_t len = -1, filetime = -1;
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        curl_easy_getinfo(c, CURLINFO_FILETIME_T, &filetime);
        r->length = len > 0 ? (uint64_t)len : 0;
        r->mtime = filetime > 0 ? (int64_t)filetime : 0;
        if (r->too_large) {
            st = ap_fail(err, AP_ERR_TOO_LARGE, "s3 %s %s: the response is over %zu bytes",
                         r->method, r->key, r->resp_max);
        } else if (cc != CURLE_OK) {
            st = ap_fail(err, AP_ERR_UNAVAILABLE, "s3 %s %s: %s", r->method, url,
                         curl_easy_strerror(cc));
        } else if (r->code == 404) {
            error_text(&r->resp, detail, sizeof detail);
            st = ap_fail(err, AP_ERR_NOT_FOUND, "s3 object '%s' not found%s", r->key, detail);
        } else if (r->code < 200 || r->code >= 300) {
            error_text(&r->resp, detail, sizeof detail);
            st = ap_fail(err,
                         r->code == 403   ? AP_ERR_FORBIDDEN
                         : r->code >= 500 ? AP_ERR_UNAVAILABLE
                                          : AP_ERR_IO,
                         "s3 %s %s: HTTP %ld%s", r->method, url, r->code, detail);
        }
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return st;
}

static void req_free(s3_req *r)
{
    sbuf_free(&r->resp);
}

/* ---- XML ---- */

static xmlDocPtr parse_xml(const sbuf *b, ap_error *err)
{
    if (!b->data || b->len == 0) {
        ap_fail(err, AP_ERR_IO, "s3: empty XML response");
        return NULL;
    }
    /* NONET: no fetching; without NOENT entities stay unexpanded; no HUGE: libxml2's
     * default depth and size limits apply. */
    xmlDocPtr doc = xmlReadMemory(b->data, (int)b->len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) ap_fail(err, AP_ERR_IO, "s3: malformed XML response");
    return doc;
}

/* The text of the first child element named name, into out; false when absent. */
static bool child_text(xmlNodePtr parent, const char *name, char *out, size_t size)
{
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST name) != 0) continue;
        xmlChar *t = xmlNodeGetContent(n);
        if (!t) return false;
        snprintf(out, size, "%s", (const char *)t);
        xmlFree(t);
        return true;
    }
    return false;
}

/* "2009-10-12T17:50:30.000Z" -> seconds since the epoch; 0 when malformed. */
static int64_t parse_iso8601(const char *s)
{
    struct tm tm = {0};
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* ---- operations ---- */

static ap_status put_single(s3_store *s, const char *fkey, int fd, size_t len, const void *data,
                            ap_error *err)
{
    s3_req r = {.method = "PUT",
                .key = fkey,
                .fd = fd,
                .fd_len = fd >= 0 ? len : 0,
                .mem = data,
                .mem_len = fd >= 0 ? 0 : len,
                .out_fd = -1,
                .resp_max = MAX_ERROR_RESPONSE,
                .content_type = "application/octet-stream"};
    ap_status st = s3_perform(s, &r, err);
    req_free(&r);
    return st;
}

static ap_status put_multipart(s3_store *s, const char *fkey, int fd, size_t len, const void *data,
                               ap_error *err)
{
    char upload_id[1024] = "", enc_id[3200], query[3400];
    sbuf complete = {0};
    s3_req r = {.method = "POST",
                .key = fkey,
                .query = "uploads=",
                .fd = -1,
                .out_fd = -1,
                .resp_max = 1 * MIB,
                .content_type = "application/octet-stream"};
    ap_status st = s3_perform(s, &r, err);
    if (st != AP_OK) goto out;
    xmlDocPtr doc = parse_xml(&r.resp, err);
    if (!doc) {
        st = AP_ERR_IO;
        goto out;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool have = root && child_text(root, "UploadId", upload_id, sizeof upload_id);
    xmlFreeDoc(doc);
    if (!have || !*upload_id || !s3_uri_encode(upload_id, false, enc_id, sizeof enc_id)) {
        st = ap_fail(err, AP_ERR_IO, "s3: CreateMultipartUpload of '%s' gave no UploadId", fkey);
        upload_id[0] = '\0';
        goto out;
    }
    size_t parts = (len + s->part_size - 1) / s->part_size;
    if (parts > MAX_PARTS) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "'%s': %zu parts of %zu bytes exceed S3's %d", fkey,
                     parts, s->part_size, MAX_PARTS);
        goto out;
    }
    sbuf_puts(&complete, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < parts; i++) {
        size_t off = i * s->part_size;
        size_t n = len - off < s->part_size ? len - off : s->part_size;
        /* partNumber sorts before uploadId: the query is canonical as written. */
        snprintf(query, sizeof query, "partNumber=%zu&uploadId=%s", i + 1, enc_id);
        req_free(&r);
        r = (s3_req){.method = "PUT",
                     .key = fkey,
                     .query = query,
                     .fd = fd,
                     .out_fd = -1,
                     .resp_max = MAX_ERROR_RESPONSE};
        if (fd >= 0) {
            r.fd_off = (off_t)off;
            r.fd_len = n;
        } else {
            r.mem = (const unsigned char *)data + off;
            r.mem_len = n;
        }
        st = s3_perform(s, &r, err);
        if (st != AP_OK) goto out;
        if (!*r.etag) {
            st = ap_fail(err, AP_ERR_IO, "s3: part %zu of '%s' came back without an ETag", i + 1,
                         fkey);
            goto out;
        }
        sbuf_printf(&complete, "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>",
                    i + 1, r.etag);
    }
    sbuf_puts(&complete, "</CompleteMultipartUpload>");
    if (complete.oom) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(query, sizeof query, "uploadId=%s", enc_id);
    req_free(&r);
    r = (s3_req){.method = "POST",
                 .key = fkey,
                 .query = query,
                 .fd = -1,
                 .out_fd = -1,
                 .mem = (const unsigned char *)complete.data,
                 .mem_len = complete.len,
                 .resp_max = 1 * MIB,
                 .content_type = "application/xml"};
    st = s3_perform(s, &r, err);
    if (st != AP_OK) goto out;
    /* CompleteMultipartUpload can fail after its 200 header: the body is then an Error. */
    doc = parse_xml(&r.resp, err);
    if (!doc) {
        st = AP_ERR_IO;
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcmp(root->name, BAD_CAST "Error") == 0) {
        char detail[400];
        error_text(&r.resp, detail, sizeof detail);
        st = ap_fail(err, AP_ERR_IO, "s3: completing the upload of '%s' failed%s", fkey, detail);
    }
    xmlFreeDoc(doc);
    if (st == AP_OK) upload_id[0] = '\0'; /* done: nothing to abort */
out:
    if (*upload_id) {
        /* Abort so the parts stop costing storage; its own failure changes nothing. */
        snprintf(query, sizeof query, "uploadId=%s", enc_id);
        s3_req abort_req = {.method = "DELETE",
                            .key = fkey,
                            .query = query,
                            .fd = -1,
                            .out_fd = -1,
                            .resp_max = MAX_ERROR_RESPONSE};
        s3_perform(s, &abort_req, NULL);
        req_free(&abort_req);
    }
    sbuf_free(&complete);
    req_free(&r);
    return st;
}

static ap_status put_generic(s3_store *s, const char *key, int fd, size_t len, const void *data,
                             ap_error *err)
{
    char fkey[ART_KEY_MAX * 2 + 2];
    ap_status st = full_key(s, key, fkey, sizeof fkey, err);
    if (st != AP_OK) return st;
    return len > s->threshold ? put_multipart(s, fkey, fd, len, data, err)
                              : put_single(s, fkey, fd, len, data, err);
}

static ap_status s3_put_file(void *impl, const char *key, const char *path, ap_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ap_fail(err, errno == ENOENT ? AP_ERR_NOT_FOUND : AP_ERR_IO, "%s: %s", path,
                       strerror(errno));
    struct stat sb;
    ap_status st = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)
                       ? put_generic(impl, key, fd, (size_t)sb.st_size, NULL, err)
                       : ap_fail(err, AP_ERR_INVALID, "%s: not a regular file", path);
    close(fd);
    return st;
}

static ap_status s3_put_buffer(void *impl, const char *key, const void *data, size_t len,
                               ap_error *err)
{
    return put_generic(impl, key, -1, len, data, err);
}

static ap_status s3_get_file(void *impl, const char *key, const char *path, ap_error *err)
{
    char fkey[ART_KEY_MAX * 2 + 2], tmp[4096 + 16];
    int fd = -1;
    ap_status st = full_key(impl, key, fkey, sizeof fkey, err);
    if (st != AP_OK) return st;
    st = art_tmp_create(path, tmp, sizeof tmp, &fd, err);
    if (st != AP_OK) return st;
    s3_req r = {
        .method = "GET", .key = fkey, .fd = -1, .out_fd = fd, .resp_max = MAX_ERROR_RESPONSE};
    st = s3_perform(impl, &r, err);
    /* A short body (connection cut after the headers) must not be published. */
    if (st == AP_OK && r.length > 0 && r.written != r.length)
        st = ap_fail(err, AP_ERR_IO, "s3: '%s' arrived short (%llu of %llu bytes)", fkey,
                     (unsigned long long)r.written, (unsigned long long)r.length);
    req_free(&r);
    if (st != AP_OK) {
        art_tmp_abort(fd, tmp);
        return st;
    }
    return art_tmp_commit(fd, tmp, path, err);
}

static ap_status s3_get_buffer(void *impl, const char *key, size_t max, unsigned char **data,
                               size_t *len, ap_error *err)
{
    char fkey[ART_KEY_MAX * 2 + 2];
    ap_status st = full_key(impl, key, fkey, sizeof fkey, err);
    if (st != AP_OK) return st;
    s3_req r = {.method = "GET", .key = fkey, .fd = -1, .out_fd = -1, .resp_max = max};
    st = s3_perform(impl, &r, err);
    if (st == AP_OK) {
        if (r.resp.oom) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        } else if (r.resp.len == 0) {
            *data = calloc(1, 1);
            *len = 0;
            if (!*data) st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        } else {
            *data = (unsigned char *)sbuf_take(&r.resp, len);
        }
    }
    req_free(&r);
    return st;
}

static ap_status s3_list(void *impl, const char *prefix, bool recursive, size_t max, art_list *out,
                         ap_error *err)
{
    s3_store *s = impl;
    char fprefix[ART_KEY_MAX * 2 + 4], enc_prefix[sizeof fprefix * 3],
        token[2048] = "", enc_token[sizeof token * 3],
        query[sizeof enc_prefix + sizeof enc_token + 128];
    ap_status st = full_key(s, prefix, fprefix, sizeof fprefix - 1, err);
    if (st != AP_OK) return st;
    if (*fprefix) strcat(fprefix, "/");
    size_t strip = *s->prefix ? strlen(s->prefix) + 1 : 0; /* store keys exclude the prefix */
    if (!s3_uri_encode(fprefix, false, enc_prefix, sizeof enc_prefix))
        return ap_fail(err, AP_ERR_INVALID, "prefix is too long");
    s3_req r = {0};
    for (int page = 0;; page++) {
        /* Parameters in canonical (sorted) order. */
        if (*token && !s3_uri_encode(token, false, enc_token, sizeof enc_token)) {
            st = ap_fail(err, AP_ERR_IO, "s3: continuation token is too long");
            break;
        }
        snprintf(query, sizeof query, "%s%s%s%slist-type=2&max-keys=1000&prefix=%s",
                 *token ? "continuation-token=" : "", *token ? enc_token : "", *token ? "&" : "",
                 recursive ? "" : "delimiter=%2F&", enc_prefix);
        req_free(&r);
        r = (s3_req){.method = "GET",
                     .key = "",
                     .query = query,
                     .fd = -1,
                     .out_fd = -1,
                     .resp_max = MAX_XML_RESPONSE};
        st = s3_perform(s, &r, err);
        if (st == AP_ERR_NOT_FOUND)
            st = ap_fail(err, AP_ERR_NOT_FOUND, "s3: bucket '%s' does not exist", s->bucket);
        if (st != AP_OK) break;
        xmlDocPtr doc = parse_xml(&r.resp, err);
        if (!doc) {
            st = AP_ERR_IO;
            break;
        }
        xmlNodePtr root = xmlDocGetRootElement(doc);
        char truncated[16] = "false";
        token[0] = '\0';
        if (root) {
            child_text(root, "IsTruncated", truncated, sizeof truncated);
            child_text(root, "NextContinuationToken", token, sizeof token);
        }
        for (xmlNodePtr n = root ? root->children : NULL; n && st == AP_OK; n = n->next) {
            if (n->type != XML_ELEMENT_NODE) continue;
            char key[ART_KEY_MAX * 2 + 4], size[32] = "0", modified[64] = "", etag[80] = "";
            if (xmlStrcmp(n->name, BAD_CAST "Contents") == 0) {
                if (!child_text(n, "Key", key, sizeof key) || strlen(key) <= strip) continue;
                child_text(n, "Size", size, sizeof size);
                child_text(n, "LastModified", modified, sizeof modified);
                child_text(n, "ETag", etag, sizeof etag);
                /* ETags come quoted (or &quot;-escaped, which libxml2 has resolved). */
                char *e = etag;
                while (*e == '"')
                    e++;
                size_t elen = strlen(e);
                while (elen > 0 && e[elen - 1] == '"')
                    e[--elen] = '\0';
                /* keys that no store key can name (a "dir/" marker object) are skipped */
                if (art_key_check(key + strip, NULL) != AP_OK) continue;
                st = art_list_push(out, max, key + strip, false, strtoull(size, NULL, 10),
                                   parse_iso8601(modified), e, err);
            } else if (xmlStrcmp(n->name, BAD_CAST "CommonPrefixes") == 0) {
                if (!child_text(n, "Prefix", key, sizeof key)) continue;
                size_t klen = strlen(key);
                if (klen > 0 && key[klen - 1] == '/') key[--klen] = '\0';
                if (klen <= strip || art_key_check(key + strip, NULL) != AP_OK) continue;
                st = art_list_push(out, max, key + strip, true, 0, 0, NULL, err);
            }
        }
        xmlFreeDoc(doc);
        if (st != AP_OK) break;
        if (strcmp(truncated, "true") != 0 || !*token) break;
        if (page > 100000) {
            st = ap_fail(err, AP_ERR_IO, "s3: the listing does not end");
            break;
        }
    }
    req_free(&r);
    return st;
}

static ap_status s3_delete(void *impl, const char *key, ap_error *err)
{
    char fkey[ART_KEY_MAX * 2 + 2];
    ap_status st = full_key(impl, key, fkey, sizeof fkey, err);
    if (st != AP_OK) return st;
    s3_req r = {
        .method = "DELETE", .key = fkey, .fd = -1, .out_fd = -1, .resp_max = MAX_ERROR_RESPONSE};
    st = s3_perform(impl, &r, err);
    req_free(&r);
    if (st == AP_ERR_NOT_FOUND) { /* some S3-compatible servers answer 404; S3 says 204 */
        ap_error_clear(err);
        st = AP_OK;
    }
    return st;
}

static ap_status s3_stat(void *impl, const char *key, art_entry *out, ap_error *err)
{
    char fkey[ART_KEY_MAX * 2 + 2];
    ap_status st = full_key(impl, key, fkey, sizeof fkey, err);
    if (st != AP_OK) return st;
    s3_req r = {
        .method = "HEAD", .key = fkey, .fd = -1, .out_fd = -1, .resp_max = MAX_ERROR_RESPONSE};
    st = s3_perform(impl, &r, err);
    if (st == AP_OK) {
        out->size = r.length;
        out->mtime = r.mtime;
        snprintf(out->etag, sizeof out->etag, "%s", r.etag);
    }
    req_free(&r);
    return st;
}

const art_ops art_s3_ops = {
    .scheme = "s3",
    .put_file = s3_put_file,
    .put_buffer = s3_put_buffer,
    .get_file = s3_get_file,
    .get_buffer = s3_get_buffer,
    .list = s3_list,
    .del = s3_delete,
    .stat = s3_stat,
    .close = s3_close,
};
