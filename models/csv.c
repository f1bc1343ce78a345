/*  models/csv.c - the strict CSV reader. */
#include "csv.h"
#include "models.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t offset;            //  into text
    uint32_t line;
    uint32_t column;
} s_cell_t;

struct _model_csv_t {
    char *name;
    char *text;                 //  unquoted cells, each NUL-terminated
    s_cell_t *cells;            //  header first, then rows * cols
    size_t n_cells;
    size_t cap_cells;
    size_t cols;
};

static int
s_push (model_csv_t *self, uint32_t offset, size_t line, size_t column)
{
    if (self->n_cells == self->cap_cells) {
        size_t cap = self->cap_cells? self->cap_cells * 2: 256;
        s_cell_t *cells = util_realloc_array (self->cells, cap, sizeof *cells);
        if (!cells)
            return util_error_context ("%s: reading CSV", self->name);
        self->cells = cells;
        self->cap_cells = cap;
    }
    //  Lines and columns fit: the input is at most MODEL_CSV_HARD_MAX bytes.
    self->cells [self->n_cells++] = (s_cell_t) {
        offset, (uint32_t) line, (uint32_t) column
    };
    return 0;
}

//  The state of one pass over the input.
typedef struct {
    model_csv_t *csv;
    const char *in;
    size_t size;
    size_t pos;
    size_t line;
    size_t col;
    size_t out;                 //  write position in csv->text
} s_parser_t;

static int
s_fail (s_parser_t *p, size_t line, size_t col, const char *what)
{
    return util_error (UTIL_EINPUT, "%s:%zu:%zu: %s", p->csv->name, line, col, what);
}

//  Reads one field at p->pos into csv->text and records it. Leaves p->pos
//  on the separator, line end or end of input that follows.
static int
s_field (s_parser_t *p)
{
    size_t line = p->line, col = p->col;
    uint32_t start = (uint32_t) p->out;
    char *out = p->csv->text;
    if (p->pos < p->size && p->in [p->pos] == '"') {
        p->pos++, p->col++;
        while (1) {
            if (p->pos == p->size)
                return s_fail (p, line, col, "unterminated quoted field");
            char c = p->in [p->pos];
            if (c == '\0')
                return s_fail (p, p->line, p->col, "NUL byte in input");
            if (c == '"') {
                if (p->pos + 1 < p->size && p->in [p->pos + 1] == '"') {
                    out [p->out++] = '"';
                    p->pos += 2, p->col += 2;
                    continue;
                }
                p->pos++, p->col++;
                break;
            }
            out [p->out++] = c;
            p->pos++;
            if (c == '\n')
                p->line++, p->col = 1;
            else
                p->col++;
        }
        if (p->pos < p->size) {
            char c = p->in [p->pos];
            if (c != ',' && c != '\n' && c != '\r')
                return s_fail (p, p->line, p->col,
                               "unexpected character after closing quote");
        }
    }
    else {
        while (p->pos < p->size) {
            char c = p->in [p->pos];
            if (c == ',' || c == '\n' || c == '\r')
                break;
            if (c == '"')
                return s_fail (p, p->line, p->col,
                               "quote inside an unquoted field (quote the whole field)");
            if (c == '\0')
                return s_fail (p, p->line, p->col, "NUL byte in input");
            out [p->out++] = c;
            p->pos++, p->col++;
        }
    }
    out [p->out++] = '\0';
    return s_push (p->csv, start, line, col);
}

//  Reads one record. Returns 0 or -1.
static int
s_record (s_parser_t *p, int is_header)
{
    size_t record_line = p->line;
    size_t fields = 0;
    size_t end_line = 0, end_col = 0;
    char c = p->in [p->pos];
    if (c == '\n' || c == '\r')
        return s_fail (p, p->line, p->col, "blank line");
    while (1) {
        if (!is_header && fields == p->csv->cols) {
            char msg [96];
            snprintf (msg, sizeof msg, "record has more than the %zu fields of the header",
                      p->csv->cols);
            return s_fail (p, p->line, p->col, msg);
        }
        if (is_header && fields == MODEL_CSV_MAX_COLS)
            return s_fail (p, p->line, p->col, "more than 4096 columns");
        if (s_field (p))
            return -1;
        fields++;
        end_line = p->line, end_col = p->col;
        if (p->pos == p->size)
            break;
        c = p->in [p->pos];
        if (c == ',') {
            p->pos++, p->col++;
            continue;
        }
        if (c == '\r') {
            if (p->pos + 1 >= p->size || p->in [p->pos + 1] != '\n')
                return s_fail (p, p->line, p->col, "carriage return not followed by line feed");
            p->pos++;
        }
        p->pos++;
        p->line++, p->col = 1;
        break;
    }
    if (is_header)
        p->csv->cols = fields;
    else
    if (fields != p->csv->cols) {
        char msg [96];
        snprintf (msg, sizeof msg, "record starting on line %zu has %zu fields, header has %zu",
                  record_line, fields, p->csv->cols);
        return s_fail (p, end_line, end_col, msg);
    }
    return 0;
}

