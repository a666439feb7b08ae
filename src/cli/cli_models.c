/* aipipe models: the model registry from the command line (MLFLOW_TRACKING_URI) and the
 * inference service's deploys (--serve-url, AIPIPE_SERVE_URL).
 *
 *   list | get NAME | register NAME DIR [--tag K=V]... [--run-id ID] [--artifact-store URI]
 *   transition NAME VERSION STAGE [--archive-existing]
 *   deploy NAME VERSION [--validate] [--serve-url URL] | rollback NAME [--serve-url URL]
 *
 * register writes DIR/checksums.sha256, uploads DIR (to --artifact-store, else through the
 * registry's artifact proxy, else it registers DIR itself as a file:// source, which
 * only works where the registry's clients share this file system), creates the
 * registered model when it is new, and creates the version. Exit: 0, 1 failure, 2 usage. */
#include <curl/curl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "registry/artifact.h"
#include "registry/client.h"

#define MAX_TAGS 32

static void usage(FILE *out)
{
    fprintf(out, "usage: aipipe models list\n"
                 "       aipipe models get NAME\n"
                 "       aipipe models register NAME DIR [--tag KEY=VALUE]... [--run-id ID]\n"
                 "                                       [--artifact-store URI]\n"
                 "       aipipe models transition NAME VERSION STAGE [--archive-existing]\n"
                 "       aipipe models deploy NAME VERSION [--validate] [--serve-url URL]\n"
                 "       aipipe models rollback NAME [--serve-url URL]\n\n"
                 "Talks to the model registry at MLFLOW_TRACKING_URI (MLflow REST API) and, for\n"
                 "deploy and rollback, to the inference service at --serve-url (default\n"
                 "AIPIPE_SERVE_URL, else http://127.0.0.1:8000). STAGE is None, Staging,\n"
                 "Production or Archived. A model directory for the Tesseract engine holds a\n"
                 "LANG.traineddata; tag engine=NAME chooses another engine.\n\n"
                 "register flags:\n"
                 "  --tag KEY=VALUE       a version tag (repeatable), e.g. engine=tesseract\n"
                 "  --run-id ID           the training run the model came from\n"
                 "  --artifact-store URI  upload to this store (directory or s3://bucket/prefix)\n"
                 "                        instead of the registry's artifact proxy\n");
}

static const char *serve_url(const char *flag)
{
    if (flag) return flag;
    const char *e = getenv("AIPIPE_SERVE_URL");
    return e && *e ? e : "http://127.0.0.1:8000";
}

static void print_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_list(regc_client *c)
{
    json_t *r = NULL;
    ap_error err = {0};
    if (regc_call(c, "GET", "registered-models/search", "max_results=1000", NULL, &r, &err)) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    printf("%-32s %-8s %s\n", "NAME", "LATEST", "STAGES");
    size_t i, j;
    json_t *m, *mv;
    json_array_foreach(json_object_get(r, "registered_models"), i, m)
    {
        char stages[512] = "";
        long long latest = 0;
        json_array_foreach(json_object_get(m, "latest_versions"), j, mv)
        {
            regc_version v;
            if (regc_version_from_json(mv, &v, NULL) != AP_OK) continue;
            long long n = strtoll(v.version, NULL, 10);
            if (n > latest) latest = n;
            size_t len = strlen(stages);
            snprintf(stages + len, sizeof stages - len, "%s%s=%s", len ? " " : "", v.stage,
                     v.version);
            regc_version_free(&v);
        }
        printf("%-32s %-8lld %s\n", json_string_value(json_object_get(m, "name")), latest, stages);
    }
    json_decref(r);
    return 0;
}

static int cmd_get(regc_client *c, const char *name)
{
    json_t *versions = NULL;
    ap_error err = {0};
    if (regc_list_versions(c, name, &versions, &err) != AP_OK) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    if (json_array_size(versions) == 0) {
        fprintf(stderr, "aipipe models: model '%s' has no versions\n", name);
        json_decref(versions);
        return 1;
    }
    printf("%-8s %-11s %-8s %-20s %s\n", "VERSION", "STAGE", "STATUS", "CREATED", "SOURCE");
    size_t i;
    json_t *mv;
    json_array_foreach(versions, i, mv)
    {
        regc_version v;
        if (regc_version_from_json(mv, &v, NULL) != AP_OK) continue;
        char when[32];
        print_time(v.created_ms, when, sizeof when);
        printf("%-8s %-11s %-8s %-20s %s\n", v.version, v.stage, v.status, when, v.source);
        regc_version_free(&v);
    }
    json_decref(versions);
    return 0;
}

