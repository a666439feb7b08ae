/* perspective: outline finding, homography and warp (see perspective.h for the model).
 *
 * Steps, on an analysis copy whose longest side is at most WORK_DIM pixels:
 *   1. table: ink is what is clearly darker than the local paper (the grey closing of
 *      the page, which erases rules and letters but keeps the paper, a desk and wide
 *      fills), so uneven light and shadows do not matter; the largest connected piece of
 *      ink, when it spans a good part of the page, is a ruled grid or a frame;
 *   2. page: scanning inwards from each image border, the first clear step from a dark
 *      run (a desk) up to paper;
 *   3. each side of each outline is fitted with a line through its scan points: the line
 *      through the pair of points that most other points lie on, refitted by least
 *      squares over those (text above the table, a corner cell without rules, a shadow
 *      over part of an edge are outvoted); a side is accepted when enough scan lines
 *      agree with it, and corners are where neighbouring sides meet;
 *   4. decide: the table when it is a clear outline (the page instead when it is larger
 *      and agrees with the table), else the page; correct only when
 *      the outline is convex, large, and its corners are clearly not right angles.
 *
 * The homography is solved in double precision on normalised coordinates (Hartley), and
 * the warp maps every output pixel back into the input (bilinear), so nothing is left
 * unfilled. Every size is bounded: the analysis copy by WORK_DIM, the output by the
 * input's pixels. */
#include "vision/perspective.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "vision/linsolve.h"
#include "vision/morph.h"
#include "vision/scale.h"

#define WORK_DIM 1000 /* longest side of the analysis copy */
#define SAMPLES  96   /* scan lines per side */
#define MIN_DIM  64   /* smaller pages are left alone */

/* When an outline is clear: the worst side's share of scan lines on its line, the share
 * of the image it covers, how far its corners may be from right angles before it is
 * taken for something else, and how far they must be before correcting is worth it
 * (deskew handles rotation; a scan's table meets at 90 +- a fraction of a degree). */
#define MIN_SUPPORT_TABLE  0.60
#define MIN_SUPPORT_PAGE   0.50
#define MIN_SHARE_TABLE    0.15
#define MIN_SHARE_PAGE     0.35
#define MAX_ANGLE_DEV_DEG  25.0
#define MIN_DISTORTION_DEG 0.5
#define PAGE_MARGIN        3.0 /* pixels inside the paper's edge made white with the desk */
/* The page is used instead of a table it agrees with when it is this much larger; the
 * table's corners, mapped by the page's homography, are then within AGREE_DEG of right
 * angles (fitting puts a corner a pixel or two off: ~0.3 degrees on a narrow table). */
#define PAGE_OVER_TABLE 1.5
#define AGREE_DEG       1.0

enum { TOP, RIGHT, BOTTOM, LEFT };

/* A side: s = m t + c, where t runs along the side (x for top and bottom, y for left and
 * right) and s across it. */
typedef struct side_line {
    double m, c;
} side_line;

/* The robust line through n points (t, s): the pair (at least span/4 apart along t)
 * with the most points within tol, refitted by least squares over those points.
 * Returns the number of points on the line (0 when fewer than two points). */
static int fit_line(const double *t, const double *s, int n, double span, double tol,
                    side_line *out)
{
    int best = 0;
    double best_m = 0, best_c = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dt = t[j] - t[i];
            if (fabs(dt) < span / 4) continue;
            double m = (s[j] - s[i]) / dt, c = s[i] - m * t[i];
            int count = 0;
            for (int k = 0; k < n; k++)
                count += fabs(s[k] - (m * t[k] + c)) <= tol;
            if (count > best) best = count, best_m = m, best_c = c;
        }
    if (best < 2) return 0;
    double st = 0, ss = 0, stt = 0, sts = 0;
    int k2 = 0;
    for (int k = 0; k < n; k++) {
        if (fabs(s[k] - (best_m * t[k] + best_c)) > tol) continue;
        st += t[k], ss += s[k], stt += t[k] * t[k], sts += t[k] * s[k], k2++;
    }
    double den = k2 * stt - st * st;
    if (k2 >= 2 && fabs(den) > 1e-9) {
        best_m = (k2 * sts - st * ss) / den;
        best_c = (ss - best_m * st) / k2;
    }
    out->m = best_m, out->c = best_c;
    return best;
}