static int
s_check_header (model_csv_t *self)
{
    for (size_t j = 0; j < self->cols; j++) {
        const s_cell_t *a = &self->cells [j];
        const char *name = self->text + a->offset;
        if (*name == '\0')
            return util_error (UTIL_EINPUT, "%s:%u:%u: empty column name in header",
                               self->name, a->line, a->column);
        for (size_t k = 0; k < j; k++)
            if (strcmp (self->text + self->cells [k].offset, name) == 0)
                return util_error (UTIL_EINPUT, "%s:%u:%u: duplicate column name '%s' in header",
                                   self->name, a->line, a->column, name);
    }
    return 0;
}

int
model_csv_parse (model_csv_t **out, const char *name, const char *data, size_t size,
                 size_t max_bytes)
{
    *out = NULL;
    if (!name)
        name = "<csv>";
    if (max_bytes == 0)
        max_bytes = MODEL_CSV_MAX_BYTES;
    if (max_bytes > MODEL_CSV_HARD_MAX)
        max_bytes = MODEL_CSV_HARD_MAX;
    if (size > max_bytes)
        return util_error (UTIL_ELIMIT, "%s:1:1: input is %zu bytes, over the limit of %zu",
                           name, size, max_bytes);
    //  A UTF-8 byte order mark is not part of the first column name.
    if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
        data += 3, size -= 3;
    if (size == 0)
        return util_error (UTIL_EINPUT, "%s:1:1: empty file (a header row is required)", name);

    model_csv_t *self = util_calloc (1, sizeof *self);
    //  Unquoted text never outgrows the input: every field's NUL takes the
    //  place of the separator after it, and the last one takes the +1
    //  (size is at most MODEL_CSV_HARD_MAX: no wrap).
    if (!self || !(self->name = util_strdup (name)) || !(self->text = util_malloc (size + 1))) {
        model_csv_destroy (&self);
        return util_error_context ("%s: reading CSV", name);
    }
    s_parser_t p = { self, data, size, 0, 1, 1, 0 };
    int rc = s_record (&p, 1);
    if (rc == 0)
        rc = s_check_header (self);
    while (rc == 0 && p.pos < p.size)
        rc = s_record (&p, 0);
    if (rc) {
        model_csv_destroy (&self);
        return -1;
    }
    *out = self;
    return 0;
}

int
model_csv_load (model_csv_t **out, const char *path, size_t max_bytes)
{
    *out = NULL;
    if (max_bytes == 0)
        max_bytes = MODEL_CSV_MAX_BYTES;
    if (max_bytes > MODEL_CSV_HARD_MAX)
        max_bytes = MODEL_CSV_HARD_MAX;
    char *data = NULL;
    size_t size = 0;
    if (util_file_read (path, max_bytes, 0, &data, &size))
        return -1;
    int rc = model_csv_parse (out, path, data, size, max_bytes);
    free (data);
    return rc;
}

void
model_csv_destroy (model_csv_t **csv_p)
{
    if (!csv_p || !*csv_p)
        return;
    model_csv_t *self = *csv_p;
    free (self->name);
    free (self->text);
    free (self->cells);
    free (self);
    *csv_p = NULL;
}

const char *
model_csv_name (const model_csv_t *csv)
{
    return csv->name;
}

size_t
model_csv_rows (const model_csv_t *csv)
{
    return csv->n_cells / csv->cols - 1;
}

size_t
model_csv_cols (const model_csv_t *csv)
{
    return csv->cols;
}

const char *
model_csv_header (const model_csv_t *csv, size_t j)
{
    return csv->text + csv->cells [j].offset;
}

long
model_csv_find (const model_csv_t *csv, const char *name)
{
    for (size_t j = 0; j < csv->cols; j++)
        if (strcmp (model_csv_header (csv, j), name) == 0)
            return (long) j;
    return -1;
}

const char *
model_csv_cell (const model_csv_t *csv, size_t i, size_t j)
{
    return csv->text + csv->cells [(i + 1) * csv->cols + j].offset;
}

size_t
model_csv_line (const model_csv_t *csv, size_t i, size_t j)
{
    return csv->cells [(i + 1) * csv->cols + j].line;
}

size_t
model_csv_column (const model_csv_t *csv, size_t i, size_t j)
{
    return csv->cells [(i + 1) * csv->cols + j].column;
}
