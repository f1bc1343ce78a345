/*  models/dictionary.c - the consortium data dictionary, on the strict CSV
    reader (models/csv.h). Every refusal names the cell where it was found,
    "origin:line:column: <dictionary column>: reason". */
#include "dictionary.h"
#include "csv.h"
#include "dataset.h"
#include "models.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _model_dict_t {
    model_var_t *vars;
    size_t n_vars;
};

//  The dictionary's columns, in the order the header must list them.
enum { S_NAME, S_TYPE, S_MIN, S_MAX, S_LEVELS, S_UNIT, S_DESCRIPTION, S_COLUMNS };
static const char *s_columns [S_COLUMNS] = {
    "name", "type", "min", "max", "levels", "unit", "description"
};
#define S_HEADER "name,type,min,max,levels,unit,description"

//  Indexed by model_var_type_t.
static const char *s_types [] = {
    "numeric", "integer", "binary", "categorical", "time", "event"
};
#define S_TYPES (sizeof s_types / sizeof s_types [0])

static const char s_example [] =
    S_HEADER "\n"
    "pregnant,integer,0,20,,,number of pregnancies\n"
    "glucose,numeric,0,300,,mg/dl,plasma glucose 2 h after an oral glucose tolerance test\n"
    "pressure,numeric,0,160,,mm Hg,diastolic blood pressure\n"
    "triceps,numeric,0,100,,mm,triceps skin-fold thickness\n"
    "insulin,numeric,0,1000,,muU/ml,2-hour serum insulin\n"
    "mass,numeric,10,80,,kg/m2,body mass index\n"
    "pedigree,numeric,0,3,,,diabetes pedigree function\n"
    "age,integer,18,100,,years,age\n"
    "diabetes,binary,0,1,neg|pos,,diabetes within five years (WHO criteria): 1 = pos\n";

//  Records "origin:line:column: <column j>: <reason>" for the cell of
//  dictionary row `row` in column j. Returns -1.
static int
    s_fail (const model_csv_t *csv, size_t row, int j, const char *fmt, ...)
    __attribute__((format (printf, 4, 5)));

static int
s_fail (const model_csv_t *csv, size_t row, int j, const char *fmt, ...)
{
    char reason [200];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason, sizeof reason, fmt, ap);
    va_end (ap);
    return util_error (UTIL_EINPUT, "%s:%zu:%zu: %s: %s", model_csv_name (csv),
                       model_csv_line (csv, row, j), model_csv_column (csv, row, j),
                       s_columns [j], reason);
}

//  An allocation failed while reading row `row`: keeps the code (ENOMEM),
//  says where. Returns -1.
static int
s_fail_memory (const model_csv_t *csv, size_t row)
{
    return util_error_context ("%s:%zu: reading the dictionary", model_csv_name (csv),
                               model_csv_line (csv, row, 0));
}

//  Free text: no control character (a byte below 32, or DEL). Bytes of 128
//  and above are let through: UTF-8 text is printable.
static bool
s_printable (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c < 32 || c == 127)
            return false;
    }
    return true;
}

static bool
s_blank (const char *cell)
{
    return cell [strspn (cell, " ")] == '\0';
}

//  `cell` without its leading and trailing spaces: the start, and the length
//  in *len.
static const char *
s_trim (const char *cell, size_t *len)
{
    while (*cell == ' ')
        cell++;
    size_t n = strlen (cell);
    while (n > 0 && cell [n - 1] == ' ')
        n--;
    *len = n;
    return cell;
}

