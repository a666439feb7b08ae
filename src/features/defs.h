/* defs: the feature store's definitions (configs/feature_store.yaml), in the spirit of a
 * Feast repository: entities (what features describe, and the key that names one) and
 * feature views (a named group of typed features of one entity, with a time to live).
 *
 * fs_defs_load() reads and validates the whole file at start-up; every error names the
 * file and the key path ("feature_views[1].features[0].type: ...") so a typo never
 * silently falls back to something else. After loading, the definitions are immutable
 * and may be shared by every thread. */
#ifndef AP_FS_DEFS_H
#define AP_FS_DEFS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define FS_MAX_NAME     64 /* entity, view and feature names: [a-z0-9_], 1..64 bytes */
#define FS_MAX_ENTITIES 64
#define FS_MAX_VIEWS    256
#define FS_MAX_FEATURES 256 /* per view */
#define FS_MAX_TTL_S    (10L * 366 * 86400)

typedef enum fs_type { FS_INT, FS_FLOAT, FS_STRING, FS_BOOL } fs_type;

typedef struct fs_entity {
    char name[FS_MAX_NAME + 1];
    char join_key[FS_MAX_NAME + 1]; /* the entity key of requests, e.g. "document_id" */
    char *description;              /* owned, may be "" */
} fs_entity;

typedef struct fs_feature {
    char name[FS_MAX_NAME + 1];
    fs_type type;
} fs_feature;

typedef struct fs_view {
    char name[FS_MAX_NAME + 1];
    size_t entity;        /* index into fs_defs.entities */
    long ttl_s;           /* 0: values never expire */
    fs_feature *features; /* owned */
    size_t nfeatures;
} fs_view;

typedef struct fs_defs {
    fs_entity *entities;
    size_t nentities;
    fs_view *views;
    size_t nviews;
} fs_defs;

/* Reads path. On AP_OK *out holds the definitions (caller frees with fs_defs_free).
 * AP_ERR_IO: the file cannot be read; AP_ERR_CONFIG: it is not valid, err names the key. */
ap_status fs_defs_load(const char *path, fs_defs **out, ap_error *err);
/* The same from text in memory (the built-in definitions, tests); name is used in errors. */
ap_status fs_defs_parse(const char *text, size_t len, const char *name, fs_defs **out,
                        ap_error *err);
void fs_defs_free(fs_defs *d);

/* The definitions compiled into the binary (a copy of configs/feature_store.yaml). */
extern const char fs_builtin_defs[];

/* Lookups; -1 when absent. */
long fs_defs_entity(const fs_defs *d, const char *name);
long fs_defs_entity_by_key(const fs_defs *d, const char *join_key);
long fs_defs_view(const fs_defs *d, const char *name);
long fs_defs_feature(const fs_view *v, const char *name);

/* Resolves a feature reference: "view:feature" or a bare feature name that exactly one
 * view defines. On AP_OK *view and *feature are indexes. AP_ERR_NOT_FOUND: no such
 * feature; AP_ERR_INVALID: a bare name that several views define (err lists them). */
ap_status fs_defs_resolve(const fs_defs *d, const char *ref, size_t *view, size_t *feature,
                          ap_error *err);

const char *fs_type_str(fs_type t);
/* Checks that value fits type (an integer is accepted for a float). */
bool fs_type_accepts(fs_type t, const json_t *value);

#endif
