/* Proves: the S3 store's requests are signed as AWS specifies. (1) Our signing setup
 * reproduces the documented example of the AWS S3 SigV4 guide ("GET Object", signature
 * f0e8bdb8...) byte for byte. (2) Every request the store sends carries an Authorization
 * header of the SigV4 shape whose SignedHeaders include host, x-amz-content-sha256 and
 * x-amz-date, and an x-amz-content-sha256 equal to the SHA-256 of the body sent (or
 * UNSIGNED-PAYLOAD when configured). (3) Keys are percent-encoded once, path-style.
 * (4) 5xx answers are retried and then succeed; 4xx are not retried; 404 is NOT_FOUND.
 * (5) ListObjectsV2 pages are followed through continuation tokens (sorted, canonical
 * query), and an S3 error body inside a 200 multipart completion is a failure.
 * The peer is a scripted HTTP listener on 127.0.0.1 in this process (a thread). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "registry/artifact.h"

/* TESTABLE internals of artifact_s3.c */
typedef struct s3_store s3_store;
ap_status s3_sign_setup(const s3_store *s, CURL *c, const char *payload_sha256,
                        struct curl_slist **headers, ap_error *err);
bool s3_uri_encode(const char *in, bool keep_slash, char *out, size_t size);
void *art_backend(const art_store *s); /* artifact.c */

#define MAX_REQS 32

typedef struct captured {
    char head[8192]; /* request line and headers */
    char body[4096]; /* NUL-terminated; longer bodies are cut */
    size_t body_len;
} captured;

typedef struct listener {
    int fd;
    unsigned port;
    pthread_t thread;
    /* scripted replies, used in order; the last one repeats */
    const char *replies[MAX_REQS];
    size_t nreplies;
    captured reqs[MAX_REQS];
    size_t nreqs;
} listener;

static const char *header_value(const captured *c, const char *name, char *out, size_t size)
{
    const char *p = c->head;
    size_t n = strlen(name);
    while ((p = strstr(p, "\r\n"))) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            size_t k = strcspn(p, "\r\n");
            if (k >= size) k = size - 1;
            memcpy(out, p, k);
            out[k] = '\0';
            return out;
        }
    }
    return NULL;
}

static void *serve(void *arg)
{
    listener *l = arg;
    for (;;) {
        int c = accept(l->fd, NULL, NULL);
        if (c < 0) return NULL;
        captured *cap = &l->reqs[l->nreqs < MAX_REQS ? l->nreqs : MAX_REQS - 1];
        size_t got = 0;
        char *end = NULL;
        while (!end && got < sizeof cap->head - 1) {
            ssize_t n = recv(c, cap->head + got, sizeof cap->head - 1 - got, 0);
            if (n <= 0) break;
            got += (size_t)n;
            cap->head[got] = '\0';
            end = strstr(cap->head, "\r\n\r\n");
        }
        if (!end) {
            close(c);
            continue;
        }
        size_t head_len = (size_t)(end - cap->head) + 4;
        char cl[32];
        size_t want =
            header_value(cap, "Content-Length", cl, sizeof cl) ? strtoul(cl, NULL, 10) : 0;
        size_t have = got - head_len;
        memcpy(cap->body, cap->head + head_len, have);
        cap->head[head_len] = '\0';
        while (have < want) {
            char scratch[4096];
            size_t room = have < sizeof cap->body - 1 ? sizeof cap->body - 1 - have : 0;
            ssize_t n = recv(c, room ? cap->body + have : scratch,
                             room ? (want - have < room ? want - have : room)
                                  : (want - have < sizeof scratch ? want - have : sizeof scratch),
                             0);
            if (n <= 0) break;
            have += (size_t)n;
        }
        cap->body_len = have;
        cap->body[have < sizeof cap->body ? have : sizeof cap->body - 1] = '\0';
        size_t i = l->nreqs < l->nreplies ? l->nreqs : l->nreplies - 1;
        const char *reply = l->replies[i];
        l->nreqs++;
        (void)!send(c, reply, strlen(reply), MSG_NOSIGNAL);
        close(c);
    }
}

