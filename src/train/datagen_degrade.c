/* datagen_degrade: turns a clean rendered page into a scan, a phone photo or a photo of a
 * screen. Leptonica does the geometry (rotation, projective warp), scaling, blur and
 * JPEG; noise, uneven light and the screen's moire are plain pixel loops here.
 *
 * Every choice comes from the caller's dg_rng, so a seed gives the same pixels. Each
 * function replaces *pix on success and leaves it untouched (still owned by the caller)
 * on failure. Only photometric and geometric changes: the text and its meaning never
 * change, so the gold stays exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/datagen_internal.h"

PIX *dg_pix_from_surface(cairo_surface_t *surface)
{
    cairo_surface_flush(surface);
    int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
    int stride = cairo_image_surface_get_stride(surface);
    const unsigned char *data = cairo_image_surface_get_data(surface);
    if (!data || w <= 0 || h <= 0) return NULL;
    PIX *pix = pixCreate(w, h, 32);
    if (!pix) return NULL;
    l_uint32 *dst = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    for (int y = 0; y < h; y++) {
        /* cairo's ARGB32 is native-endian 0xAARRGGBB, opaque here; Leptonica wants
         * 0xRRGGBB00. */
        const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        l_uint32 *line = dst + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++)
            line[x] = (src[x] & 0xffffffu) << 8;
    }
    return pix;
}

static inline int clamp255(double v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

/* Replaces *pix with next when next is not NULL; false when it is (the step failed). */
static bool take(PIX **pix, PIX *next)
{
    if (!next) return false;
    pixDestroy(pix);
    *pix = next;
    return true;
}

static void add_noise(PIX *pix, double sigma, dg_rng *rng)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    l_uint32 *data = pixGetData(pix);
    for (int y = 0; y < h; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) {
            /* One 64-bit draw gives four bytes; a sum of uniforms is near enough to
             * Gaussian for sensor noise and costs no log/sqrt per pixel. */
            uint64_t r = dg_rng_next(rng);
            double n =
                ((double)(r & 255) + (double)((r >> 8) & 255) + (double)((r >> 16) & 255) - 382.5) /
                128.0 * sigma;
            double cn = ((double)((r >> 24) & 255) - 127.5) / 128.0 * sigma * 0.3;
            l_uint32 v = line[x];
            int R = clamp255((v >> 24) + n + cn), G = clamp255(((v >> 16) & 255) + n),
                B = clamp255(((v >> 8) & 255) + n - cn);
            line[x] = ((l_uint32)R << 24) | ((l_uint32)G << 16) | ((l_uint32)B << 8);
        }
    }
}

/* Uneven light: a brightness ramp across the page and, sometimes, a soft shadow (a hand
 * or a phone) over one side. */
static void add_light(PIX *pix, dg_rng *rng, bool shadow)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    l_uint32 *data = pixGetData(pix);
    double ang = dg_rng_between(rng, 0, 2 * M_PI), amp = dg_rng_between(rng, 0.1, 0.3);
    double ca = cos(ang), sa = sin(ang);
    double sx = dg_rng_between(rng, 0, w), sy = dg_rng_between(rng, 0, h);
    double sr = dg_rng_between(rng, 0.25, 0.5) * (w > h ? w : h),
           sd = dg_rng_between(rng, 0.25, 0.45);
    uint32_t tint = dg_rng_chance(rng, 0.5) ? 0xfff4e0 : 0xf0f4ff;
    for (int y = 0; y < h; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) {
            double u = ((x - w / 2.0) * ca + (y - h / 2.0) * sa) / (w > h ? w : h);
            double f = 1.0 - amp * (u + 0.5);
            if (shadow) {
                double d = hypot(x - sx, y - sy) / sr;
                if (d < 1.0) f *= 1.0 - sd * (1.0 - d * d);
            }
            l_uint32 v = line[x];
            int R = clamp255((v >> 24) * f * ((tint >> 16) & 255) / 255.0);
            int G = clamp255(((v >> 16) & 255) * f * ((tint >> 8) & 255) / 255.0);
            int B = clamp255(((v >> 8) & 255) * f * (tint & 255) / 255.0);
            line[x] = ((l_uint32)R << 24) | ((l_uint32)G << 16) | ((l_uint32)B << 8);
        }
    }
}