static int
s_name (const model_csv_t *csv, size_t row, model_var_t *var)
{
    const char *name = model_csv_cell (csv, row, S_NAME);
    size_t len = strlen (name);
    if (len == 0)
        return s_fail (csv, row, S_NAME, "missing");
    if (len > MODEL_DICT_NAME_LEN)
        return s_fail (csv, row, S_NAME, "longer than %d characters", MODEL_DICT_NAME_LEN);
    for (size_t i = 0; i < len; i++) {
        char c = name [i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
               || c == '_' || c == '.';
        if (!ok)
            return s_fail (csv, row, S_NAME, "character %zu is not allowed (letters, digits, "
                           "'_' and '.')", i + 1);
    }
    if (!(var->name = util_strdup (name)))
        return s_fail_memory (csv, row);
    return 0;
}

static int
s_type (const model_csv_t *csv, size_t row, model_var_t *var)
{
    const char *type = model_csv_cell (csv, row, S_TYPE);
    if (!*type)
        return s_fail (csv, row, S_TYPE, "missing");
    for (size_t t = 0; t < S_TYPES; t++)
        if (strcmp (type, s_types [t]) == 0) {
            var->type = (model_var_type_t) t;
            return 0;
        }
    return s_fail (csv, row, S_TYPE, "unknown (numeric, integer, binary, categorical, time or "
                   "event)");
}

//  Reads the bound in column j (S_MIN or S_MAX) into *out: 0, 1 when the
//  cell is empty, -1 when it is not a finite number.
static int
s_bound (const model_csv_t *csv, size_t row, int j, double *out)
{
    const char *cell = model_csv_cell (csv, row, j);
    if (s_blank (cell))
        return 1;
    //  model_parse_number refuses nan, inf, hex and overflow: no bound is
    //  anything but a finite decimal.
    if (model_parse_number (cell, out))
        return s_fail (csv, row, j, "not a finite number");
    return 0;
}

//  min and max as the type wants them. Categorical bounds are set once the
//  levels are known.
static int
s_bounds (const model_csv_t *csv, size_t row, model_var_t *var)
{
    double lo = 0, hi = 0;
    int has_lo = s_bound (csv, row, S_MIN, &lo);
    if (has_lo < 0)
        return -1;
    int has_hi = s_bound (csv, row, S_MAX, &hi);
    if (has_hi < 0)
        return -1;
    const char *type = s_types [var->type];
    switch (var->type) {
        case MODEL_VAR_NUMERIC:
        case MODEL_VAR_INTEGER:
        case MODEL_VAR_TIME:
            if (has_lo)
                return s_fail (csv, row, S_MIN, "missing (a%s %s variable needs bounds)",
                               var->type == MODEL_VAR_INTEGER? "n": "", type);
            if (has_hi)
                return s_fail (csv, row, S_MAX, "missing (a%s %s variable needs bounds)",
                               var->type == MODEL_VAR_INTEGER? "n": "", type);
            if (var->type == MODEL_VAR_INTEGER && lo != floor (lo))
                return s_fail (csv, row, S_MIN, "not a whole number (an integer variable's "
                               "bounds are whole)");
            if (var->type == MODEL_VAR_INTEGER && hi != floor (hi))
                return s_fail (csv, row, S_MAX, "not a whole number (an integer variable's "
                               "bounds are whole)");
            if (var->type == MODEL_VAR_TIME && lo < 0)
                return s_fail (csv, row, S_MIN, "below 0 (a time is never negative)");
            if (!(lo < hi))
                return s_fail (csv, row, S_MAX, "not above min");
            break;
        case MODEL_VAR_BINARY:
        case MODEL_VAR_EVENT:
            if (!has_lo && lo != 0)
                return s_fail (csv, row, S_MIN, "must be 0 or empty (a%s %s variable is 0 or 1)",
                               var->type == MODEL_VAR_EVENT? "n": "", type);
            if (!has_hi && hi != 1)
                return s_fail (csv, row, S_MAX, "must be 1 or empty (a%s %s variable is 0 or 1)",
                               var->type == MODEL_VAR_EVENT? "n": "", type);
            lo = 0, hi = 1;
            break;
        case MODEL_VAR_CATEGORICAL:
            if (!has_lo)
                return s_fail (csv, row, S_MIN, "must be empty (a categorical variable's values "
                               "are its levels)");
            if (!has_hi)
                return s_fail (csv, row, S_MAX, "must be empty (a categorical variable's values "
                               "are its levels)");
            break;
    }
    var->min = lo;
    var->max = hi;
    return 0;
}

//  One level, level k (0-based) of the cell, `len` bytes at `text`.
static int
s_level (const model_csv_t *csv, size_t row, model_var_t *var, size_t k, const char *text,
         size_t len)
{
    if (len == 0)
        return s_fail (csv, row, S_LEVELS, "level %zu is empty", k + 1);
    if (len > MODEL_DICT_LEVEL_LEN)
        return s_fail (csv, row, S_LEVELS, "level %zu is longer than %d characters", k + 1,
                       MODEL_DICT_LEVEL_LEN);
    if (!s_printable (text, len))
        return s_fail (csv, row, S_LEVELS, "level %zu has a control character", k + 1);
    //  A cell is read without its surrounding spaces: such a level could
    //  never match one.
    if (text [0] == ' ' || text [len - 1] == ' ')
        return s_fail (csv, row, S_LEVELS, "level %zu begins or ends with a space", k + 1);
    char *level = var->levels [k] = util_strndup (text, len);
    if (!level)
        return s_fail_memory (csv, row);
    if (model_is_missing (level))
        return s_fail (csv, row, S_LEVELS, "level %zu is NA, which reads as a missing value",
                       k + 1);
    //  A binary's cells 0 and 1 are its codes: a level that is a number
    //  would make a cell mean two things.
    double x;
    if (var->type == MODEL_VAR_BINARY && model_parse_number (level, &x) == 0)
        return s_fail (csv, row, S_LEVELS, "level %zu is a number (a binary variable's cells 0 "
                       "and 1 are its codes; name its levels with words)", k + 1);
    for (size_t m = 0; m < k; m++)
        if (strcmp (var->levels [m], level) == 0)
            return s_fail (csv, row, S_LEVELS, "level %zu repeats level %zu", k + 1, m + 1);
    return 0;
}

static int
s_levels (const model_csv_t *csv, size_t row, model_var_t *var)
{
    const char *cell = model_csv_cell (csv, row, S_LEVELS);
    bool takes = var->type == MODEL_VAR_CATEGORICAL || var->type == MODEL_VAR_BINARY;
    if (!*cell) {
        if (var->type == MODEL_VAR_CATEGORICAL)
            return s_fail (csv, row, S_LEVELS, "missing (a categorical variable needs 2 to %d "
                           "levels separated by '|')", MODEL_DICT_LEVELS_MAX);
        return 0;
    }
    if (!takes)
        return s_fail (csv, row, S_LEVELS, "only categorical and binary variables take levels");
    size_t n = 1;
    for (const char *p = cell; *p; p++)
        n += *p == '|';
    if (n > MODEL_DICT_LEVELS_MAX)
        return s_fail (csv, row, S_LEVELS, "%zu levels, more than %d", n,
                       MODEL_DICT_LEVELS_MAX);
    if (var->type == MODEL_VAR_BINARY && n != 2)
        return s_fail (csv, row, S_LEVELS, "%zu level%s (a binary variable names exactly 2, for "
                       "the codes 0 and 1)", n, n == 1? "": "s");
    if (n < 2)
        return s_fail (csv, row, S_LEVELS, "1 level (a categorical variable needs 2 or more, "
                       "separated by '|')");
    //  n <= MODEL_DICT_LEVELS_MAX: the product cannot wrap.
    if (!(var->levels = util_calloc (n, sizeof *var->levels)))
        return s_fail_memory (csv, row);
    var->n_levels = n;
    const char *p = cell;
    for (size_t k = 0; k < n; k++) {
        const char *end = strchr (p, '|');
        size_t len = end? (size_t) (end - p): strlen (p);
        if (s_level (csv, row, var, k, p, len))
            return -1;
        p += len + 1;
    }
    if (var->type == MODEL_VAR_CATEGORICAL) {
        var->min = 0;
        var->max = (double) (n - 1);
    }
    return 0;
}

//  unit or description: free text.
static int
s_text (const model_csv_t *csv, size_t row, int j, char **out)
{
    const char *cell = model_csv_cell (csv, row, j);
    size_t len = strlen (cell);
    if (len > MODEL_DICT_TEXT_LEN)
        return s_fail (csv, row, j, "longer than %d characters", MODEL_DICT_TEXT_LEN);
    if (!s_printable (cell, len))
        return s_fail (csv, row, j, "has a control character");
    if (!(*out = util_strdup (cell)))
        return s_fail_memory (csv, row);
    return 0;
}

//  Reads dictionary row `row` into self->vars [self->n_vars] (counted at
//  once, so that model_dict_destroy frees what a failing row allocated).
static int
s_row (model_dict_t *self, const model_csv_t *csv, size_t row)
{
    model_var_t *var = &self->vars [self->n_vars++];
    if (s_name (csv, row, var) || s_type (csv, row, var) || s_bounds (csv, row, var)
    ||  s_levels (csv, row, var) || s_text (csv, row, S_UNIT, &var->unit)
    ||  s_text (csv, row, S_DESCRIPTION, &var->description))
        return -1;
    for (size_t k = 0; k + 1 < self->n_vars; k++)
        if (strcmp (self->vars [k].name, var->name) == 0)
            return s_fail (csv, row, S_NAME, "'%s' is listed twice (first on line %zu)",
                           var->name, model_csv_line (csv, k, S_NAME));
    return 0;
}

static int
s_header (const model_csv_t *csv)
{
    const char *origin = model_csv_name (csv);
    if (model_csv_cols (csv) != S_COLUMNS)
        return util_error (UTIL_EINPUT, "%s:1:1: header: %zu column%s, expected exactly "
                           S_HEADER, origin, model_csv_cols (csv),
                           model_csv_cols (csv) == 1? "": "s");
    for (size_t j = 0; j < S_COLUMNS; j++)
        if (strcmp (model_csv_header (csv, j), s_columns [j]))
            return util_error (UTIL_EINPUT, "%s:1:1: header: column %zu should be '%s' "
                               "(expected exactly " S_HEADER ")", origin, j + 1, s_columns [j]);
    return 0;
}

model_dict_t *
model_dict_parse (const char *origin, const char *text, size_t size)
{
    if (!origin)
        origin = "<dictionary>";
    model_csv_t *csv = NULL;
    model_dict_t *self = NULL;
    if (model_csv_parse (&csv, origin, text, size, MODEL_DICT_BYTES_MAX) || s_header (csv))
        goto failed;
    size_t rows = model_csv_rows (csv);
    if (rows == 0) {
        util_error (UTIL_EINPUT, "%s:1:1: no variables (one row per variable below the header)",
                    origin);
        goto failed;
    }
    if (rows > MODEL_DICT_VARS_MAX) {
        util_error (UTIL_ELIMIT, "%s:%zu:1: more than %d variables", origin,
                    model_csv_line (csv, MODEL_DICT_VARS_MAX, 0), MODEL_DICT_VARS_MAX);
        goto failed;
    }
    //  rows <= MODEL_DICT_VARS_MAX: the product cannot wrap.
    if (!(self = util_calloc (1, sizeof *self))
    ||  !(self->vars = util_calloc (rows, sizeof *self->vars))) {
        util_error_context ("%s: reading the dictionary", origin);
        goto failed;
    }
    for (size_t row = 0; row < rows; row++)
        if (s_row (self, csv, row))
            goto failed;
    model_csv_destroy (&csv);
    return self;
failed:
    model_csv_destroy (&csv);
    model_dict_destroy (&self);
    return NULL;
}

model_dict_t *
model_dict_load (const char *path)
{
    char *text = NULL;
    size_t size = 0;
    if (util_file_read (path, MODEL_DICT_BYTES_MAX, 0, &text, &size)) {
        //  Its other failures name the file; running out of memory does not.
        if (util_last_code () == UTIL_ENOMEM)
            util_error_context ("%s: reading the dictionary", path);
        return NULL;
    }
    model_dict_t *self = model_dict_parse (path, text, size);
    free (text);
    return self;
}

void
model_dict_destroy (model_dict_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    model_dict_t *self = *self_p;
    for (size_t i = 0; i < self->n_vars; i++) {
        model_var_t *var = &self->vars [i];
        free (var->name);
        for (size_t k = 0; k < var->n_levels; k++)
            free (var->levels [k]);
        free (var->levels);
        free (var->unit);
        free (var->description);
    }
    free (self->vars);
    free (self);
    *self_p = NULL;
}

size_t
model_dict_size (const model_dict_t *self)
{
    return self->n_vars;
}

const model_var_t *
model_dict_var (const model_dict_t *self, size_t index)
{
    return index < self->n_vars? &self->vars [index]: NULL;
}

const model_var_t *
model_dict_find (const model_dict_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_vars; i++)
        if (strcmp (self->vars [i].name, name) == 0)
            return &self->vars [i];
    return NULL;
}