/* Where a top/bottom side (y = m x + c) meets a left/right one (x = m y + c). */
static int meet(const side_line *horiz, const side_line *vert, double *x, double *y)
{
    double den = 1.0 - horiz->m * vert->m;
    if (fabs(den) < 1e-9) return -1;
    *x = (vert->m * horiz->c + vert->c) / den;
    *y = horiz->m * *x + horiz->c;
    return 0;
}

static int quad_from_sides(const side_line sides[4], persp_quad *q)
{
    /* corners: TL = top x left, TR = top x right, BR = bottom x right, BL = bottom x left */
    static const int hv[4][2] = {{TOP, LEFT}, {TOP, RIGHT}, {BOTTOM, RIGHT}, {BOTTOM, LEFT}};
    for (int i = 0; i < 4; i++)
        if (meet(&sides[hv[i][0]], &sides[hv[i][1]], &q->x[i], &q->y[i]) != 0) return -1;
    return 0;
}

static double quad_area(const persp_quad *q)
{
    double a = 0;
    for (int i = 0; i < 4; i++) {
        int j = (i + 1) % 4;
        a += q->x[i] * q->y[j] - q->x[j] * q->y[i];
    }
    return fabs(a) / 2;
}

/* The worst interior angle's distance from 90 degrees, or a negative value when the
 * quadrilateral is not convex (corners in the order TL, TR, BR, BL: clockwise on screen). */
static double quad_distortion(const persp_quad *q)
{
    double worst = 0;
    for (int i = 0; i < 4; i++) {
        int p = (i + 3) % 4, n = (i + 1) % 4;
        double ax = q->x[p] - q->x[i], ay = q->y[p] - q->y[i];
        double bx = q->x[n] - q->x[i], by = q->y[n] - q->y[i];
        double la = hypot(ax, ay), lb = hypot(bx, by);
        if (la < 1e-9 || lb < 1e-9) return -1;
        /* clockwise on screen (y down): the turn from the next edge to the previous is
         * positive at every corner of a convex outline */
        if (bx * ay - by * ax <= 0) return -1;
        double ang = acos(fmax(-1.0, fmin(1.0, (ax * bx + ay * by) / (la * lb)))) * 180.0 / M_PI;
        worst = fmax(worst, fabs(ang - 90.0));
    }
    return worst;
}

/* Scan points of one side of the largest ink component (its pixels in comp, at bx, by in
 * the analysis copy): the outermost ink pixel on each scan line. */
static int component_points(PIX *comp, int bx, int by, int side, double *t, double *s)
{
    int w = pixGetWidth(comp), h = pixGetHeight(comp), n = 0;
    int along = side == TOP || side == BOTTOM ? w : h, across = along == w ? h : w;
    for (int k = 0; k < SAMPLES; k++) {
        int a = (int)(along * (0.05 + 0.9 * (k + 0.5) / SAMPLES));
        for (int d = 0; d < across; d++) {
            int x = side == TOP || side == BOTTOM ? a : (side == LEFT ? d : w - 1 - d);
            int y = side == LEFT || side == RIGHT ? a : (side == TOP ? d : h - 1 - d);
            l_uint32 v = 0;
            pixGetPixel(comp, x, y, &v);
            if (!v) continue;
            t[n] = side == TOP || side == BOTTOM ? bx + x : by + y;
            s[n] = side == TOP || side == BOTTOM ? by + y : bx + x;
            n++;
            break;
        }
    }
    return n;
}

/* Scan points of one side of the paper: on each scan line inwards from the image border,
 * the first step from a dark run (at least `dark` pixels, or from the border) up to something
 * clearly lighter, placed at the steepest rise. */
