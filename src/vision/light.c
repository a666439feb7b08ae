/* light: uneven light measured and divided out (see light.h).
 *
 * The paper's brightness in a tile is a high percentile of its greys (text and rules
 * cover a few percent of a tile); a tile under a fill or a block of ink gives the fill's
 * grey instead. The fit is least squares of a plane over the tiles (a quadratic bent
 * into pages mostly covered by fills: 32 of 99 clean generated pages measured over 8%,
 * against none with the plane), repeated with the tiles clearly below the last fit left
 * out, so that fills, which are darker than the paper beside them, stop pulling the
 * surface down. The division maps the surface
 * to its brightest value, so the paper comes out as the best-lit paper was. */
#include "vision/light.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/linsolve.h"

#define TILES_ACROSS 24   /* tiles along the page's longer side */
#define TILE_MIN     12   /* pixels: a smaller page is not measured */
#define PAPER_RANK   0.9  /* the tile's brightness: this share of its pixels is darker */
#define FIT_ROUNDS   6    /* fits, each leaving out the tiles below the last */
#define BELOW_FIT    4.0  /* grey levels under the fit that mark a tile as no paper */
#define MIN_PAPER    0.25 /* share of tiles that must be paper for a fit */
#define NTERMS       3    /* 1, x, y: a plane */
#define SLOPE_SHARE  0.5  /* of the plane's rise the tile-to-tile steps must make */

typedef struct light_fit {
    double c[NTERMS]; /* coefficients over x, y scaled to [0, 1] */
    double lo, hi;    /* the surface's range over the page */
    int ok;
} light_fit;

static void terms(double x, double y, double *t)
{
    t[0] = 1, t[1] = x, t[2] = y;
}

static double surface(const light_fit *f, double x, double y)
{
    double t[NTERMS], v = 0;
    terms(x, y, t);
    for (int i = 0; i < NTERMS; i++)
        v += f->c[i] * t[i];
    return v;
}

/* The tile's PAPER_RANK percentile of grey. */
static double tile_paper(PIX *grey, int x0, int y0, int tw, int th)
{
    unsigned hist[256] = {0};
    int wpl = pixGetWpl(grey);
    const l_uint32 *data = pixGetData(grey);
    for (int y = y0; y < y0 + th; y++) {
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = x0; x < x0 + tw; x++)
            hist[GET_DATA_BYTE(line, x)]++;
    }
    unsigned below = (unsigned)((double)tw * th * PAPER_RANK), seen = 0;
    int v = 0;
    while (v < 255 && seen + hist[v] <= below)
        seen += hist[v++];
    return v;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The mean of the middle half of the steps between tiles (dx, dy) apart in the nx x ny
 * grid of tile values tv; HUGE_VAL when out of memory. */
static double typical_step(const double *tv, int nx, int ny, int dx, int dy)
{
    size_t n = 0;
    double *d = malloc((size_t)nx * (size_t)ny * sizeof *d), sum = 0;
    if (!d) return HUGE_VAL;
    for (int j = 0; j + dy < ny; j++)
        for (int i = 0; i + dx < nx; i++)
            d[n++] = tv[(j + dy) * nx + i + dx] - tv[j * nx + i];
    qsort(d, n, sizeof *d, by_value);
    size_t lo = n / 4, hi = n - n / 4;
    for (size_t k = lo; k < hi; k++)
        sum += d[k];
    free(d);
    return hi > lo ? sum / (double)(hi - lo) : 0;
}