const char *
model_dict_type_name (model_var_type_t type)
{
    return (size_t) type < S_TYPES? s_types [type]: "unknown";
}

bool
model_var_is_categorical (const model_var_t *var)
{
    return var->type == MODEL_VAR_CATEGORICAL;
}

int
model_dict_value (const model_var_t *var, const char *cell, double *value)
{
    assert (var && cell && value);
    if (model_is_missing (cell)) {
        *value = NAN;
        return 0;
    }
    //  A categorical cell is one of the levels; a binary's named levels read
    //  as their codes 0 and 1 (never numbers: the parser sees to that).
    if (var->levels) {
        size_t len;
        const char *text = s_trim (cell, &len);
        for (size_t k = 0; k < var->n_levels; k++)
            if (strlen (var->levels [k]) == len && memcmp (var->levels [k], text, len) == 0) {
                *value = (double) k;
                return 0;
            }
    }
    if (var->type == MODEL_VAR_CATEGORICAL)
        return MODEL_DICT_BAD;
    double x;
    if (model_parse_number (cell, &x))
        return MODEL_DICT_BAD;
    if (var->type == MODEL_VAR_INTEGER && x != floor (x))
        return MODEL_DICT_BAD;
    if ((var->type == MODEL_VAR_BINARY || var->type == MODEL_VAR_EVENT) && x != 0 && x != 1)
        return MODEL_DICT_BAD;
    *value = x + 0.0;           //  -0 reads as 0
    return 0;
}

double
model_dict_clamp (const model_var_t *var, double x, bool *clamped)
{
    bool moved = false;
    //  NaN compares false both ways: it stays NaN and is not counted.
    if (x < var->min)
        x = var->min, moved = true;
    else
    if (x > var->max)
        x = var->max, moved = true;
    if (clamped)
        *clamped = moved;
    return x;
}

const char *
model_dict_example (void)
{
    return s_example;
}