/* Uploads every file below dir to key prefix (through store, or the proxy when NULL). */
static ap_status upload_dir(regc_client *c, art_store *store, const char *dir, const char *rel,
                            const char *prefix, int depth, ap_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return ap_fail(err, AP_ERR_IO, "%s: cannot open", path);
    ap_status st = AP_OK;
    struct dirent *de;
    while (st == AP_OK && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char sub[PATH_MAX], full[PATH_MAX * 2], key[PATH_MAX * 2];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        snprintf(key, sizeof key, "%s/%s", prefix, sub);
        struct stat sb;
        if (lstat(full, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode) && depth < 16)
            st = upload_dir(c, store, dir, sub, prefix, depth + 1, err);
        else if (S_ISREG(sb.st_mode))
            st = store ? art_put_file(store, key, full, err)
                       : regc_upload_artifact(c, key, full, err);
    }
    closedir(d);
    return st;
}

static int cmd_register(regc_client *c, int argc, char **argv)
{
    const char *name = NULL, *dir = NULL, *run_id = NULL, *store_uri = NULL;
    const char *tags[MAX_TAGS];
    size_t ntags = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) {
            if (ntags == MAX_TAGS || !strchr(argv[i + 1], '='))
                return cli_die_usage("models", "--tag takes KEY=VALUE (at most %d)", MAX_TAGS);
            tags[ntags++] = argv[++i];
        } else if (strcmp(argv[i], "--run-id") == 0 && i + 1 < argc) {
            run_id = argv[++i];
        } else if (strcmp(argv[i], "--artifact-store") == 0 && i + 1 < argc) {
            store_uri = argv[++i];
        } else if (argv[i][0] == '-') {
            return cli_die_usage("models", "unknown flag '%s'", argv[i]);
        } else if (!name) {
            name = argv[i];
        } else if (!dir) {
            dir = argv[i];
        } else {
            return cli_die_usage("models", "register takes NAME and DIR");
        }
    }
    if (!dir) return cli_die_usage("models", "register needs NAME and DIR");
    char absdir[PATH_MAX], source[PATH_MAX + 600], prefix[600], uuid[40];
    if (!realpath(dir, absdir)) {
        fprintf(stderr, "aipipe models: %s: no such directory\n", dir);
        return 1;
    }
    ap_error err = {0};
    if (regc_write_checksums(absdir, &err) != AP_OK) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    /* a fresh location per version: artifacts are never overwritten in place */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(uuid, sizeof uuid, "%lx%08lx", (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec);
    art_store *store = NULL;
    ap_status st;
    if (store_uri) {
        art_options o = {.create = true};
        snprintf(prefix, sizeof prefix, "%s/%s", name, uuid);
        st = art_open(store_uri, &o, &store, &err);
        if (st == AP_OK) st = upload_dir(c, store, absdir, "", prefix, 0, &err);
        snprintf(source, sizeof source, "%s/%s", store ? art_uri(store) : "", prefix);
    } else {
        snprintf(prefix, sizeof prefix, "models/%s/%s", name, uuid);
        st = upload_dir(c, NULL, absdir, "", prefix, 0, &err);
        snprintf(source, sizeof source, "mlflow-artifacts:/%s", prefix);
        if (st == AP_ERR_NOT_FOUND || st == AP_ERR_METHOD) {
            /* no artifact proxy on this server: register the directory where it is */
            fprintf(stderr,
                    "aipipe models: the registry does not proxy artifacts; "
                    "registering file://%s\n",
                    absdir);
            snprintf(source, sizeof source, "file://%s", absdir);
            st = AP_OK;
        }
    }
    art_close(store);
    if (st != AP_OK) {
        fprintf(stderr, "aipipe models: upload: %s\n", err.msg);
        return 1;
    }
    json_t *r = NULL;
    json_t *body = json_pack("{s:s}", "name", name);
    st = regc_call(c, "POST", "registered-models/create", NULL, body, &r, &err);
    json_decref(body);
    json_decref(r);
    if (st != AP_OK && st != AP_ERR_CONFLICT) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    json_t *jtags = json_array();
    for (size_t i = 0; i < ntags; i++) {
        const char *eq = strchr(tags[i], '=');
        json_array_append_new(jtags, json_pack("{s:s%,s:s}", "key", tags[i], (size_t)(eq - tags[i]),
                                               "value", eq + 1));
    }
    body = json_pack("{s:s,s:s,s:o}", "name", name, "source", source, "tags", jtags);
    if (run_id) json_object_set_new(body, "run_id", json_string(run_id));
    st = regc_call(c, "POST", "model-versions/create", NULL, body, &r, &err);
    json_decref(body);
    regc_version v = {0};
    if (st == AP_OK) st = regc_version_from_json(json_object_get(r, "model_version"), &v, &err);
    json_decref(r);
    if (st != AP_OK) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    printf("registered %s version %s (source %s)\n", v.name, v.version, source);
    regc_version_free(&v);
    return 0;
}