static int page_points(PIX *work, int side, double *t, double *s)
{
    int w = pixGetWidth(work), h = pixGetHeight(work), wpl = pixGetWpl(work);
    l_uint32 *data = pixGetData(work);
    int along = side == TOP || side == BOTTOM ? w : h, across = along == w ? h : w;
    int depth = (int)(across * 0.35), k = across / 250 > 2 ? across / 250 : 2;
    int dark = across / 200 > 4 ? across / 200 : 4, n = 0;
    int p[WORK_DIM + 1];
    for (int q = 0; q < SAMPLES; q++) {
        int a = (int)(along * (0.1 + 0.8 * (q + 0.5) / SAMPLES));
        for (int d = 0; d < depth; d++) {
            int x = side == TOP || side == BOTTOM ? a : (side == LEFT ? d : w - 1 - d);
            int y = side == LEFT || side == RIGHT ? a : (side == TOP ? d : h - 1 - d);
            p[d] = GET_DATA_BYTE(data + (size_t)y * (size_t)wpl, x);
        }
        /* the dark run may be cut short by the image border: the desk seen at all */
        for (int i = 2; i + 2 * k < depth; i++) {
            int lo = i - k > 0 ? i - k : 0, sa = 0, sb = 0, hi = 0;
            for (int j = lo; j < i; j++)
                sa += p[j];
            for (int j = i; j < i + k; j++)
                sb += p[j];
            double ma = (double)sa / (i - lo), mb = (double)sb / k;
            if (mb < 1.3 * ma + 6) continue;
            for (int j = i - dark > 0 ? i - dark : 0; j < i; j++)
                hi = p[j] > hi ? p[j] : hi;
            if (hi * 1.25 >= mb) continue; /* no dark run before the rise */
            int at = i, rise = -256;
            for (int j = lo > 1 ? lo : 1; j < i + 2 * k; j++)
                if (p[j + 1] - p[j - 1] > rise) rise = p[j + 1] - p[j - 1], at = j;
            int x = side == TOP || side == BOTTOM ? a : (side == LEFT ? at : w - 1 - at);
            int y = side == LEFT || side == RIGHT ? a : (side == TOP ? at : h - 1 - at);
            t[n] = side == TOP || side == BOTTOM ? x : y;
            s[n] = side == TOP || side == BOTTOM ? y : x;
            n++;
            break;
        }
    }
    return n;
}

/* Fits the four sides from their scan points; returns the worst side's support (share
 * of SAMPLES scan lines on its line), or 0 when a side or a corner is missing. */
static double fit_quad(double pts[4][2][SAMPLES], const int npts[4], int w, int h, persp_quad *q)
{
    side_line sides[4];
    double worst = 1.0;
    for (int side = 0; side < 4; side++) {
        double span = side == TOP || side == BOTTOM ? w : h;
        double tol = fmax(1.5, (w > h ? w : h) / 400.0);
        int on = fit_line(pts[side][0], pts[side][1], npts[side], span, tol, &sides[side]);
        worst = fmin(worst, (double)on / SAMPLES);
    }
    if (worst <= 0 || quad_from_sides(sides, q) != 0) return 0;
    return worst;
}

/* The table outline on the analysis copy; 0 when none. */
static double find_table(PIX *work, persp_quad *q)
{
    int w = pixGetWidth(work), h = pixGetHeight(work);
    double support = 0;
    PIX *bg = img_close_grey(work, 15, 15), *ink = NULL;
    PIXA *parts = NULL;
    BOXA *boxes = NULL;
    if (!bg || !(ink = pixCreate(w, h, 1))) goto out;
    int wpl = pixGetWpl(work), bwpl = pixGetWpl(bg), iwpl = pixGetWpl(ink);
    for (int y = 0; y < h; y++) {
        const l_uint32 *lw = pixGetData(work) + (size_t)y * (size_t)wpl;
        const l_uint32 *lb = pixGetData(bg) + (size_t)y * (size_t)bwpl;
        l_uint32 *li = pixGetData(ink) + (size_t)y * (size_t)iwpl;
        for (int x = 0; x < w; x++) {
            int v = GET_DATA_BYTE(lw, x), b = GET_DATA_BYTE(lb, x);
            if (v * 4 < b * 3 && b - v >= 24) SET_DATA_BIT(li, x);
        }
    }
    if (!(boxes = pixConnComp(ink, &parts, 8))) goto out;
    int best = -1;
    double best_area = 0;
    for (int i = 0; i < boxaGetCount(boxes); i++) {
        l_int32 bx, by, bw, bh;
        boxaGetBoxGeometry(boxes, i, &bx, &by, &bw, &bh);
        if (bw * 10 < w * 3 || bh * 10 < h * 2) continue;
        /* touching the border: a desk strip too thin for the closing, or a table cut by
         * the frame, whose outline is not all there */
        if (bx <= 0 || by <= 0 || bx + bw >= w || by + bh >= h) continue;
        if ((double)bw * bh > best_area) best_area = (double)bw * bh, best = i;
    }
    if (best < 0) goto out;
    l_int32 bx, by, bw, bh;
    boxaGetBoxGeometry(boxes, best, &bx, &by, &bw, &bh);
    PIX *comp = pixaGetPix(parts, best, L_CLONE);
    if (!comp) goto out;
    double pts[4][2][SAMPLES];
    int npts[4];
    for (int side = 0; side < 4; side++)
        npts[side] = component_points(comp, bx, by, side, pts[side][0], pts[side][1]);
    pixDestroy(&comp);
    support = fit_quad(pts, npts, w, h, q);
out:
    pixDestroy(&bg);
    pixDestroy(&ink);
    pixaDestroy(&parts);
    boxaDestroy(&boxes);
    return support;
}

