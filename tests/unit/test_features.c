/* Proves: the feature definitions load (the built-in copy and configs/feature_store.yaml
 * agree) and each kind of mistake is refused with a message naming the key; CRC16 and
 * key slots match Redis Cluster's published vectors, hash tags put every view of one
 * entity in one slot; the embedded store reads back what it wrote with statuses PRESENT,
 * NOT_FOUND and EXPIRED (TTL), survives a reopen, drops a record cut short at the end of
 * its file, refuses a corrupt one, compacts, and refuses a second opener. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "features/defs.h"
#include "features/store.h"

uint16_t fs_crc16(const char *buf, size_t len);
unsigned fs_key_slot(const char *key, size_t len);

static fs_defs *parse(const char *yaml, ap_error *err)
{
    fs_defs *d = NULL;
    ap_status st = fs_defs_parse(yaml, strlen(yaml), "test.yaml", &d, err);
    if (st != AP_OK) assert_null(d);
    return d;
}

static void expect_error(const char *yaml, const char *fragment)
{
    ap_error err = {0};
    fs_defs *d = parse(yaml, &err);
    assert_null(d);
    assert_int_equal(err.code, AP_ERR_CONFIG);
    if (!strstr(err.msg, fragment)) fail_msg("'%s' does not contain '%s'", err.msg, fragment);
}

static void test_defs_builtin_and_file(void **state)
{
    (void)state;
    ap_error err = {0};
    fs_defs *d = parse(fs_builtin_defs, &err);
    assert_non_null(d);
    assert_true(d->nentities >= 2);
    assert_string_equal(d->entities[0].join_key, "document_id");
    long v = fs_defs_view(d, "document_ocr");
    assert_true(v >= 0);
    assert_int_equal(d->views[v].ttl_s, 2592000);
    assert_int_equal(d->views[v].features[fs_defs_feature(&d->views[v], "word_count")].type,
                     FS_INT);
    size_t rv, rf;
    assert_int_equal(fs_defs_resolve(d, "layout_score", &rv, &rf, &err), AP_OK);
    assert_string_equal(d->views[rv].name, "document_layout");
    assert_int_equal(fs_defs_resolve(d, "document_ocr:model_version", &rv, &rf, &err), AP_OK);
    assert_int_equal(fs_defs_resolve(d, "nope", &rv, &rf, &err), AP_ERR_NOT_FOUND);
    assert_int_equal(fs_defs_resolve(d, "nope:x", &rv, &rf, &err), AP_ERR_NOT_FOUND);

    char path[1024];
    const char *src = getenv("AIPIPE_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/configs/feature_store.yaml", src ? src : ".");
    fs_defs *f = NULL;
    assert_int_equal(fs_defs_load(path, &f, &err), AP_OK);
    assert_int_equal(f->nviews, d->nviews);
    for (size_t i = 0; i < d->nviews; i++) {
        assert_string_equal(f->views[i].name, d->views[i].name);
        assert_int_equal(f->views[i].nfeatures, d->views[i].nfeatures);
    }
    fs_defs_free(f);
    fs_defs_free(d);
    assert_int_equal(fs_defs_load("/nonexistent/fs.yaml", &f, &err), AP_ERR_IO);
}

#define ENT "entities:\n  - {name: doc, join_key: doc_id}\n"

static void test_defs_errors(void **state)
{
    (void)state;
    expect_error("entities: [\n", "test.yaml: line");
    expect_error("[]", "(top level)");
    expect_error(ENT
                 "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: int}]}\n"
                 "colour: blue\n",
                 "unknown key 'colour'");
    expect_error("feature_views: []\n", "entities");
    expect_error(ENT
                 "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: flot}]}\n",
                 "feature_views[0].features[0].type");
    expect_error(
        ENT "feature_views:\n  - {name: v, entity: teacher, features: [{name: a, type: int}]}\n",
        "unknown entity 'teacher'");
    expect_error(
        ENT
        "feature_views:\n  - {name: v, entity: doc, ttl_s: -5, features: [{name: a, type: int}]}\n",
        "feature_views[0].ttl_s");
    expect_error(
        ENT
        "feature_views:\n  - {name: v, entity: doc, ttl_s: 1h, features: [{name: a, type: int}]}\n",
        "feature_views[0].ttl_s");
    expect_error(
        ENT "feature_views:\n  - {name: Bad-Name, entity: doc, features: [{name: a, type: int}]}\n",
        "feature_views[0].name");
    expect_error(ENT "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: int}, "
                     "{name: a, type: float}]}\n",
                 "duplicate feature name 'a'");
    expect_error(ENT
                 "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: int}]}\n"
                 "  - {name: v, entity: doc, features: [{name: b, type: int}]}\n",
                 "duplicate feature view name 'v'");
    expect_error(ENT "feature_views:\n  - {name: v, entity: doc}\n", "feature_views[0].features");
    expect_error(ENT "feature_views:\n  - {name: v, entity: doc, features: [{type: int}]}\n",
                 "feature_views[0].features[0].name");
    expect_error("entities:\n  - {name: doc, join_key: id}\n  - {name: doc2, join_key: id}\n"
                 "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: int}]}\n",
                 "join_key 'id' is already used");

    /* Ambiguous bare names must be qualified. */
    ap_error err = {0};
    fs_defs *d =
        parse(ENT "feature_views:\n  - {name: v, entity: doc, features: [{name: a, type: int}]}\n"
                  "  - {name: w, entity: doc, features: [{name: a, type: int}]}\n",
              &err);
    assert_non_null(d);
    size_t rv, rf;
    assert_int_equal(fs_defs_resolve(d, "a", &rv, &rf, &err), AP_ERR_INVALID);
    assert_non_null(strstr(err.msg, "view:feature"));
    assert_int_equal(fs_defs_resolve(d, "w:a", &rv, &rf, &err), AP_OK);
    assert_int_equal(rv, 1);
    fs_defs_free(d);
}