static light_fit fit_light(PIX *grey)
{
    light_fit f;
    memset(&f, 0, sizeof f);
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int tile = (w > h ? w : h) / TILES_ACROSS;
    if (pixGetDepth(grey) != 8 || pixGetColormap(grey) || tile < TILE_MIN) return f;
    int nx = w / tile, ny = h / tile, n = nx * ny;
    if (nx < 3 || ny < 3) return f;
    double *tx = malloc((size_t)n * 3 * sizeof *tx);
    if (!tx) return f;
    double *ty = tx + n, *tv = ty + n;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            int k = j * nx + i;
            tx[k] = (i + 0.5) / nx;
            ty[k] = (j + 0.5) / ny;
            tv[k] = tile_paper(grey, i * tile, j * tile, tile, tile);
        }
    /* Light changes the paper a little from each tile to the next, everywhere; a page of
     * panels in several fills keeps one grey within each panel and steps at its edges,
     * which a plane through the panels would take for light. The typical step between
     * neighbouring tiles (the mean of the middle half of all steps, edges falling
     * outside it) is the light's slope; it must carry at least half the plane's. */
    double gx = typical_step(tv, nx, ny, 1, 0), gy = typical_step(tv, nx, ny, 0, 1);
    for (int round = 0; round < FIT_ROUNDS; round++) {
        double a[NTERMS * NTERMS] = {0}, b[NTERMS] = {0}, t[NTERMS];
        int used = 0;
        for (int k = 0; k < n; k++) {
            /* the first fit takes every tile; later ones the paper of the last */
            if (round && surface(&f, tx[k], ty[k]) - tv[k] > BELOW_FIT) continue;
            terms(tx[k], ty[k], t);
            for (int r = 0; r < NTERMS; r++) {
                for (int c = 0; c < NTERMS; c++)
                    a[r * NTERMS + c] += t[r] * t[c];
                b[r] += t[r] * tv[k];
            }
            used++;
        }
        if (used < n * MIN_PAPER || linsolve(NTERMS, a, b) != 0) {
            f.ok = 0;
            break;
        }
        memcpy(f.c, b, sizeof f.c);
        f.ok = 1;
    }
    free(tx);
    if (!f.ok || gx == HUGE_VAL || gy == HUGE_VAL) {
        f.ok = 0;
        return f;
    }
    double steps = fabs(gx) * (nx - 1) + fabs(gy) * (ny - 1);
    double planar = fabs(f.c[1]) * (nx - 1) / nx + fabs(f.c[2]) * (ny - 1) / ny;
    if (steps < SLOPE_SHARE * planar) {
        f.ok = 0;
        return f;
    }
    /* the surface's range: its extremes on a fine grid over the page */
    f.lo = 255, f.hi = 0;
    for (int j = 0; j <= 16; j++)
        for (int i = 0; i <= 16; i++) {
            double v = surface(&f, i / 16.0, j / 16.0);
            if (v < f.lo) f.lo = v;
            if (v > f.hi) f.hi = v;
        }
    /* a surface that reaches black is no light of paper */
    if (f.lo < 32 || f.hi > 300) f.ok = 0;
    return f;
}

float img_light_range(PIX *grey)
{
    if (!grey) return 0;
    light_fit f = fit_light(grey);
    return f.ok && f.hi > 0 ? (float)(1.0 - f.lo / f.hi) : 0;
}

PIX *img_flatten_light(PIX *grey, PIX *colour, PIX **colour_out)
{
    if (colour_out) *colour_out = NULL;
    if (!grey || pixGetDepth(grey) != 8) return NULL;
    light_fit f = fit_light(grey);
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int with_colour = colour && colour_out && pixGetDepth(colour) == 32 &&
                      pixGetWidth(colour) == w && pixGetHeight(colour) == h;
    if (!f.ok || f.hi <= 0 || 1.0 - f.lo / f.hi < IMG_LIGHT_MIN_RANGE) {
        if (colour_out && colour) *colour_out = pixClone(colour);
        return pixClone(grey);
    }
    PIX *out = pixCopy(NULL, grey), *cout = with_colour ? pixCopy(NULL, colour) : NULL;
    if (!out || (with_colour && !cout)) {
        pixDestroy(&out);
        pixDestroy(&cout);
        return NULL;
    }
    int wpl = pixGetWpl(out), cwpl = cout ? pixGetWpl(cout) : 0;
    l_uint32 *data = pixGetData(out), *cdata = cout ? pixGetData(cout) : NULL;
    double *gain = malloc((size_t)w * sizeof *gain);
    if (!gain) {
        pixDestroy(&out);
        pixDestroy(&cout);
        return NULL;
    }
    for (int y = 0; y < h; y++) {
        double fy = (y + 0.5) / h;
        for (int x = 0; x < w; x++) {
            double s = surface(&f, (x + 0.5) / w, fy);
            gain[x] = f.hi / (s > 16 ? s : 16);
        }
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) {
            double v = GET_DATA_BYTE(line, x) * gain[x];
            SET_DATA_BYTE(line, x, v > 255 ? 255 : (int)(v + 0.5));
        }
        if (!cout) continue;
        l_uint32 *cline = cdata + (size_t)y * (size_t)cwpl;
        for (int x = 0; x < w; x++) {
            l_uint32 p = cline[x];
            int rgb[3] = {(int)(p >> 24), (int)((p >> 16) & 255), (int)((p >> 8) & 255)};
            for (int c = 0; c < 3; c++) {
                double v = rgb[c] * gain[x];
                rgb[c] = v > 255 ? 255 : (int)(v + 0.5);
            }
            cline[x] = (l_uint32)rgb[0] << 24 | (l_uint32)rgb[1] << 16 | (l_uint32)rgb[2] << 8;
        }
    }
    free(gain);
    if (colour_out) *colour_out = cout ? cout : colour ? pixClone(colour) : NULL;
    return out;
}