static void listener_start(listener *l)
{
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(l->fd, (struct sockaddr *)&a, &len);
    l->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&l->thread, NULL, serve, l), 0);
}

static void listener_stop(listener *l)
{
    shutdown(l->fd, SHUT_RDWR);
    close(l->fd);
    pthread_join(l->thread, NULL);
}

static art_store *open_store(listener *l, bool unsigned_payload)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u", l->port);
    art_options o = {.endpoint_url = endpoint,
                     .access_key = "AKIDEXAMPLE",
                     .secret_key = "secret",
                     .region = "eu-west-1",
                     .max_retries = 3,
                     .unsigned_payload = unsigned_payload,
                     .multipart_threshold = 10,
                     .part_size = 6};
    art_store *s = NULL;
    ap_error err = {0};
    assert_int_equal(art_open("s3://bucket-1/pre", &o, &s, &err), AP_OK);
    return s;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The SigV4 Authorization shape, and the payload hash matching the body. */
static void check_signed(const captured *c, const char *expected_hash)
{
    char auth[1024], hash[128], date[64];
    assert_non_null(header_value(c, "Authorization", auth, sizeof auth));
    assert_non_null(header_value(c, "x-amz-content-sha256", hash, sizeof hash));
    assert_non_null(header_value(c, "x-amz-date", date, sizeof date));
    assert_int_equal(strlen(date), 16); /* 20130524T000000Z */
    char prefix[128];
    snprintf(prefix, sizeof prefix,
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/eu-west-1/s3/aws4_request, ", date);
    assert_true(strncmp(auth, prefix, strlen(prefix)) == 0);
    const char *sh = strstr(auth, "SignedHeaders=");
    assert_non_null(sh);
    assert_non_null(strstr(sh, "host;"));
    assert_non_null(strstr(sh, "x-amz-content-sha256;x-amz-date"));
    const char *sig = strstr(auth, "Signature=");
    assert_non_null(sig);
    sig += 10;
    assert_int_equal(strlen(sig), 64);
    assert_int_equal(strspn(sig, "0123456789abcdef"), 64);
    if (expected_hash) {
        assert_string_equal(hash, expected_hash);
    } else {
        char body_hash[65];
        sha256_hex(c->body, c->body_len, body_hash);
        assert_string_equal(hash, body_hash);
    }
}

#define OK_EMPTY                                                                                   \
    "HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define UNAVAILABLE                                                                                \
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

/* AWS S3 SigV4 guide, "Example: GET Object": the documented signature. The request goes
 * to examplebucket.s3.amazonaws.com (Host header), connected to our listener. */
static void test_aws_documented_example(void **state)
{
    (void)state;
    listener l = {.replies = {OK_EMPTY}, .nreplies = 1};
    listener_start(&l);
    art_options o = {.access_key = "AKIAIOSFODNN7EXAMPLE",
                     .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                     .region = "us-east-1"};
    unsetenv("AWS_ENDPOINT_URL");
    art_store *store = NULL;
    ap_error err = {0};
    assert_int_equal(art_open("s3://examplebucket", &o, &store, &err), AP_OK);

    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL, *connect_to = NULL;
    char route[128];
    snprintf(route, sizeof route, "examplebucket.s3.amazonaws.com:80:127.0.0.1:%u", l.port);
    connect_to = curl_slist_append(connect_to, route);
    headers = curl_slist_append(headers, "Range: bytes=0-9");
    /* the example's fixed time; curl signs with it instead of the clock */
    headers = curl_slist_append(headers, "x-amz-date: 20130524T000000Z");
    assert_int_equal(
        s3_sign_setup(art_backend(store), c,
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &headers,
                      &err),
        AP_OK);
    curl_easy_setopt(c, CURLOPT_URL, "http://examplebucket.s3.amazonaws.com/test.txt");
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    listener_stop(&l);
    art_close(store);

    char auth[1024];
    assert_non_null(header_value(&l.reqs[0], "Authorization", auth, sizeof auth));
    assert_string_equal(
        auth, "AWS4-HMAC-SHA256 "
              "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void test_put_signed_and_encoded(void **state)
{
    (void)state;
    listener l = {.replies = {OK_EMPTY}, .nreplies = 1};
    listener_start(&l);
    art_store *s = open_store(&l, false);
    ap_error err = {0};
    assert_int_equal(art_put_buffer(s, "run 1/a+b.txt", "hello", 5, &err), AP_OK);
    assert_int_equal(art_delete(s, "run 1/a+b.txt", &err), AP_OK);
    art_close(s);
    s = open_store(&l, true);
    assert_int_equal(art_put_buffer(s, "x", "12345", 5, &err), AP_OK);
    art_close(s);
    listener_stop(&l);
    assert_int_equal(l.nreqs, 3);
    assert_true(strncmp(l.reqs[0].head, "PUT /bucket-1/pre/run%201/a%2Bb.txt HTTP/1.1\r\n", 46) ==
                0);
    assert_string_equal(l.reqs[0].body, "hello");
    check_signed(&l.reqs[0], NULL);
    assert_true(strncmp(l.reqs[1].head, "DELETE /bucket-1/pre/run%201/a%2Bb.txt ", 39) == 0);
    check_signed(&l.reqs[1], NULL); /* the empty body's hash */
    check_signed(&l.reqs[2], "UNSIGNED-PAYLOAD");
}

static void test_retries(void **state)
{
    (void)state;
    listener l = {
        .replies = {UNAVAILABLE, UNAVAILABLE,
                    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"},
        .nreplies = 3};
    listener_start(&l);
    art_store *s = open_store(&l, false);
    ap_error err = {0};
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(art_get_buffer(s, "k", 100, &data, &len, &err), AP_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(data, "abc", 3);
    free(data);
    assert_int_equal(l.nreqs, 3);
    /* after the script ends the last reply (200) repeats; a 404 is not retried */
    l.replies[3] =
        "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"
        "<Error><Code>NoSuchKey</Code><Message>The key does not exist.</Message></Error>";
    l.nreplies = 4;
    assert_int_equal(art_get_buffer(s, "missing", 100, &data, &len, &err), AP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
    assert_int_equal(l.nreqs, 4);
    art_close(s);
    listener_stop(&l);
}

static void test_retries_exhausted(void **state)
{
    (void)state;
    listener l = {.replies = {UNAVAILABLE}, .nreplies = 1};
    listener_start(&l);
    art_store *s = open_store(&l, false);
    ap_error err = {0};
    assert_int_equal(art_put_buffer(s, "k", "v", 1, &err), AP_ERR_UNAVAILABLE);
    assert_int_equal(l.nreqs, 4); /* the request and max_retries = 3 retries */
    art_close(s);
    listener_stop(&l);
}

#define XML_REPLY(body)                                                                            \
    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n" body

static void test_list_pages(void **state)
{
    (void)state;
    listener l = {
        .replies = {XML_REPLY("<?xml version=\"1.0\"?><ListBucketResult "
                              "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                              "<IsTruncated>true</IsTruncated><NextContinuationToken>t/1+=</"
                              "NextContinuationToken>"
                              "<Contents><Key>pre/m/b.bin</Key><Size>12</Size><LastModified>2024-"
                              "01-02T03:04:05.000Z</LastModified><ETag>&quot;e1&quot;</ETag></"
                              "Contents>"
                              "<CommonPrefixes><Prefix>pre/m/sub/</Prefix></CommonPrefixes>"
                              "</ListBucketResult>"),
                    XML_REPLY("<ListBucketResult><IsTruncated>false</IsTruncated>"
                              "<Contents><Key>pre/m/a.bin</Key><Size>7</Size><ETag>\"e2-2\"</"
                              "ETag></Contents></ListBucketResult>")},
        .nreplies = 2};
    listener_start(&l);
    art_store *s = open_store(&l, false);
    ap_error err = {0};
    art_list list;
    assert_int_equal(art_list_dir(s, "m", false, &list, &err), AP_OK);
    assert_int_equal(list.n, 3);
    assert_string_equal(list.items[0].key, "m/a.bin");
    assert_string_equal(list.items[0].etag, "e2-2");
    assert_string_equal(list.items[1].key, "m/b.bin");
    assert_int_equal(list.items[1].size, 12);
    assert_int_equal(list.items[1].mtime, 1704164645);
    assert_string_equal(list.items[1].etag, "e1");
    assert_string_equal(list.items[2].key, "m/sub");
    assert_true(list.items[2].is_dir);
    art_list_free(&list);
    art_close(s);
    listener_stop(&l);
    assert_true(strncmp(l.reqs[0].head,
                        "GET /bucket-1?delimiter=%2F&list-type=2&max-keys=1000&prefix=pre%2Fm%2F ",
                        72) == 0);
    assert_true(strncmp(l.reqs[1].head,
                        "GET /bucket-1?continuation-token=t%2F1%2B%3D&delimiter=%2F&list-type=2&",
                        70) == 0);
    check_signed(&l.reqs[1], NULL);
}

static void test_multipart_error_in_200(void **state)
{
    (void)state;
    listener l = {.replies = {XML_REPLY("<InitiateMultipartUploadResult><UploadId>u/1</UploadId>"
                                        "</InitiateMultipartUploadResult>"),
                              OK_EMPTY, OK_EMPTY,
                              XML_REPLY("<Error><Code>InternalError</Code><Message>boom</Message>"
                                        "</Error>"),
                              OK_EMPTY},
                  .nreplies = 5};
    listener_start(&l);
    art_store *s = open_store(&l, false);
    ap_error err = {0};
    /* 11 bytes > threshold 10: two parts of 6 and 5 */
    assert_int_equal(art_put_buffer(s, "big", "hello world", 11, &err), AP_ERR_IO);
    assert_non_null(strstr(err.msg, "InternalError"));
    art_close(s);
    listener_stop(&l);
    assert_int_equal(l.nreqs, 5);
    assert_true(strncmp(l.reqs[0].head, "POST /bucket-1/pre/big?uploads= ", 32) == 0);
    assert_true(strncmp(l.reqs[1].head, "PUT /bucket-1/pre/big?partNumber=1&uploadId=u%2F1 ", 50) ==
                0);
    assert_string_equal(l.reqs[1].body, "hello ");
    assert_string_equal(l.reqs[2].body, "world");
    check_signed(&l.reqs[2], NULL);
    assert_non_null(strstr(l.reqs[3].body, "<PartNumber>2</PartNumber><ETag>\"abc\"</ETag>"));
    /* the failed upload was aborted */
    assert_true(strncmp(l.reqs[4].head, "DELETE /bucket-1/pre/big?uploadId=u%2F1 ", 40) == 0);
}

static void test_uri_encode_and_open(void **state)
{
    (void)state;
    char out[64];
    assert_true(s3_uri_encode("a b/c~d_e.f-g+h*", true, out, sizeof out));
    assert_string_equal(out, "a%20b/c~d_e.f-g%2Bh%2A");
    assert_true(s3_uri_encode("a/b", false, out, sizeof out));
    assert_string_equal(out, "a%2Fb");
    assert_true(s3_uri_encode("\xc3\xa9", false, out, sizeof out));
    assert_string_equal(out, "%C3%A9");
    assert_false(s3_uri_encode("abcdef", false, out, 4));
    art_store *s = NULL;
    ap_error err = {0};
    art_options o = {.access_key = "a", .secret_key = "b"};
    assert_int_equal(art_open("s3://UPPER/x", &o, &s, &err), AP_ERR_INVALID);
    assert_int_equal(art_open("s3://ab", &o, &s, &err), AP_ERR_INVALID);
    assert_int_equal(art_open("s3://bucket/../x", &o, &s, &err), AP_ERR_INVALID);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(art_open("s3://bucket/x", NULL, &s, &err), AP_ERR_CONFIG);
    assert_int_equal(art_open("s3://bucket/x/", &o, &s, &err), AP_OK);
    assert_string_equal(art_uri(s), "s3://bucket/x");
    assert_false(art_is_local(s));
    /* keys are checked before any request: no server is needed to refuse these */
    assert_int_equal(art_put_buffer(s, "../etc", "x", 1, &err), AP_ERR_FORBIDDEN);
    art_close(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_documented_example),
        cmocka_unit_test(test_put_signed_and_encoded),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_retries_exhausted),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_multipart_error_in_200),
        cmocka_unit_test(test_uri_encode_and_open),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