/* A photographed screen: the subpixel grid beats against the camera's as moire bands,
 * and the screen's backlight lifts the blacks. */
static void add_screen(PIX *pix, dg_rng *rng)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    l_uint32 *data = pixGetData(pix);
    double fx = dg_rng_between(rng, 0.15, 0.45), fy = dg_rng_between(rng, 0.02, 0.2);
    double amp = dg_rng_between(rng, 0.06, 0.16), lift = dg_rng_between(rng, 15, 45);
    for (int y = 0; y < h; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) {
            double ph = x * fx + y * fy;
            l_uint32 v = line[x];
            int R = clamp255(lift + (v >> 24) * (1 - amp + amp * sin(ph)) * 0.85);
            int G = clamp255(lift + ((v >> 16) & 255) * (1 - amp + amp * sin(ph + 2.09)) * 0.85);
            int B =
                clamp255(lift * 1.2 + ((v >> 8) & 255) * (1 - amp + amp * sin(ph + 4.19)) * 0.88);
            line[x] = ((l_uint32)R << 24) | ((l_uint32)G << 16) | ((l_uint32)B << 8);
        }
    }
}

static PIX *jpeg_roundtrip(PIX *pix, int quality)
{
    l_uint8 *buf = NULL;
    size_t len = 0;
    PIX *out = NULL;
    if (pixWriteMemJpeg(&buf, &len, pix, quality, 0) == 0)
        out = pixReadMemJpeg(buf, len, 0, 1, NULL, 0);
    free(buf);
    return out;
}

/* A phone photo: the page's corners move independently (perspective), on a desk. */
static PIX *perspective(PIX *pix, dg_rng *rng, double amount)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    PTA *src = ptaCreate(4), *dst = ptaCreate(4);
    PIX *out = NULL;
    if (!src || !dst) goto out;
    double cx[4] = {0, w - 1.0, w - 1.0, 0}, cy[4] = {0, 0, h - 1.0, h - 1.0};
    for (int i = 0; i < 4; i++) {
        ptaAddPt(src, (l_float32)cx[i], (l_float32)cy[i]);
        /* Corners move inwards, so the whole page stays in the frame. */
        double dx = dg_rng_between(rng, 0, amount) * w * (i == 0 || i == 3 ? 1 : -1);
        double dy = dg_rng_between(rng, 0, amount) * h * (i < 2 ? 1 : -1);
        ptaAddPt(dst, (l_float32)(cx[i] + dx), (l_float32)(cy[i] + dy));
    }
    l_uint32 desk = dg_rng_chance(rng, 0.5) ? 0x6b5a4a00 : 0x40404800;
    out = pixProjectivePtaColor(pix, dst, src, desk);
out:
    ptaDestroy(&src);
    ptaDestroy(&dst);
    return out;
}

/* What a low-resolution capture does to pixels, drawn once and applied in this order:
 * shrink, blur, noise, JPEG. Pages and line crops share it, so a crop meets the damage its
 * page would. */
typedef struct {
    bool shrink, blur, noise, jpeg;
    double factor, sigma;
    int radius, quality;
} capture;

static capture capture_draw(dg_rng *rng, bool heavy)
{
    capture c;
    c.shrink = dg_rng_chance(rng, heavy ? 0.6 : 0.5);
    c.factor = heavy ? dg_rng_between(rng, 0.4, 0.75) : dg_rng_between(rng, 0.55, 0.9);
    c.blur = dg_rng_chance(rng, heavy ? 0.5 : 0.35);
    c.radius = heavy ? dg_rng_range(rng, 1, 2) : 1;
    c.noise = dg_rng_chance(rng, heavy ? 0.6 : 0.4);
    c.sigma = heavy ? dg_rng_between(rng, 6, 18) : dg_rng_between(rng, 3, 8);
    c.jpeg = dg_rng_chance(rng, heavy ? 0.6 : 0.4);
    c.quality = heavy ? dg_rng_range(rng, 20, 60) : dg_rng_range(rng, 50, 90);
    return c;
}

