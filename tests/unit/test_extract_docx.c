/* Proves: the DOCX reader on Word documents written here with libzip and a hand-built
 * word/document.xml. A timetable table (days as rows, header times, w:gridSpan merging
 * two periods, w:vMerge restart/continue merging a cell down two days with btLr text,
 * notes in a smaller run, a lower-case note only a little smaller that must not be taken
 * for the tail of a broken word, a note told by its colour alone, a paragraph of header
 * fields before the table) is read into
 * exactly the right timeblocks and fields; a list schedule headed by a paragraph naming
 * a day range applies to those days; a title and a table in a text box (with Word's VML
 * fallback repeating it) are read once, and so are a title and a table boxed in a 1 x 1
 * frame table. Hostile and broken archives are refused with a clear
 * status and message, within bounded memory: a broken zip, a zip without
 * word/document.xml, a decompression bomb (2 MiB of XML that deflates to a few KiB), XML
 * nested 5,000 deep, an XXE attempt (an external entity in a DTD) and an entity bomb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include <cmocka.h>

#include "core/sbuf.h"
#include "document/extract.h"
#include "test_blocks.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

/* A zip holding the given entries (name, then content, NULL-terminated), as bytes. */
static unsigned char *make_zip(size_t *len, ...)
{
    char path[] = "/tmp/aipipe-docx-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    va_list ap;
    va_start(ap, len);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name) break;
        const char *content = va_arg(ap, const char *);
        zip_source_t *src = zip_source_buffer(za, content, strlen(content), 0);
        assert_non_null(src);
        assert_true(zip_file_add(za, name, src, ZIP_FL_OVERWRITE) >= 0);
    }
    va_end(ap);
    assert_int_equal(zip_close(za), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)n);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    unlink(path);
    *len = (size_t)n;
    return data;
}

/* A cell: width in twips, extra tcPr (may be ""), then its paragraphs' runs. */
static void tc(sbuf *b, int width, const char *pr, const char *runs)
{
    sbuf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/>%s</w:tcPr>%s</w:tc>", width,
                pr, runs);
}

static const char *P(const char *text) /* one paragraph, default size */
{
    static char buf[8][256];
    static int k;
    char *s = buf[k++ % 8];
    snprintf(s, 256, "<w:p><w:r><w:t xml:space=\"preserve\">%s</w:t></w:r></w:p>", text);
    return s;
}

