/* datagen_docx: writes a dg_page as a Word document whose tables hold the same cells.
 *
 * The package is the smallest one Word and LibreOffice open: [Content_Types].xml,
 * _rels/.rels and word/document.xml, zipped with libzip. A cell spanning columns is one
 * w:tc with w:gridSpan; a cell spanning rows is a w:tc with w:vMerge="restart" followed,
 * in each row it covers, by a w:tc with a bare w:vMerge (that is how WordprocessingML
 * spells a vertical merge: every row still has a cell at that grid position). Rotated
 * text is w:textDirection (btLr reads upwards, tbRl downwards). Entry times are fixed so
 * the same seed gives the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/sbuf.h"
#include "train/datagen_internal.h"

static void xml_text(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        default:
            sbuf_append(b, s, 1);
        }
    }
}

/* One paragraph holding one run. halfpt: size in half-points (w:sz). */
static void para(sbuf *b, const char *text, const char *font, int halfpt, bool bold, uint32_t ink,
                 const char *highlight, int align)
{
    static const char *const jc[] = {"center", "left", "right"};
    sbuf_printf(b,
                "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"0\"/><w:jc w:val=\"%s\"/></w:pPr>",
                jc[align >= 0 && align <= 2 ? align : 0]);
    if (text && *text) {
        sbuf_puts(b, "<w:r><w:rPr><w:rFonts w:ascii=\"");
        xml_text(b, font);
        sbuf_puts(b, "\" w:hAnsi=\"");
        xml_text(b, font);
        sbuf_printf(b, "\"/>%s<w:color w:val=\"%06X\"/><w:sz w:val=\"%d\"/>", bold ? "<w:b/>" : "",
                    ink & 0xffffffu, halfpt);
        if (highlight) sbuf_printf(b, "<w:highlight w:val=\"%s\"/>", highlight);
        sbuf_puts(b, "</w:rPr><w:t xml:space=\"preserve\">");
        xml_text(b, text);
        sbuf_puts(b, "</w:t></w:r>");
    }
    sbuf_puts(b, "</w:p>");
}

static int halfpoints(double pt)
{
    int h = (int)(pt * 2 + 0.5);
    return h < 8 ? 8 : h > 96 ? 96 : h;
}

static void borders(sbuf *b, dg_borders kind, uint32_t rgb, double width_pt)
{
    int sz = (int)(width_pt * 8); /* eighths of a point */
    if (sz < 2) sz = 2;
    static const char *const all[] = {"top", "left", "bottom", "right", "insideH", "insideV"};
    sbuf_puts(b, "<w:tblBorders>");
    for (int i = 0; i < 6; i++) {
        bool on = kind == DG_BORDERS_FULL ||
                  (kind == DG_BORDERS_ROWS && (i == 0 || i == 2 || i == 4)) ||
                  (kind == DG_BORDERS_FRAME && i < 4);
        if (on)
            sbuf_printf(b, "<w:%s w:val=\"single\" w:sz=\"%d\" w:space=\"0\" w:color=\"%06X\"/>",
                        all[i], sz, rgb);
        else
            sbuf_printf(b, "<w:%s w:val=\"nil\"/>", all[i]);
    }
    sbuf_puts(b, "</w:tblBorders>");
}