static double find_page(PIX *work, persp_quad *q)
{
    double pts[4][2][SAMPLES];
    int npts[4];
    for (int side = 0; side < 4; side++)
        npts[side] = page_points(work, side, pts[side][0], pts[side][1]);
    return fit_quad(pts, npts, pixGetWidth(work), pixGetHeight(work), q);
}

static void quad_scale(persp_quad *q, double sx, double sy)
{
    for (int i = 0; i < 4; i++)
        q->x[i] = (q->x[i] + 0.5) * sx - 0.5, q->y[i] = (q->y[i] + 0.5) * sy - 0.5;
}

/* Whether q is a clear outline of a page w x h: convex, near enough to a rectangle, in
 * the image, covering at least share of it. Sets *distortion. */
static int quad_plausible(const persp_quad *q, int w, int h, double share, double *distortion)
{
    *distortion = quad_distortion(q);
    if (*distortion < 0 || *distortion > MAX_ANGLE_DEV_DEG) return 0;
    for (int i = 0; i < 4; i++)
        if (q->x[i] < -0.1 * w || q->x[i] > 1.1 * w || q->y[i] < -0.1 * h || q->y[i] > 1.1 * h)
            return 0;
    return quad_area(q) >= share * w * h;
}

static int map_point(const double h[9], double x, double y, double *u, double *v);

/* Whether the homography that makes page a rectangle also makes table one (its corners
 * within AGREE_DEG of right angles): both outlines are of the same flat sheet. */
static int page_agrees(const persp_quad *page, const persp_quad *table)
{
    double rw = hypot(page->x[1] - page->x[0], page->y[1] - page->y[0]);
    double rh = hypot(page->x[3] - page->x[0], page->y[3] - page->y[0]);
    persp_quad rect = {{0, rw, rw, 0}, {0, 0, rh, rh}}, mapped;
    double h[9];
    if (persp_homography(page, &rect, h) != 0) return 0;
    for (int i = 0; i < 4; i++)
        if (map_point(h, table->x[i], table->y[i], &mapped.x[i], &mapped.y[i]) != 0) return 0;
    double d = quad_distortion(&mapped);
    return d >= 0 && d <= AGREE_DEG;
}