static char *timetable_xml(void)
{
    sbuf b = {0};
    sbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                  "<w:document xmlns:w=\"" W_NS "\"><w:body>");
    sbuf_puts(&b, "<w:p><w:r><w:rPr><w:b/><w:sz w:val=\"36\"/></w:rPr><w:t>Weekly timetable</w:t>"
                  "</w:r></w:p>");
    sbuf_puts(&b, "<w:p><w:r><w:t xml:space=\"preserve\">Teacher: Miss Smith</w:t></w:r>"
                  "<w:r><w:tab/><w:t xml:space=\"preserve\">Class: 4B</w:t></w:r></w:p>");
    sbuf_puts(&b, P("Term: Autumn 2024"));
    sbuf_puts(&b, "<w:tbl><w:tblPr/><w:tblGrid>");
    for (int i = 0; i < 5; i++)
        sbuf_printf(&b, "<w:gridCol w:w=\"%d\"/>", i ? 2000 : 1600);
    sbuf_puts(&b, "</w:tblGrid>");
    /* header */
    sbuf_puts(&b, "<w:tr>");
    tc(&b, 1600, "", "<w:p/>");
    tc(&b, 2000, "", P("9:00-10:00"));
    tc(&b, 2000, "", P("10:00-11:00"));
    tc(&b, 2000, "", P("11:00-12:00"));
    tc(&b, 2000, "", P("12:00-12:30"));
    sbuf_puts(&b, "</w:tr>");
    /* Monday: Maths over two periods, Art, Lunch opening a vertical merge */
    sbuf_puts(&b, "<w:tr>");
    tc(&b, 1600, "", P("Monday"));
    tc(&b, 4000, "<w:gridSpan w:val=\"2\"/>", P("Maths"));
    tc(&b, 2000, "",
       "<w:p><w:r><w:t>Art</w:t></w:r></w:p>"
       "<w:p><w:r><w:rPr><w:color w:val=\"1F4E9C\"/></w:rPr><w:t>Hall</w:t></w:r></w:p>");
    tc(&b, 2000, "<w:vMerge w:val=\"restart\"/><w:textDirection w:val=\"btLr\"/>", P("Lunch"));
    sbuf_puts(&b, "</w:tr>");
    /* Tuesday: a note in smaller type, the merge continued */
    sbuf_puts(&b, "<w:tr>");
    tc(&b, 1600, "", P("Tuesday"));
    tc(&b, 2000, "",
       "<w:p><w:r><w:rPr><w:sz w:val=\"24\"/></w:rPr><w:t>Science</w:t></w:r></w:p>"
       "<w:p><w:r><w:rPr><w:sz w:val=\"20\"/></w:rPr><w:t>bring kit</w:t></w:r></w:p>");
    tc(&b, 2000, "",
       "<w:p><w:r><w:rPr><w:sz w:val=\"24\"/></w:rPr><w:t>Music</w:t></w:r></w:p>"
       "<w:p><w:r><w:rPr><w:sz w:val=\"16\"/></w:rPr><w:t>Room 4</w:t></w:r></w:p>");
    tc(&b, 2000, "", "<w:p><w:r><w:t>His</w:t></w:r><w:r><w:t>tory</w:t></w:r></w:p>");
    tc(&b, 2000, "<w:vMerge/>", "<w:p/>");
    sbuf_puts(&b, "</w:tr></w:tbl>");
    sbuf_puts(&b, "<w:sectPr/></w:body></w:document>");
    char *xml = sbuf_take(&b, NULL);
    assert_non_null(xml);
    return xml;
}

static void check(const tt_doc *d, int day, const char *name, int start, int end, const char *notes)
{
    const tt_block *b = tb_get(d, day, name);
    assert_int_equal(b->start, start);
    assert_int_equal(b->end, end);
    if (notes)
        assert_string_equal(b->notes ? b->notes : "(null)", notes);
    else
        assert_null(b->notes);
}

static ap_status extract(const unsigned char *data, size_t len, tt_doc *d, ap_error *e)
{
    return tt_extract_bytes(data, len, NULL, d, e);
}

static void test_timetable(void **state)
{
    (void)state;
    char *xml = timetable_xml();
    size_t len = 0;
    unsigned char *docx =
        make_zip(&len, "[Content_Types].xml", "<Types/>", "word/document.xml", xml, NULL);
    tt_doc d;
    ap_error e = {0};
    if (extract(docx, len, &d, &e) != AP_OK) fail_msg("extract: %s", e.msg);
    assert_int_equal(d.nblocks, 7);
    check(&d, 0, "Maths", 9 * 60, 11 * 60, NULL);
    check(&d, 0, "Art", 11 * 60, 12 * 60, "Hall");
    check(&d, 0, "Lunch", 12 * 60, 12 * 60 + 30, NULL);
    check(&d, 1, "Lunch", 12 * 60, 12 * 60 + 30, NULL);
    check(&d, 1, "Science", 9 * 60, 10 * 60, "bring kit");
    check(&d, 1, "Music", 10 * 60, 11 * 60, "Room 4");
    check(&d, 1, "History", 11 * 60, 12 * 60, NULL);
    assert_string_equal(d.teacher, "Miss Smith");
    assert_string_equal(d.class_name, "4B");
    assert_int_equal(d.year, 2024);
    tt_doc_free(&d);
    free(docx);
    free(xml);
}

