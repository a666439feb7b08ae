/* safetensors: reading and writing the safetensors format (float32 tensors only).
 *
 * A file is: 8 bytes little-endian header length N, N bytes of JSON, then the raw data.
 * The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
 * (offsets relative to the data) and may hold "__metadata__", an object of strings (the
 * model card lives there). Files are written with their header padded by spaces to a
 * multiple of 8 and replaced atomically (temporary file, fsync, rename), so a reader never
 * sees a half-written checkpoint even after kill -9.
 *
 * Reading trusts nothing: the header length is bounded by the file and NN_ST_MAX_HEADER,
 * the JSON must be an object of well-formed entries, dtypes must be F32, shapes must have
 * at most NN_ST_MAX_DIMS non-negative dimensions whose product (checked for overflow) times
 * 4 equals end - begin, offsets must lie inside the data and tensors may not overlap.
 * Anything else is AP_ERR_INVALID (or AP_ERR_UNSUPPORTED for another dtype), never a crash.
 * Tensor data is copied out with nn_st_copy(), which checks the shape the caller expects,
 * so that a file cannot hand the model a buffer of the wrong size. */
#ifndef AP_SAFETENSORS_H
#define AP_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define NN_ST_MAX_DIMS   8
#define NN_ST_MAX_HEADER (64u << 20) /* bytes of JSON */
#define NN_ST_MAX_NAME   255

/* A tensor to write: name, data (borrowed), shape. */
typedef struct nn_st_entry {
    const char *name;
    const float *data;
    int ndim;
    int64_t shape[NN_ST_MAX_DIMS];
} nn_st_entry;

/* Writes the n tensors and the metadata (meta_keys[i] -> meta_values[i], nmeta pairs) to
 * path atomically. AP_ERR_IO when the file cannot be written; AP_ERR_INVALID for a bad
 * entry (empty or over-long name, negative dimension). */
ap_status nn_st_write(const char *path, const nn_st_entry *t, size_t n,
                      const char *const *meta_keys, const char *const *meta_values, size_t nmeta,
                      ap_error *err);

typedef struct nn_st_file nn_st_file;

/* Parses a safetensors image; takes ownership of buf (malloc'ed) in every case. On AP_OK
 * *out is the parsed file (free with nn_st_free). */
ap_status nn_st_parse(unsigned char *buf, size_t len, nn_st_file **out, ap_error *err);
/* Reads and parses a file of at most max_bytes. AP_ERR_NOT_FOUND/AP_ERR_IO/AP_ERR_TOO_LARGE
 * from reading, then as nn_st_parse. */
ap_status nn_st_read(const char *path, size_t max_bytes, nn_st_file **out, ap_error *err);
void nn_st_free(nn_st_file *f);

/* Number of tensors, and the name and shape of tensor i (borrowed from f). */
size_t nn_st_count(const nn_st_file *f);
const char *nn_st_name(const nn_st_file *f, size_t i, int *ndim, const int64_t **shape);
/* A metadata string (borrowed), or NULL when absent. */
const char *nn_st_meta(const nn_st_file *f, const char *key);

/* Copies tensor name into dst (which holds the product of shape) after checking that the
 * file's shape is exactly shape[0..ndim). AP_ERR_NOT_FOUND: no such tensor;
 * AP_ERR_INVALID: another shape. */
ap_status nn_st_copy(const nn_st_file *f, const char *name, float *dst, int ndim,
                     const int64_t *shape, ap_error *err);

#endif