void persp_find(PIX *grey, persp_outline *out)
{
    memset(out, 0, sizeof *out);
    out->reason = "no clear outline";
    if (!grey || pixGetDepth(grey) != 8) {
        out->reason = "not a grey page";
        return;
    }
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    if (w < MIN_DIM || h < MIN_DIM) {
        out->reason = "page too small";
        return;
    }
    int longest = w > h ? w : h;
    float f = longest > WORK_DIM ? (float)WORK_DIM / (float)longest : 1.0f;
    PIX *scaled = f < 1.0f ? img_scale_grey(grey, f) : pixClone(grey);
    /* For the paper's edge, a 3x3 mean: sensor noise and JPEG blocks would otherwise
     * break the dark runs and steps. Rules are left sharp: reduced to a pixel, a mean
     * would fade them into the paper. */
    PIX *smooth = scaled ? pixBlockconv(scaled, 1, 1) : NULL;
    if (!smooth) {
        pixDestroy(&scaled);
        out->reason = "out of memory";
        return;
    }
    double sx = (double)w / pixGetWidth(scaled), sy = (double)h / pixGetHeight(scaled);
    out->table_support = find_table(scaled, &out->table);
    out->page_support = find_page(smooth, &out->page);
    pixDestroy(&scaled);
    pixDestroy(&smooth);
    quad_scale(&out->table, sx, sy);
    quad_scale(&out->page, sx, sy);
    double dt = -1, dp = -1;
    out->has_table = out->table_support >= MIN_SUPPORT_TABLE &&
                     quad_plausible(&out->table, w, h, MIN_SHARE_TABLE, &dt);
    out->has_page = out->page_support >= MIN_SUPPORT_PAGE &&
                    quad_plausible(&out->page, w, h, MIN_SHARE_PAGE, &dp);
    /* The table is the closer evidence for its own rules: when it is a rectangle, the
     * page is left even if the paper's outline says otherwise. But a homography fitted
     * to one narrow table holds poorly at the far side of the page (a second table
     * beside it stays slanted): when the paper's outline is larger and agrees with the
     * table (it makes the table a rectangle too), the page is the better-conditioned
     * evidence for the same plane. */
    if (out->has_table && out->has_page && dp >= MIN_DISTORTION_DEG &&
        quad_area(&out->page) >= PAGE_OVER_TABLE * quad_area(&out->table) &&
        page_agrees(&out->page, &out->table)) {
        out->distortion = dp;
        out->use = 2;
        out->reason = "page outline, agreeing with the table's";
    } else if (out->has_table) {
        out->distortion = dt;
        out->use = dt >= MIN_DISTORTION_DEG ? 1 : 0;
        out->reason = out->use ? "table outline" : "table outline is a rectangle";
    } else if (out->has_page) {
        out->distortion = dp;
        out->use = dp >= MIN_DISTORTION_DEG ? 2 : 0;
        out->reason = out->use ? "page outline" : "page outline is a rectangle";
    }
}

/* Hartley's normalisation: the similarity t (3x3) that moves the points' centroid to the
 * origin and their mean distance from it to sqrt(2), which keeps the DLT system well
 * conditioned whatever the page size. */
static int normaliser(const persp_quad *q, double t[9])
{
    double cx = 0, cy = 0, d = 0;
    for (int i = 0; i < 4; i++)
        cx += q->x[i] / 4, cy += q->y[i] / 4;
    for (int i = 0; i < 4; i++)
        d += hypot(q->x[i] - cx, q->y[i] - cy) / 4;
    if (d < 1e-9) return -1;
    double k = sqrt(2.0) / d;
    double m[9] = {k, 0, -k * cx, 0, k, -k * cy, 0, 0, 1};
    memcpy(t, m, sizeof m);
    return 0;
}

static void mat_mul(const double a[9], const double b[9], double out[9])
{
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    memcpy(out, r, sizeof r);
}

int persp_homography(const persp_quad *src, const persp_quad *dst, double h[9])
{
    double ts[9], td[9];
    if (normaliser(src, ts) != 0 || normaliser(dst, td) != 0) return -1;
    /* Two equations per correspondence (u, v) <- (x, y) with h[8] = 1:
     *   h0 x + h1 y + h2 - h6 x u - h7 y u = u
     *   h3 x + h4 y + h5 - h6 x v - h7 y v = v */
    double a[8 * 8], b[8];
    for (int i = 0; i < 4; i++) {
        double x = ts[0] * src->x[i] + ts[2], y = ts[4] * src->y[i] + ts[5];
        double u = td[0] * dst->x[i] + td[2], v = td[4] * dst->y[i] + td[5];
        double r0[8] = {x, y, 1, 0, 0, 0, -x * u, -y * u};
        double r1[8] = {0, 0, 0, x, y, 1, -x * v, -y * v};
        memcpy(a + 2 * i * 8, r0, sizeof r0);
        memcpy(a + (2 * i + 1) * 8, r1, sizeof r1);
        b[2 * i] = u, b[2 * i + 1] = v;
    }
    if (linsolve(8, a, b) != 0) return -1;
    double hn[9] = {b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], 1};
    /* h = td^-1 hn ts; td^-1 is the similarity with 1/k and the centroid back */
    double k = td[0], tdi[9] = {1 / k, 0, -td[2] / k, 0, 1 / k, -td[5] / k, 0, 0, 1};
    mat_mul(hn, ts, h);
    mat_mul(tdi, h, h);
    if (fabs(h[8]) < 1e-12) return -1;
    for (int i = 0; i < 9; i++)
        h[i] /= h[8];
    return 0;
}

