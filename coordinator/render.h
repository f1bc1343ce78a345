/*  coordinator/render.h - a study or query report (docs/report.md,
    `cohort_report: 1`) rendered for machines, spreadsheets and people.

    The report is untrusted input here (it may come from a file or over the
    network): its structure is checked, every string it carries is escaped
    for the output format (HTML entities; CSV quoting, with a leading `'`
    before text a spreadsheet would run as a formula), and nothing in it is
    ever fetched or executed.

    Contents
        coord_render            a report written as JSON, CSV, HTML or text
        coord_query_text        a query's report as a table for a terminal

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
              resources; inline SVG charts of the evaluation metrics (every
              evaluation round; one evaluation said in words), the epsilon
              spent and the participation per round; each metric's interval
              (<metric>_low_<level>, _high_<level>) beside it with one plain
              sentence on what it means; tables that scroll sideways in
              their own box; a print style for A4; a privacy block
              that always states epsilon, delta, the accountant, the
              conversion, the unit and the neighbouring relation (or says
              that the report does not state one); "NOT PRIVATE" stamped in
              red at the top and in the privacy block when privacy is off.
    A query's report (it has "query" and "results": coordinator/query.h)
    is written by coordinator/query.c: "json" as above, "csv" tidy (one row
    per statistic, group and level), "html" with SVG charts, and "text" a
    table for a terminal (coord_query_text).
    Returns 0, or -1 + util_last_error () for an unknown format, a report
    that is not a version-1 report object, a wrong type in a required
    place (with the JSON path), or a write error. On error the output may
    hold a partial document. */
int coord_render (const json_t *report, const char *format, FILE *out);

/*  A query's report as a table: the query, its data and privacy, one line
    per figure with its 95% interval (tables for crosstabs and
    correlations), the left-out count and the notes. 0, or -1 (not a query
    report, a write error). */
int coord_query_text (const json_t *report, FILE *out);

#endif