static void test_crc16_and_slots(void **state)
{
    (void)state;
    /* The vector of the Redis Cluster specification (CRC16 XMODEM). */
    assert_int_equal(fs_crc16("123456789", 9), 0x31C3);
    /* Slots as `redis-cli CLUSTER KEYSLOT` reports them. */
    assert_int_equal(fs_key_slot("foo", 3), 12182);
    assert_int_equal(fs_key_slot("bar", 3), 5061);
    assert_int_equal(fs_key_slot("hello", 5), 866);
    assert_int_equal(fs_key_slot("", 0), 0);
    /* Hash tags. */
    const char *a = "{user1000}.following", *b = "{user1000}.followers";
    assert_int_equal(fs_key_slot(a, strlen(a)), fs_key_slot(b, strlen(b)));
    assert_int_equal(fs_key_slot(a, strlen(a)), fs_key_slot("user1000", 8));
    const char *empty_tag = "foo{}{bar}"; /* an empty tag: the whole key is hashed */
    assert_int_equal(fs_key_slot(empty_tag, strlen(empty_tag)), fs_crc16(empty_tag, 10) & 16383);
    const char *nested = "foo{{bar}}zap"; /* the tag is "{bar" */
    assert_int_equal(fs_key_slot(nested, strlen(nested)), fs_crc16("{bar", 4) & 16383);
    const char *two = "foo{bar}{zap}";
    assert_int_equal(fs_key_slot(two, strlen(two)), fs_key_slot("bar", 3));
    const char *open_only = "foo{bar";
    assert_int_equal(fs_key_slot(open_only, 7), fs_crc16(open_only, 7) & 16383);
    /* Every view of one entity shares a slot (the store's key layout). */
    const char *k1 = "fs:{document:doc-42}:document_ocr",
               *k2 = "fs:{document:doc-42}:document_layout";
    assert_int_equal(fs_key_slot(k1, strlen(k1)), fs_key_slot(k2, strlen(k2)));
}

typedef struct fixture {
    char dir[64], path[96];
    fs_defs *defs;
} fixture;

static int setup_store(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/aipipe-fs-unit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/sub/f.aof", f->dir);
    ap_error err = {0};
    f->defs = parse(ENT "feature_views:\n"
                        "  - {name: v, entity: doc, ttl_s: 60, features: [{name: a, type: int}, "
                        "{name: s, type: string}, {name: x, type: float}, {name: b, type: bool}]}\n"
                        "  - {name: forever, entity: doc, features: [{name: n, type: int}]}\n",
                    &err);
    assert_non_null(f->defs);
    *state = f;
    return 0;
}

static int teardown_store(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    fs_defs_free(f->defs);
    free(f);
    return 0;
}