/* Maps (x, y) by h; -1 when the point goes to infinity or behind the camera. */
static int map_point(const double h[9], double x, double y, double *u, double *v)
{
    double z = h[6] * x + h[7] * y + h[8];
    if (z < 1e-9) return -1;
    *u = (h[0] * x + h[1] * y + h[2]) / z;
    *v = (h[3] * x + h[4] * y + h[5]) / z;
    return 0;
}

/* The warp; with clip, output pixels whose source lies outside the quadrilateral clip
 * (less PAGE_MARGIN) are made white too: the desk around the paper. */
static PIX *warp_generic(PIX *grey, const double hi[9], int w, int h, const persp_quad *clip)
{
    if (!grey || pixGetDepth(grey) != 8 || w <= 0 || h <= 0) return NULL;
    PIX *out = pixCreate(w, h, 8);
    if (!out) return NULL;
    pixCopyResolution(out, grey);
    int sw = pixGetWidth(grey), sh = pixGetHeight(grey);
    int swpl = pixGetWpl(grey), owpl = pixGetWpl(out);
    const l_uint32 *src = pixGetData(grey);
    double en[4][3]; /* clip edges: inward unit normal and offset */
    for (int i = 0; clip && i < 4; i++) {
        int j = (i + 1) % 4;
        double ex = clip->x[j] - clip->x[i], ey = clip->y[j] - clip->y[i], len = hypot(ex, ey);
        if (len < 1e-9) len = 1e-9;
        en[i][0] = -ey / len, en[i][1] = ex / len;
        en[i][2] = -(en[i][0] * clip->x[i] + en[i][1] * clip->y[i]);
    }
    for (int v = 0; v < h; v++) {
        l_uint32 *line = pixGetData(out) + (size_t)v * (size_t)owpl;
        /* the source position is linear in u before the division: step it */
        double X = hi[1] * v + hi[2], Y = hi[4] * v + hi[5], Z = hi[7] * v + hi[8];
        for (int u = 0; u < w; u++, X += hi[0], Y += hi[3], Z += hi[6]) {
            int val = 255;
            if (Z > 1e-9) {
                double x = X / Z, y = Y / Z;
                int inside = 1;
                for (int i = 0; clip && i < 4 && inside; i++)
                    inside = en[i][0] * x + en[i][1] * y + en[i][2] >= PAGE_MARGIN;
                if (inside && x > -1 && y > -1 && x < sw && y < sh) {
                    int x0 = (int)floor(x), y0 = (int)floor(y);
                    double fx = x - x0, fy = y - y0, acc = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            int px = x0 + dx, py = y0 + dy;
                            double wgt = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
                            int p = 255; /* white beyond the border */
                            if (px >= 0 && py >= 0 && px < sw && py < sh)
                                p = GET_DATA_BYTE(src + (size_t)py * (size_t)swpl, px);
                            acc += wgt * p;
                        }
                    val = (int)(acc + 0.5);
                }
            }
            SET_DATA_BYTE(line, u, val < 0 ? 0 : val > 255 ? 255 : val);
        }
    }
    return out;
}

PIX *persp_warp(PIX *grey, const double inverse_h[9], int w, int h)
{
    return warp_generic(grey, inverse_h, w, h, NULL);
}

static void draw_quad(PIX *pix, const persp_quad *q, int width, int r, int g, int b)
{
    PTA *pta = ptaCreate(4);
    if (!pta) return;
    for (int i = 0; i < 4; i++)
        ptaAddPt(pta, (l_float32)q->x[i], (l_float32)q->y[i]);
    pixRenderPolylineArb(pix, pta, width, (l_uint8)r, (l_uint8)g, (l_uint8)b, 1);
    ptaDestroy(&pta);
}

