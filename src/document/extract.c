/* extract: entry points of timetable extraction (see extract.h). Placeholder until the
 * raster path lands: it reports that nothing is read yet. */
#include "document/extract.h"

ap_status tt_extract_file_opts(const char *path, const tt_extract_options *opts, tt_doc *out,
                               ap_error *err)
{
    (void)opts;
    (void)out;
    return ap_fail(err, AP_ERR_UNSUPPORTED, "%s: extraction not implemented yet", path);
}

ap_status tt_extract_file(const char *path, tt_doc *out, ap_error *err)
{
    return tt_extract_file_opts(path, NULL, out, err);
}

ap_status tt_extract_image(PIX *pix, const tt_extract_options *opts, tt_doc *out,
                           ap_error *err)
{
    (void)pix;
    (void)opts;
    (void)out;
    return ap_fail(err, AP_ERR_UNSUPPORTED, "extraction not implemented yet");
}