static ap_status table_xml(sbuf *b, const dg_page *pg, const dg_table *t, int usable_tw,
                           ap_error *err)
{
    const dg_style *s = &pg->style;
    int *owner = malloc(sizeof(int) * (size_t)(t->rows * t->cols));
    if (!owner) return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (docx)");
    for (int k = 0; k < t->rows * t->cols; k++)
        owner[k] = -1;
    for (size_t i = 0; i < t->ncells; i++) {
        const dg_cell *c = &t->cells[i];
        for (int r = c->row; r < c->row + c->rowspan && r < t->rows; r++)
            for (int q = c->col; q < c->col + c->colspan && q < t->cols; q++)
                owner[r * t->cols + q] = (int)i;
    }
    if (t->title[0][0])
        para(b, t->title[0], s->head_font, halfpoints(s->base_pt * 1.5), true, s->ink_rgb, NULL, 0);
    if (t->title[1][0])
        para(b, t->title[1], s->head_font, halfpoints(s->base_pt), false, s->ink_rgb, NULL, 0);
    double sw = 0;
    for (int q = 0; q < t->cols; q++)
        sw += t->col_w[q];
    int tw[DG_MAX_TRACKS];
    sbuf_puts(b, "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/>");
    borders(b, s->borders, s->line_rgb, s->line_w);
    sbuf_puts(b, "<w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>");
    for (int q = 0; q < t->cols; q++) {
        tw[q] = (int)(usable_tw * t->col_w[q] / sw);
        sbuf_printf(b, "<w:gridCol w:w=\"%d\"/>", tw[q]);
    }
    sbuf_puts(b, "</w:tblGrid>");
    for (int r = 0; r < t->rows; r++) {
        sbuf_printf(b, "<w:tr><w:trPr><w:trHeight w:val=\"%d\" w:hRule=\"atLeast\"/></w:trPr>",
                    (int)(t->row_h[r] * 420));
        for (int q = 0; q < t->cols;) {
            int o = owner[r * t->cols + q];
            if (o < 0) {
                sbuf_printf(
                    b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/></w:tcPr><w:p/></w:tc>",
                    tw[q]);
                q++;
                continue;
            }
            const dg_cell *c = &t->cells[o];
            int width = 0;
            for (int k = c->col; k < c->col + c->colspan && k < t->cols; k++)
                width += tw[k];
            sbuf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/>", width);
            if (c->colspan > 1) sbuf_printf(b, "<w:gridSpan w:val=\"%d\"/>", c->colspan);
            if (c->rowspan > 1)
                sbuf_puts(b, c->row == r ? "<w:vMerge w:val=\"restart\"/>" : "<w:vMerge/>");
            uint32_t fill = c->fill != DG_NO_FILL ? c->fill : t->body_fill;
            if (fill != DG_NO_FILL)
                sbuf_printf(b, "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"%06X\"/>", fill);
            if (c->rotation)
                sbuf_printf(b, "<w:textDirection w:val=\"%s\"/>",
                            c->rotation == 90 ? "btLr" : "tbRl");
            sbuf_puts(b, "<w:vAlign w:val=\"center\"/></w:tcPr>");
            if (c->row != r) {
                sbuf_puts(b, "<w:p/>"); /* the continuation of a vertical merge */
            } else {
                const char *font = (c->flags & DG_CELL_HEADER) ? s->head_font : s->font;
                const char *hl = (c->flags & DG_CELL_HILITE) ? "yellow" : NULL;
                if (c->time[0] && !(c->flags & DG_CELL_TBELOW))
                    para(b, c->time, font, halfpoints(c->size * 0.8), true, c->ink, hl, c->align);
                para(b, c->text, font, halfpoints(c->size), (c->flags & DG_CELL_BOLD) != 0, c->ink,
                     NULL, c->align);
                if (c->note[0])
                    para(b, c->note, font, halfpoints(c->size * 0.78), false, c->note_ink, NULL,
                         c->align);
                if (c->time[0] && (c->flags & DG_CELL_TBELOW))
                    para(b, c->time, font, halfpoints(c->size * 0.8), true, c->ink, hl, c->align);
            }
            sbuf_puts(b, "</w:tc>");
            q += c->colspan > 0 ? c->colspan : 1;
        }
        sbuf_puts(b, "</w:tr>");
    }
    sbuf_puts(b, "</w:tbl>");
    free(owner);
    return AP_OK;
}

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "</Types>";
static const char rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"word/document.xml\"/></Relationships>";

static ap_status zip_put(zip_t *za, const char *name, const void *data, size_t len, ap_error *err)
{
    zip_source_t *src = zip_source_buffer(za, data, len, 0);
    if (!src) return ap_fail(err, AP_ERR_NOMEM, "datagen: docx: %s", zip_strerror(za));
    zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return ap_fail(err, AP_ERR_IO, "datagen: docx: %s", zip_strerror(za));
    }
    /* 2024-09-02: a fixed time, so the archive's bytes depend on the seed only. */
    zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)1725264000, 0);
    return AP_OK;
}