static void write_debug(const char *dir, PIX *grey, const persp_outline *o)
{
    PIX *overlay = pixConvertTo32(grey);
    if (!overlay) return;
    int width = (pixGetWidth(grey) + pixGetHeight(grey)) / 600 + 2;
    if (o->has_page)
        draw_quad(overlay, &o->page, width, o->use == 2 ? 0 : 230, o->use == 2 ? 190 : 0, 0);
    if (o->has_table)
        draw_quad(overlay, &o->table, width, o->use == 1 ? 0 : 230, o->use == 1 ? 190 : 0, 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/perspective.png", dir);
    pixWrite(path, overlay, IFF_PNG);
    pixDestroy(&overlay);
}

/* Corrects grey by o (use != 0); NULL when the correction would be unbounded or fails
 * (the caller then keeps the page as it is). */
static PIX *correct(PIX *grey, persp_outline *o)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    const persp_quad *q = o->use == 1 ? &o->table : &o->page;
    /* The rectangle keeps the outline's longer sides, so no detail is lost, unless the
     * output would then hold more pixels than the input: it is scaled down to that. */
    double rw = fmax(hypot(q->x[1] - q->x[0], q->y[1] - q->y[0]),
                     hypot(q->x[2] - q->x[3], q->y[2] - q->y[3]));
    double rh = fmax(hypot(q->x[3] - q->x[0], q->y[3] - q->y[0]),
                     hypot(q->x[2] - q->x[1], q->y[2] - q->y[1]));
    /* What the output shows: the paper when its edge was seen, else the whole image. */
    persp_quad image = {{0, w, w, 0}, {0, 0, h, h}};
    const persp_quad *content = o->has_page ? &o->page : &image;
    persp_quad rect;
    double fwd[9], inv[9], x0 = 0, y0 = 0, ow = 0, oh = 0;
    for (int pass = 0; pass < 2; pass++) {
        rect = (persp_quad){{0, rw, rw, 0}, {0, 0, rh, rh}};
        if (persp_homography(q, &rect, fwd) != 0) return NULL;
        double x1 = -INFINITY, y1 = -INFINITY;
        x0 = INFINITY, y0 = INFINITY;
        for (int i = 0; i < 4; i++) {
            double u, v;
            if (map_point(fwd, content->x[i], content->y[i], &u, &v) != 0) return NULL;
            x0 = fmin(x0, u), y0 = fmin(y0, v), x1 = fmax(x1, u), y1 = fmax(y1, v);
        }
        x0 = floor(x0), y0 = floor(y0);
        ow = ceil(x1) - x0, oh = ceil(y1) - y0;
        if (ow < 1 || oh < 1 || ow > 2.0 * w || oh > 2.0 * h) {
            o->reason = "the corrected page would be out of proportion";
            return NULL;
        }
        if (ow * oh <= (double)w * h) break;
        double k = sqrt((double)w * h / (ow * oh)) * 0.999;
        rw *= k, rh *= k;
    }
    if (ow * oh > (double)w * h) return NULL;
    for (int i = 0; i < 4; i++)
        rect.x[i] -= x0, rect.y[i] -= y0;
    if (persp_homography(&rect, q, inv) != 0) return NULL;
    return warp_generic(grey, inv, (int)ow, (int)oh, o->has_page ? &o->page : NULL);
}

PIX *persp_correct(PIX *grey, const char *debug_dir, persp_outline *outline)
{
    persp_outline o;
    persp_find(grey, &o);
    PIX *out = o.use ? correct(grey, &o) : NULL;
    if (o.use && !out) o.use = 0;
    log_debug("perspective: %s (distortion %.2f deg, table support %.2f, page support %.2f)%s",
              o.reason, o.distortion, o.table_support, o.page_support, o.use ? ", corrected" : "");
    if (debug_dir && grey) write_debug(debug_dir, grey, &o);
    if (outline) *outline = o;
    return out ? out : (grey ? pixClone(grey) : NULL);
}