static void test_list_heading(void **state)
{
    (void)state;
    sbuf b = {0};
    sbuf_puts(&b, "<w:document xmlns:w=\"" W_NS "\"><w:body>");
    sbuf_puts(&b, P("Daily Schedule"));
    sbuf_puts(&b, P("Monday \xe2\x80\x93 Wednesday"));
    sbuf_puts(&b, "<w:tbl><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"6000\"/>"
                  "</w:tblGrid>");
    const char *rows[][2] = {
        {"8:45 - 9:00", "Register"}, {"9:00 - 10:15", "English"}, {"10:15 - 10:30", "Assembly"}};
    for (int i = 0; i < 3; i++) {
        sbuf_puts(&b, "<w:tr>");
        tc(&b, 2000, "", P(rows[i][0]));
        tc(&b, 6000, "", P(rows[i][1]));
        sbuf_puts(&b, "</w:tr>");
    }
    sbuf_puts(&b, "</w:tbl></w:body></w:document>");
    char *xml = sbuf_take(&b, NULL);
    size_t len = 0;
    unsigned char *docx = make_zip(&len, "word/document.xml", xml, NULL);
    tt_doc d;
    ap_error e = {0};
    if (extract(docx, len, &d, &e) != AP_OK) fail_msg("extract: %s", e.msg);
    assert_int_equal(d.nblocks, 9); /* three events on three days */
    for (int day = 0; day < 3; day++) {
        check(&d, day, "Register", 8 * 60 + 45, 9 * 60, NULL);
        check(&d, day, "English", 9 * 60, 10 * 60 + 15, NULL);
        check(&d, day, "Assembly", 10 * 60 + 15, 10 * 60 + 30, NULL);
    }
    tt_doc_free(&d);
    free(docx);
    free(xml);
}

/* A teacher's paragraph and a 2-day, 2-period table, as wrapped by the next tests. */
static void small_timetable(sbuf *b, const char *teacher)
{
    sbuf_printf(b,
                "%s<w:tbl><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"3000\"/>"
                "<w:gridCol w:w=\"3000\"/></w:tblGrid><w:tr>",
                P(teacher));
    tc(b, 2000, "", "<w:p/>");
    tc(b, 3000, "", P("9:00-10:00"));
    tc(b, 3000, "", P("10:00-11:00"));
    sbuf_puts(b, "</w:tr>");
    const char *rows[][3] = {{"Monday", "Maths", "Art"}, {"Tuesday", "Music", "PE"}};
    for (int i = 0; i < 2; i++) {
        sbuf_puts(b, "<w:tr>");
        for (int k = 0; k < 3; k++)
            tc(b, k ? 3000 : 2000, "", P(rows[i][k]));
        sbuf_puts(b, "</w:tr>");
    }
    sbuf_puts(b, "</w:tbl>");
}

/* Extracts document.xml (freed here) and checks small_timetable's four blocks, once each. */
static void check_small_timetable(char *xml, const char *teacher)
{
    assert_non_null(xml);
    size_t len = 0;
    unsigned char *docx = make_zip(&len, "word/document.xml", xml, NULL);
    tt_doc d;
    ap_error e = {0};
    if (extract(docx, len, &d, &e) != AP_OK) fail_msg("extract: %s", e.msg);
    assert_int_equal(d.nblocks, 4);
    check(&d, 0, "Maths", 9 * 60, 10 * 60, NULL);
    check(&d, 1, "PE", 10 * 60, 11 * 60, NULL);
    assert_string_equal(d.teacher, teacher);
    tt_doc_free(&d);
    free(docx);
    free(xml);
}

/* A title and the timetable set in a text box, as Word writes one: the drawing's
 * mc:AlternateContent holds the box (wps:txbx) and a VML fallback repeating it, which
 * must not be read again. */
static void test_text_boxes(void **state)
{
    (void)state;
    sbuf box = {0};
    small_timetable(&box, "Teacher: Mrs Okafor");
    char *content = sbuf_take(&box, NULL);
    assert_non_null(content);
    sbuf b = {0};
    sbuf_printf(&b,
                "<w:document xmlns:w=\"" W_NS "\" "
                "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "
                "xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\" "
                "xmlns:v=\"urn:schemas-microsoft-com:vml\"><w:body><w:p><w:r>"
                "<mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx>"
                "<w:txbxContent>%s</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>"
                "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>%s</w:txbxContent>"
                "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent>"
                "</w:r></w:p></w:body></w:document>",
                content, content);
    free(content);
    check_small_timetable(sbuf_take(&b, NULL), "Mrs Okafor");
}

/* A title and the timetable boxed in a 1 x 1 frame table are read as the title and the
 * timetable. */