/* The bytes an in-memory source holds, copied into a new buffer. */
static ap_status take_bytes(zip_source_t *mem, void **out, size_t *outlen, ap_error *err)
{
    zip_stat_t zs;
    if (zip_source_stat(mem, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE) || zip_source_open(mem) != 0)
        return ap_fail(err, AP_ERR_PROCESSING, "datagen: docx: %s",
                       zip_error_strerror(zip_source_error(mem)));
    ap_status st = AP_OK;
    char *buf = malloc(zs.size ? zs.size : 1);
    if (!buf)
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (docx)");
    else if (zip_source_read(mem, buf, zs.size) != (zip_int64_t)zs.size)
        st = ap_fail(err, AP_ERR_PROCESSING, "datagen: docx: short read of the archive");
    zip_source_close(mem);
    if (st != AP_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *outlen = zs.size;
    return AP_OK;
}

ap_status dg_docx_build(const dg_page *pg, void **out, size_t *outlen, ap_error *err)
{
    ap_status st = AP_OK;
    sbuf b = {0};
    char *doc = NULL;
    size_t doclen = 0;
    zip_source_t *mem = NULL;
    zip_t *za = NULL;
    const dg_style *s = &pg->style;
    bool landscape = pg->w > pg->h;
    int pgw = landscape ? 16838 : 11906, pgh = landscape ? 11906 : 16838, margin = 720;
    sbuf_puts(
        &b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
            "<w:body>");
    int align = pg->head_align == 1 ? 1 : 0;
    if (pg->heading[0])
        para(&b, pg->heading, s->head_font, halfpoints(s->base_pt * 1.9), true, s->ink_rgb, NULL,
             align);
    for (int i = 0; i < 2; i++)
        if (pg->meta[i][0])
            para(&b, pg->meta[i], s->head_font, halfpoints(s->base_pt * 1.45), i == 0, s->ink_rgb,
                 NULL, align);
    for (int i = 0; i < pg->ntables && st == AP_OK; i++) {
        if (i > 0) para(&b, "", s->font, 16, false, 0, NULL, 0); /* keeps the tables apart */
        st = table_xml(&b, pg, &pg->tables[i], pgw - 2 * margin, err);
    }
    if (st != AP_OK) goto out;
    if (pg->footer[0])
        para(&b, pg->footer, s->head_font, halfpoints(s->base_pt * 1.2), false, s->ink_rgb, NULL,
             0);
    sbuf_printf(
        &b,
        "<w:sectPr><w:pgSz w:w=\"%d\" w:h=\"%d\"%s/><w:pgMar w:top=\"%d\" w:right=\"%d\" "
        "w:bottom=\"%d\" w:left=\"%d\" w:header=\"0\" w:footer=\"0\" w:gutter=\"0\"/></w:sectPr>"
        "</w:body></w:document>",
        pgw, pgh, landscape ? " w:orient=\"landscape\"" : "", margin, margin, margin, margin);
    if (!(doc = sbuf_take(&b, &doclen))) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (docx)");
        goto out;
    }
    /* The archive is built in memory: libzip's file source decides by stat() whether a
     * path may be written, which once failed here with "Read-only archive". */
    zip_error_t ze;
    zip_error_init(&ze);
    if (!(mem = zip_source_buffer_create(NULL, 0, 0, &ze)) ||
        !(za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze))) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: docx: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto out;
    }
    zip_error_fini(&ze);
    zip_source_keep(mem); /* zip_close frees the archive, not the bytes it wrote */
    if ((st = zip_put(za, "[Content_Types].xml", content_types, sizeof content_types - 1, err)) !=
            AP_OK ||
        (st = zip_put(za, "_rels/.rels", rels, sizeof rels - 1, err)) != AP_OK ||
        (st = zip_put(za, "word/document.xml", doc, doclen, err)) != AP_OK)
        goto out;
    if (zip_close(za) != 0) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: docx: %s", zip_strerror(za));
        goto out;
    }
    za = NULL;
    st = take_bytes(mem, out, outlen, err);
out:
    if (za) zip_discard(za);
    zip_source_free(mem);
    sbuf_free(&b);
    free(doc);
    return st;
}