static int cmd_transition(regc_client *c, int argc, char **argv)
{
    const char *pos[3] = {0};
    int npos = 0;
    bool archive = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--archive-existing") == 0)
            archive = true;
        else if (argv[i][0] == '-' || npos == 3)
            return cli_die_usage("models", "transition takes NAME VERSION STAGE");
        else
            pos[npos++] = argv[i];
    }
    if (npos != 3) return cli_die_usage("models", "transition takes NAME VERSION STAGE");
    json_t *body = json_pack("{s:s,s:s,s:s,s:b}", "name", pos[0], "version", pos[1], "stage",
                             pos[2], "archive_existing_versions", archive);
    json_t *r = NULL;
    ap_error err = {0};
    ap_status st = regc_call(c, "POST", "model-versions/transition-stage", NULL, body, &r, &err);
    json_decref(body);
    json_decref(r);
    if (st != AP_OK) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        return 1;
    }
    printf("%s version %s is now in %s\n", pos[0], pos[1], pos[2]);
    return 0;
}

static int deploy(regc_client *c, const char *url, const char *name, const char *version,
                  bool validate)
{
    char full[2048];
    snprintf(full, sizeof full, "%s/models/%s/deploy", url, name);
    json_t *body = json_pack("{s:s,s:b}", "version", version, "validate", validate);
    json_t *r = NULL;
    ap_error err = {0};
    ap_status st = regc_http_json(c, "POST", full, body, &r, &err);
    json_decref(body);
    if (st != AP_OK) {
        fprintf(stderr, "aipipe models: deploy: %s\n", err.msg);
        return 1;
    }
    char *text = json_dumps(r, JSON_INDENT(2));
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(r);
    return 0;
}

static int cmd_deploy(regc_client *c, int argc, char **argv, bool rollback)
{
    const char *pos[2] = {0}, *url = NULL;
    int npos = 0, want = rollback ? 1 : 2;
    bool validate = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--validate") == 0 && !rollback)
            validate = true;
        else if (strcmp(argv[i], "--serve-url") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (argv[i][0] == '-' || npos == want)
            return cli_die_usage("models", "unexpected argument '%s'", argv[i]);
        else
            pos[npos++] = argv[i];
    }
    if (npos != want)
        return cli_die_usage("models",
                             rollback ? "rollback takes NAME" : "deploy takes NAME VERSION");
    url = serve_url(url);
    if (!rollback) return deploy(c, url, pos[0], pos[1], validate);
    char full[2048];
    snprintf(full, sizeof full, "%s/models/%s", url, pos[0]);
    json_t *r = NULL;
    ap_error err = {0};
    if (regc_http_json(c, "GET", full, NULL, &r, &err) != AP_OK) {
        fprintf(stderr, "aipipe models: rollback: %s\n", err.msg);
        return 1;
    }
    const char *prev = json_string_value(json_object_get(r, "previous_version"));
    char version[32] = "";
    if (prev) snprintf(version, sizeof version, "%s", prev);
    json_decref(r);
    if (!*version) {
        fprintf(stderr, "aipipe models: rollback: %s has no previous version on %s\n", pos[0], url);
        return 1;
    }
    return deploy(c, url, pos[0], version, false);
}

int cli_models(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    const char *sub = argv[1];
    bool needs_registry = strcmp(sub, "deploy") != 0 && strcmp(sub, "rollback") != 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    regc_client *c = NULL;
    ap_error err = {0};
    /* deploy and rollback talk to the service only; the client is their HTTP handle */
    regc_options o = {.tracking_uri = needs_registry ? NULL : "http://unused", .timeout_s = 10};
    int rc;
    if (regc_open(&o, &c, &err) != AP_OK) {
        fprintf(stderr, "aipipe models: %s\n", err.msg);
        rc = 2;
    } else if (strcmp(sub, "list") == 0 && argc == 2) {
        rc = cmd_list(c);
    } else if (strcmp(sub, "get") == 0 && argc == 3) {
        rc = cmd_get(c, argv[2]);
    } else if (strcmp(sub, "register") == 0) {
        rc = cmd_register(c, argc - 1, argv + 1);
    } else if (strcmp(sub, "transition") == 0) {
        rc = cmd_transition(c, argc - 1, argv + 1);
    } else if (strcmp(sub, "deploy") == 0 || strcmp(sub, "rollback") == 0) {
        rc = cmd_deploy(c, argc - 1, argv + 1, strcmp(sub, "rollback") == 0);
    } else {
        rc = cli_die_usage("models", "unknown subcommand or arguments: '%s'", sub);
    }
    regc_close(c);
    curl_global_cleanup();
    return rc;
}
