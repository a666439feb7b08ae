/* header: a timetable's header fields (teacher, class, term, year) from the text printed
 * outside its grid: titles, "Teacher: ..." lines, footers.
 *
 * Labelled fields ("Teacher: Miss Joynes", "Class: 2EJ", "Term: Autumn 2 2024", "Year:
 * 2024", and the usual other names of each label) are read first. Unlabelled wordings
 * ("Year 3 · Mr Taylor · Autumn 1 2023", "Miss Joynes – 2EJ" over "Spring Term, 2019")
 * are read by what each field looks like: a teacher is an honorific and a capitalised
 * name, a term a season or a numbered term word, a year four digits of this or the last
 * century, a class a year group ("Year 3", "Grade 2"), a named class ("Oak Class"), or a
 * short code or name standing on its own between separators in a line that also holds
 * a teacher or a term. A labelled field wins over an unlabelled one; among unlabelled
 * ones, the line holding the most fields wins (a header line), then the first. */
#ifndef AP_HEADER_H
#define AP_HEADER_H

#include "core/status.h"
#include "document/timetable.h"

/* Reads text (lines separated by '\n'; at most TT_HEADER_MAX_LINES lines of
 * TT_HEADER_MAX_LINE bytes are looked at) and sets each of doc's teacher, class_name,
 * term and year that is still unset and that the text gives. AP_OK, or AP_ERR_NOMEM
 * (doc keeps what was set before the failure). */
ap_status tt_header_fields(const char *text, tt_doc *doc);

#define TT_HEADER_MAX_LINES 512
#define TT_HEADER_MAX_LINE  1024

#endif
