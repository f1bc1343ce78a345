/*  site/check.h - `cohort site check`: a site's datasets against the
    consortium's data dictionary (models/dictionary.h), for the site's own
    operator, before any study or query names a column.

    Each data file is read whole with the strict CSV reader and every cell
    as its column's variable says (model_dict_value). The findings, one
    line each:

        column X: not in the dictionary
        column glucose: 3 values below min 0, 0 above max 300
        column inst: 2 values are not a level (rows 4, 17)
        column age: 1 value does not read as integer (row 12)

    Rows are data rows, 1 for the first record below the header; at most
    SITE_CHECK_ROWS are listed, then "...". A dictionary variable the data
    lacks is not a finding (a dataset may carry a subset of the variables):
    it is listed apart. Missing cells (empty or NA) are not findings.

    The report is local: counts and row numbers are for the operator of
    the site and are never sent (out-of-range values are clamped and
    counted at the site, STYLE.md rule 15). No line holds the text of a
    cell; a column name from the data's header is printed with its control
    characters shown as '?'.

    Contents
        site_finding_kind_t, site_finding_t     one finding
        site_check_t                            one file's findings
        site_check_dataset                      checks one data file
        site_check_destroy                      frees a check
        site_check_config                       checks every dataset of a
                                                site.cfg and prints a report

    A check is the caller's (site_check_destroy, NULL-safe) and owns its
    findings and strings. Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef SITE_CHECK_H
#define SITE_CHECK_H

#include "models/dictionary.h"

#include <stddef.h>
#include <stdio.h>

//  Row numbers a finding lists.
#define SITE_CHECK_ROWS 5

typedef enum {
    SITE_FINDING_COLUMN,        //  a data column the dictionary does not name
    SITE_FINDING_BOUNDS,        //  numbers outside the variable's [min, max]
    SITE_FINDING_LEVEL,         //  categorical cells that are not a level
    SITE_FINDING_VALUE          //  cells that do not read as the variable's type
} site_finding_kind_t;

typedef struct {
    site_finding_kind_t kind;
    char *column;               //  the data column, as the header names it
    size_t count;               //  cells found (BOUNDS: below + above; COLUMN: 0)
    size_t below, above;        //  BOUNDS: values under min, over max
    double min, max;            //  BOUNDS: the variable's bounds
    size_t rows [SITE_CHECK_ROWS];  //  LEVEL, VALUE: the first rows (1-based)
    size_t n_rows;
    char *text;                 //  the line, as above
} site_finding_t;

typedef struct {
    size_t rows, cols;          //  of the data file
    site_finding_t *findings;   //  in column order
    size_t n_findings;
    char **absent;              //  dictionary variables the file lacks (not findings)
    size_t n_absent;
} site_check_t;

/*  Reads the CSV file at `path` and checks it against `dict`. The column
    `skip` (NULL: none), a dataset's patient_column, is an identifier and
    not checked. 0 with *out (a check with zero findings is a clean file),
    or -1 with *out NULL when the file cannot be read as CSV or memory runs
    out (the reason names the file). */
int site_check_dataset (site_check_t **out, const model_dict_t *dict, const char *path,
                        const char *skip);
void site_check_destroy (site_check_t **self_p);

/*  Loads the site.cfg at `config` and the dictionary at `dictionary` (NULL:
    the config's dictionary key), checks every registered dataset (its path,
    and its test_path when it has one) and prints the report to `out`: a
    line per file, its findings indented below it, and a last line with the
    total. A data file that cannot be read is a finding. Returns the number
    of findings (0: every file is clean), or -1 when the config or the
    dictionary cannot be loaded, or there is no dictionary to check against
    (nothing printed). */
long site_check_config (const char *config, const char *dictionary, FILE *out);

#endif
