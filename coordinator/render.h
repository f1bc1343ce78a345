/*  coordinator/render.h - a study report (docs/report.md, `cohort_report: 1`)
    rendered for machines, spreadsheets and people.

    The report is untrusted input here (it may come from a file or over the
    network): its structure is checked, every string it carries is escaped
    for the output format (HTML entities; CSV quoting, with a leading `'`
    before text a spreadsheet would run as a formula), and nothing in it is
    ever fetched or executed.

    Contents
        coord_render            a report written as JSON, CSV or HTML

    The report and the stream are borrowed.
*/
#ifndef COORD_RENDER_H
#define COORD_RENDER_H

#include <jansson.h>
#include <stdio.h>

/*  Writes `report` to `out` as `format`:
      "json"  pretty-printed JSON (2-space indent, keys in report order);
      "csv"   "field,value" lines for the study, privacy and final-metric
              fields, a blank line, then one row per round with a header
              row (a column per metric seen in any round);
      "html"  one self-contained HTML5 file: no scripts, no external
              resources; inline SVG charts of the evaluation metrics, the
              epsilon spent and the participation per round; a privacy block
              that always states epsilon, delta, the accountant, the
              conversion, the unit and the neighbouring relation (or says
              that the report does not state one); "NOT PRIVATE" stamped in
              red at the top and in the privacy block when privacy is off.
    Returns 0, or -1 + util_last_error () for an unknown format, a report
    that is not a version-1 report object, a wrong type in a required
    place (with the JSON path), or a write error. On error the output may
    hold a partial document. */
int coord_render (const json_t *report, const char *format, FILE *out);

#endif
