/*  models/csv.h - a strict CSV reader (RFC 4180 with CRLF or LF line ends)
    for the datasets sites train on.

    The first record is the header: non-empty, unique column names. Fields
    may be quoted ("a,b", "say ""hi"""); quoted fields may span lines. Every
    record must have as many fields as the header. A final line end is
    optional; a blank line inside the file is refused. Cells are kept as text
    with the line and column where each starts, so that whoever converts them
    (models/dataset.c) can report file:line:column for a bad value.

    Refused, with "name:line:column: reason" in util_last_error (): an empty
    file, input larger than the limit, a NUL byte, an unterminated quote, a
    character after a closing quote, a quote inside an unquoted field, a
    ragged record, a blank line, an empty or duplicate header name, more than
    MODEL_CSV_MAX_COLS columns.

    Contents
        model_csv_t                 a parsed table
        model_csv_parse             a table from bytes in memory
        model_csv_load              a table from a file, under a cap
        model_csv_destroy           frees a table
        model_csv_name, model_csv_rows, model_csv_cols, model_csv_header,
        model_csv_find              the table's name, size and columns
        model_csv_cell              a cell's text (borrowed)
        model_csv_line, model_csv_column   where a cell starts in the input

    A table is the caller's (model_csv_destroy, NULL-safe) and holds its own
    copy of the cells and the name; every string it returns is borrowed from
    it.
*/
#ifndef MODELS_CSV_H
#define MODELS_CSV_H

#include "models.h"

#include <stddef.h>

#define MODEL_CSV_MAX_COLS      4096
//  Default input size limit (64 MiB); the largest accepted limit is 1 GiB.
#define MODEL_CSV_MAX_BYTES     ((size_t) 64 << 20)
#define MODEL_CSV_HARD_MAX      ((size_t) 1 << 30)

typedef struct _model_csv_t model_csv_t;

/*  Parses `size` bytes at `data`; `name` labels error messages (a file name).
    `max_bytes` bounds the input (0 means MODEL_CSV_MAX_BYTES; values
    above MODEL_CSV_HARD_MAX are lowered to it). On success
    *out is a new table owned by the caller; on failure *out is NULL and -1
    is returned. */
int model_csv_parse (model_csv_t **out, const char *name, const char *data,
                     size_t size, size_t max_bytes) MODEL_WUR;

/*  Reads and parses the file at `path`, refusing files over `max_bytes`
    (0 means MODEL_CSV_MAX_BYTES) before reading them. Same contract. */
int model_csv_load (model_csv_t **out, const char *path, size_t max_bytes) MODEL_WUR;

/*  NULL-safe; sets *csv_p to NULL. */
void model_csv_destroy (model_csv_t **csv_p);

/*  The name given at parse time (borrowed). */
const char *model_csv_name (const model_csv_t *csv);
/*  Number of data records (the header not counted) and of columns. */
size_t model_csv_rows (const model_csv_t *csv);
size_t model_csv_cols (const model_csv_t *csv);
/*  Header name of column j < cols (borrowed). */
const char *model_csv_header (const model_csv_t *csv, size_t j);
/*  Index of the column called `name`, or -1 if there is none. */
long model_csv_find (const model_csv_t *csv, const char *name);
/*  Text of cell (i, j), unquoted, "" for an empty field (borrowed). */
const char *model_csv_cell (const model_csv_t *csv, size_t i, size_t j);
/*  1-based line and column in the input where cell (i, j) starts. Row i of
    the data is record i + 1 of the file; it may start below line i + 2 when
    earlier quoted fields span lines. */
size_t model_csv_line   (const model_csv_t *csv, size_t i, size_t j);
size_t model_csv_column (const model_csv_t *csv, size_t i, size_t j);

#endif