static fs_store *open_store(fixture *f, ap_status expect)
{
    fs_options o = {.type = "embedded", .defs = f->defs, .path = f->path};
    fs_store *s = NULL;
    ap_error err = {0};
    ap_status st = fs_store_open(&o, &s, &err);
    if (st != expect) fail_msg("open: %s", err.msg);
    return s;
}

static void write_json(fs_store *s, size_t view, const char *id, const char *json, int64_t ms)
{
    json_t *obj = json_loads(json, 0, NULL);
    ap_error err = {0};
    if (fs_write(s, view, id, obj, ms, &err) != AP_OK) fail_msg("write: %s", err.msg);
    json_decref(obj);
}

static void test_embedded_ttl_and_reopen(void **state)
{
    fixture *f = *state;
    fs_store *s = open_store(f, AP_OK);
    int64_t now = fs_now_ms();
    write_json(s, 0, "d1", "{\"a\": 7, \"s\": \"x y\", \"x\": 0.5, \"b\": true}", now);
    write_json(s, 0, "old", "{\"a\": 1}", now - 61000);    /* past the 60 s TTL */
    write_json(s, 1, "old", "{\"n\": 3}", now - 86400000); /* no TTL: never expires */
    write_json(s, 0, "d1", "{\"a\": 8}", now);             /* an update of one feature */

    ap_error err = {0};
    json_t *bad = json_pack("{s:s}", "a", "seven");
    assert_int_equal(fs_write(s, 0, "d1", bad, now, &err), AP_ERR_INVALID);
    json_decref(bad);
    bad = json_pack("{s:i}", "zzz", 1);
    assert_int_equal(fs_write(s, 0, "d1", bad, now, &err), AP_ERR_NOT_FOUND);
    assert_int_equal(fs_write(s, 0, "bad id", bad, now, &err), AP_ERR_INVALID);
    json_decref(bad);

    for (int round = 0; round < 2; round++) {
        const char *ids[] = {"d1", "old", "nobody"};
        fs_ref refs[] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}};
        fs_value out[12];
        assert_int_equal(fs_read(s, 3, ids, 4, refs, out, &err), AP_OK);
        assert_int_equal(out[0].status, FS_PRESENT);
        assert_int_equal(json_integer_value(out[0].value), 8);
        assert_int_equal(out[0].event_ms, now);
        assert_string_equal(json_string_value(out[1].value), "x y");
        assert_true(json_real_value(out[2].value) == 0.5);
        assert_true(json_is_true(out[3].value));
        assert_int_equal(out[4].status, FS_EXPIRED); /* expired reads as absent */
        assert_null(out[4].value);
        assert_int_equal(out[5].status, FS_NOT_FOUND);
        for (int i = 8; i < 12; i++)
            assert_int_equal(out[i].status, FS_NOT_FOUND);
        fs_values_free(out, 12);
        fs_ref forever[] = {{1, 0}};
        assert_int_equal(fs_read(s, 1, ids + 1, 1, forever, out, &err), AP_OK);
        assert_int_equal(out[0].status, FS_PRESENT);
        fs_values_free(out, 1);
        /* A second process (here: a second open) may not share the file. */
        assert_null(open_store(f, AP_ERR_IO));
        fs_store_close(s);
        s = open_store(f, AP_OK); /* the second round reads what the file kept */
    }
    fs_store_close(s);
}

static void test_embedded_damaged_file(void **state)
{
    fixture *f = *state;
    fs_store *s = open_store(f, AP_OK);
    write_json(s, 0, "d1", "{\"a\": 1}", fs_now_ms());
    write_json(s, 0, "d2", "{\"a\": 2}", fs_now_ms());
    fs_store_close(s);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    off_t whole = sb.st_size;

    /* A record cut short at the end (a crash mid-write): dropped, the rest kept. */
    int fd = open(f->path, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, "\x40\x00\x00\x00\x12\x34", 6), 6);
    close(fd);
    s = open_store(f, AP_OK);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_size, whole);
    const char *ids[] = {"d1", "d2"};
    fs_ref ref = {0, 0};
    fs_value out[2];
    ap_error err = {0};
    assert_int_equal(fs_read(s, 2, ids, 1, &ref, out, &err), AP_OK);
    assert_int_equal(json_integer_value(out[1].value), 2);
    fs_values_free(out, 2);
    fs_store_close(s);

    /* A flipped byte inside a record: refused, naming the offset. */
    fd = open(f->path, O_RDWR);
    assert_int_equal(pwrite(fd, "Z", 1, whole - 3), 1);
    close(fd);
    fs_options o = {.type = "embedded", .defs = f->defs, .path = f->path};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_IO);
    assert_non_null(strstr(err.msg, "checksum"));

    /* Not a store file at all. */
    fd = open(f->path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "hello world\n", 12), 12);
    close(fd);
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_IO);
    assert_non_null(strstr(err.msg, "bad header"));
}