/* Applies c to *p (replaced); false when Leptonica runs out of memory. */
static bool capture_apply(PIX **p, const capture *c, dg_rng *rng)
{
    if (c->shrink && !take(p, pixScale(*p, (l_float32)c->factor, (l_float32)c->factor)))
        return false;
    int w = pixGetWidth(*p), h = pixGetHeight(*p);
    if (c->blur && w > 2 * c->radius + 2 && h > 2 * c->radius + 2 &&
        !take(p, pixBlockconv(*p, c->radius, c->radius)))
        return false;
    if (c->noise) {
        if (!take(p, pixCopy(NULL, *p))) return false;
        add_noise(*p, c->sigma, rng);
    }
    return !c->jpeg || take(p, jpeg_roundtrip(*p, c->quality));
}

ap_status dg_degrade_page(PIX **pix, dg_degrade level, dg_rng *rng, ap_error *err)
{
    if (level == DG_DEGRADE_NONE) return AP_OK;
    bool heavy = level == DG_DEGRADE_HEAVY;
    PIX *p = pixClone(*pix);
    if (!p) return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (degrade)");
    /* Draw every decision first, in a fixed order, so that adding a step later does not
     * reshuffle the others. */
    bool do_persp = heavy && dg_rng_chance(rng, 0.45);
    double persp = dg_rng_between(rng, 0.02, 0.08);
    bool do_rot = dg_rng_chance(rng, heavy ? 0.45 : 0.35);
    double angle = dg_rng_between(rng, -1, 1) * (heavy ? 4.0 : 1.5) * M_PI / 180;
    bool do_light = dg_rng_chance(rng, heavy ? 0.6 : 0.25),
         do_shadow = heavy && dg_rng_chance(rng, 0.5);
    bool do_screen = heavy && dg_rng_chance(rng, 0.2);
    capture cap = capture_draw(rng, heavy);

    if (do_persp && !take(&p, perspective(p, rng, persp))) goto fail;
    if (do_rot &&
        !take(&p, pixRotate(p, (l_float32)angle, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0)))
        goto fail;
    if (do_light || do_screen) {
        /* The loops below write in place: make sure p is not shared with the caller. */
        if (!take(&p, pixCopy(NULL, p))) goto fail;
        if (do_light) add_light(p, rng, do_shadow);
        if (do_screen) add_screen(p, rng);
    }
    if (!capture_apply(&p, &cap, rng)) goto fail;
    pixDestroy(pix);
    *pix = p;
    return AP_OK;
fail:
    pixDestroy(&p);
    return ap_fail(err, AP_ERR_PROCESSING, "datagen: a degradation step failed (out of memory?)");
}

/* A line crop gets its page's capture damage at the page's odds (no geometry or light),
 * then the page file's JPEG coding (jpeg > 0), all at the shrunk size: a one-pixel blur and
 * the 8x8 JPEG blocks act on letters a few pixels high, as the recogniser meets them on a
 * shrunk page. The crop is then scaled back to its own size, so its margins and the
 * manifest's size_px keep their meaning. */
ap_status dg_degrade_line(PIX **pix, dg_degrade level, int jpeg, dg_rng *rng, ap_error *err)
{
    capture cap = {0};
    if (level != DG_DEGRADE_NONE) cap = capture_draw(rng, level == DG_DEGRADE_HEAVY);
    int w = pixGetWidth(*pix), h = pixGetHeight(*pix);
    cap.shrink = cap.shrink && w > 8 && h > 8;
    if (!cap.shrink && !cap.blur && !cap.noise && !cap.jpeg && jpeg <= 0) return AP_OK;
    PIX *p = pixClone(*pix);
    if (!p || !capture_apply(&p, &cap, rng) || (jpeg > 0 && !take(&p, jpeg_roundtrip(p, jpeg))) ||
        (cap.shrink && !take(&p, pixScaleToSize(p, w, h)))) {
        pixDestroy(&p);
        return ap_fail(err, AP_ERR_PROCESSING, "datagen: a line degradation step failed");
    }
    pixDestroy(pix);
    *pix = p;
    return AP_OK;
}
