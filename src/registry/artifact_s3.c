/* artifact_s3: placeholder until the S3 backend lands. */
#include "registry/artifact.h"

ap_status art_s3_open(const char *location, const art_options *opts, void **impl,
                      char *uri_out, size_t uri_size, ap_error *err)
{
    (void)location;
    (void)opts;
    (void)uri_out;
    (void)uri_size;
    *impl = NULL;
    return ap_fail(err, AP_ERR_UNSUPPORTED, "the S3 artifact store is not built yet");
}

const art_ops art_s3_ops = {.scheme = "s3"};