static void test_frame(void **state)
{
    (void)state;
    sbuf b = {0};
    sbuf_puts(&b, "<w:document xmlns:w=\"" W_NS "\"><w:body><w:tbl><w:tblGrid>"
                  "<w:gridCol w:w=\"8000\"/></w:tblGrid><w:tr><w:tc>");
    small_timetable(&b, "Teacher: Mr Lewis");
    sbuf_puts(&b, "<w:p/></w:tc></w:tr></w:tbl></w:body></w:document>");
    check_small_timetable(sbuf_take(&b, NULL), "Mr Lewis");
}

static void expect_refused(const char *what, const unsigned char *data, size_t len, ap_status want,
                           const char *words)
{
    tt_doc d;
    ap_error e = {0};
    ap_status st = extract(data, len, &d, &e);
    if (st != want)
        fail_msg("%s: status %s (%s), wanted %s", what, ap_status_str(st), e.msg,
                 ap_status_str(want));
    if (!strstr(e.msg, words)) fail_msg("%s: message \"%s\" lacks \"%s\"", what, e.msg, words);
}

static void test_hostile(void **state)
{
    (void)state;
    /* a zip signature and nothing a zip needs */
    static const unsigned char broken[] = "PK\x03\x04garbage that is no archive at all";
    expect_refused("broken zip", broken, sizeof broken - 1, AP_ERR_INVALID, "zip");

    size_t len = 0;
    unsigned char *zip = make_zip(&len, "word/other.xml", "<x/>", NULL);
    expect_refused("no document.xml", zip, len, AP_ERR_INVALID, "word/document.xml");
    free(zip);

    /* 2 MiB of white space inside the body deflates to a few KiB */
    size_t big = (size_t)2 << 20;
    char *bomb = malloc(big + 200);
    assert_non_null(bomb);
    int head = snprintf(bomb, 200, "<w:document xmlns:w=\"" W_NS "\"><w:body>");
    memset(bomb + head, ' ', big);
    strcpy(bomb + head + big, "</w:body></w:document>");
    zip = make_zip(&len, "word/document.xml", bomb, NULL);
    assert_true(len < big / 100);
    expect_refused("bomb", zip, len, AP_ERR_TOO_LARGE, "decompression bomb");
    free(zip);
    free(bomb);

    /* nested 5,000 deep (small enough to pass the ratio bound) */
    sbuf b = {0};
    sbuf_puts(&b, "<w:document xmlns:w=\"" W_NS "\"><w:body>");
    for (int i = 0; i < 5000; i++)
        sbuf_puts(&b, "<w:sdt>");
    for (int i = 0; i < 5000; i++)
        sbuf_puts(&b, "</w:sdt>");
    sbuf_puts(&b, "</w:body></w:document>");
    char *deep = sbuf_take(&b, NULL);
    assert_non_null(deep);
    zip = make_zip(&len, "word/document.xml", deep, NULL);
    expect_refused("deep", zip, len, AP_ERR_INVALID, "docx:");
    free(zip);
    free(deep);

    /* XXE: an external entity naming a local file */
    static const char xxe[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<w:document xmlns:w=\"" W_NS "\"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>"
        "</w:body></w:document>";
    zip = make_zip(&len, "word/document.xml", xxe, NULL);
    expect_refused("xxe", zip, len, AP_ERR_INVALID, "DTD");
    free(zip);

    /* an entity bomb ("billion laughs") */
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
        "<w:document xmlns:w=\"" W_NS "\"><w:body><w:p><w:r><w:t>&c;&c;&c;</w:t></w:r></w:p>"
        "</w:body></w:document>";
    zip = make_zip(&len, "word/document.xml", laughs, NULL);
    expect_refused("laughs", zip, len, AP_ERR_INVALID, "DTD");
    free(zip);

    /* not XML at all */
    zip = make_zip(&len, "word/document.xml", "<w:document><unclosed", NULL);
    expect_refused("malformed", zip, len, AP_ERR_INVALID, "does not parse");
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timetable),  cmocka_unit_test(test_list_heading),
        cmocka_unit_test(test_text_boxes), cmocka_unit_test(test_frame),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