static void test_embedded_compaction(void **state)
{
    fixture *f = *state;
    fs_store *s = open_store(f, AP_OK);
    char json[300];
    /* ~3 MB of overwrites of 10 keys: the file must stay near the live size. */
    for (int i = 0; i < 12000; i++) {
        snprintf(json, sizeof json, "{\"a\": %d, \"s\": \"%0200d\"}", i, i);
        char id[16];
        snprintf(id, sizeof id, "k%d", i % 10);
        write_json(s, 0, id, json, fs_now_ms());
    }
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true(sb.st_size < 3 * (1 << 20));
    fs_store_close(s);
    s = open_store(f, AP_OK);
    const char *ids[] = {"k9"};
    fs_ref ref = {0, 0};
    fs_value out[1];
    ap_error err = {0};
    assert_int_equal(fs_read(s, 1, ids, 1, &ref, out, &err), AP_OK);
    assert_int_equal(json_integer_value(out[0].value), 11999);
    fs_values_free(out, 1);
    fs_store_close(s);
}

static void test_store_options(void **state)
{
    fixture *f = *state;
    fs_store *s = NULL;
    ap_error err = {0};
    fs_options o = {.type = "memcached", .defs = f->defs};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    o = (fs_options){.type = "sentinel", .defs = f->defs, .master_name = "m"};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "REDIS_SENTINELS"));
    o.sentinels = "127.0.0.1:26379,nonsense";
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "'nonsense'"));
    o = (fs_options){.type = "cluster", .defs = f->defs, .cluster_nodes = ""};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    /* Redis stores connect lazily: a closed port is not an open error, but health says so. */
    o = (fs_options){.type = "redis", .defs = f->defs, .host = "127.0.0.1", .port = 1};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_OK);
    assert_int_equal(fs_health(s, &err), AP_ERR_UNAVAILABLE);
    json_t *obj = json_pack("{s:i}", "a", 1);
    assert_int_equal(fs_write(s, 0, "d1", obj, fs_now_ms(), &err), AP_ERR_UNAVAILABLE);
    json_decref(obj);
    fs_store_close(s);
}

/* The host:port lists of the sentinel and cluster stores (one parser serves both): a bad
 * item and one too many are named with the setting and its variable; empty items are
 * skipped; a cluster host must fit the cluster's node table. */
static void test_store_host_lists(void **state)
{
    fixture *f = *state;
    fs_store *s = NULL;
    ap_error err = {0};
    fs_options o = {.type = "cluster", .defs = f->defs, .cluster_nodes = "127.0.0.1:7000,oops"};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "REDIS_CLUSTER_NODES"));
    assert_non_null(strstr(err.msg, "'oops' is not host:port"));
    char list[4096];
    snprintf(list, sizeof list, "%080d:7000", 0); /* an 80-character host */
    o.cluster_nodes = list;
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    o.cluster_nodes = ",127.0.0.1:7000,,127.0.0.1:7001,";
    assert_int_equal(fs_store_open(&o, &s, &err), AP_OK);
    fs_store_close(s);
    s = NULL;
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s127.0.0.1:%d", i ? "," : "", 7000 + i);
    o.cluster_nodes = list;
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "feature_store.cluster_nodes: too long a list"));
    o = (fs_options){.type = "sentinel", .defs = f->defs, .master_name = "m", .sentinels = list};
    assert_int_equal(fs_store_open(&o, &s, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "feature_store.sentinels: too long a list"));
    o.sentinels = "127.0.0.1:26379,,127.0.0.1:26380";
    assert_int_equal(fs_store_open(&o, &s, &err), AP_OK);
    fs_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defs_builtin_and_file),
        cmocka_unit_test(test_defs_errors),
        cmocka_unit_test(test_crc16_and_slots),
        cmocka_unit_test_setup_teardown(test_embedded_ttl_and_reopen, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_embedded_damaged_file, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_embedded_compaction, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_store_options, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_store_host_lists, setup_store, teardown_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
