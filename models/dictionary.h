/*  models/dictionary.h - the consortium's data dictionary: the public,
    agreed-in-advance description of every column a study or query may
    name. Its bounds are what differential privacy clamps to and what models
    scale by; its levels define categorical variables. It is never derived
    from data.

    The file is CSV (models/csv.h) with exactly this header:

        name,type,min,max,levels,unit,description

    one row per variable:
      name          1..128 characters of [A-Za-z0-9_.], unique
      type          numeric | integer | binary | categorical | time | event
      min, max      finite numbers, min < max; required for numeric, integer
                    and time; integer bounds are whole numbers; time needs
                    min >= 0. binary and event are 0..1 (min and max may be
                    empty or exactly 0 and 1). categorical leaves them empty.
      levels        categorical only: 2..MODEL_DICT_LEVELS_MAX distinct
                    non-empty levels separated by '|', in the order reports
                    show them (each 1..64 printable characters, no '|').
                    binary may name its two levels for the codes 0 and 1
                    ("no|yes"); other types leave it empty. A level is never
                    NA (that reads as missing), never begins or ends with a
                    space (cells are read without them), and a binary's
                    level is never a number (its cells 0 and 1 are codes).
      unit, description   free text (printable, at most 256 characters)

    Lengths count bytes; "printable" means no control character (bytes
    below 32, or 127), so UTF-8 text is fine.

    Refused, with "origin:line:column: column: reason" (the CSV's position,
    the dictionary column named, e.g. "dict.csv:4:18: max: not above min"):
    a header that differs, a row with a bad name, an unknown type, a
    missing, unparsable, non-finite or inverted bound, a bound given where
    the type forbids one, too few, too many, empty, duplicate or over-long
    levels, levels where the type takes none, bad free text, a duplicate
    name, more than MODEL_DICT_VARS_MAX rows, an empty file or one with no
    variables, and anything the CSV reader refuses.

    Values. model_dict_value() reads one CSV cell of a dataset column as the
    dictionary says: missing (empty or NA) gives NaN; a numeric cell is
    parsed (integer: a whole number; binary/event: 0 or 1, or a binary's
    named levels); a categorical cell must be one of the levels and gives
    its index 0..k-1. A value that does not fit (not a number, an unknown
    level, a fraction for an integer, a binary 2) is MODEL_DICT_BAD.
    Spaces around a cell are ignored; numbers are finite decimals
    (model_parse_number: no nan, inf or hex). Out-of-range
    numbers are returned as they are: model_dict_clamp() maps them into
    [min, max] and says whether it did, so that the caller can count clamped
    values locally (the count never leaves a site in clear).

    Contents
        model_var_type_t, model_var_t       one variable
        model_dict_t                        a parsed dictionary
        model_dict_parse, model_dict_load   from text or a file
        model_dict_destroy                  frees one
        model_dict_size, model_dict_var, model_dict_find   its variables
        model_dict_type_name                "numeric", ...
        model_dict_value, model_dict_clamp  a cell as the dictionary reads it
        model_dict_example                  an example dictionary's text

    A dictionary is the caller's (model_dict_destroy, NULL-safe) and owns
    its strings; the variables it returns are borrowed from it. Errors are
    NULL with the reason in the error slot (util/error.h).
*/
#ifndef MODELS_DICTIONARY_H
#define MODELS_DICTIONARY_H

#include "models.h"

#include <stdbool.h>
#include <stddef.h>

#define MODEL_DICT_VARS_MAX     1024
#define MODEL_DICT_LEVELS_MAX   256
#define MODEL_DICT_LEVEL_LEN    64
#define MODEL_DICT_NAME_LEN     128
#define MODEL_DICT_TEXT_LEN     256
#define MODEL_DICT_BYTES_MAX    ((size_t) 1 << 20)
//  model_dict_value: the cell does not fit the variable.
#define MODEL_DICT_BAD          (-1)

typedef enum {
    MODEL_VAR_NUMERIC,
    MODEL_VAR_INTEGER,
    MODEL_VAR_BINARY,
    MODEL_VAR_CATEGORICAL,
    MODEL_VAR_TIME,
    MODEL_VAR_EVENT
} model_var_type_t;

typedef struct {
    char *name;
    model_var_type_t type;
    double min, max;            //  categorical: 0 and n_levels - 1
    char **levels;              //  categorical, or a binary's two names; else NULL
    size_t n_levels;
    char *unit, *description;   //  "" when not given
} model_var_t;

typedef struct _model_dict_t model_dict_t;

/*  Parses `size` bytes of dictionary CSV; `origin` labels errors (a file
    name; NULL gives "<dictionary>"). NULL with the reason (UTIL_EINPUT;
    UTIL_ELIMIT for more than MODEL_DICT_BYTES_MAX bytes or
    MODEL_DICT_VARS_MAX variables; UTIL_ENOMEM). */
model_dict_t *model_dict_parse (const char *origin, const char *text, size_t size);

/*  Reads and parses a file of at most MODEL_DICT_BYTES_MAX bytes; errors
    name the path (a file that cannot be read: UTIL_EIO). */
model_dict_t *model_dict_load (const char *path);

void model_dict_destroy (model_dict_t **self_p);

/*  The number of variables (at least 1), and variable `index` in file
    order (NULL when index >= size). */
size_t model_dict_size (const model_dict_t *self);
const model_var_t *model_dict_var (const model_dict_t *self, size_t index);

/*  The variable named `name`, or NULL. */
const model_var_t *model_dict_find (const model_dict_t *self, const char *name);

/*  The type's name as the file spells it; "unknown" for a value that is
    no model_var_type_t. Static. */
const char *model_dict_type_name (model_var_type_t type);

/*  True when the type's values are categories (categorical), false for
    every type with a numeric reading (binary and event included). */
bool model_var_is_categorical (const model_var_t *var);

/*  Reads one cell as described above into *value: 0 (the value, NaN when
    missing) or MODEL_DICT_BAD. Never writes an error: the caller names the
    row and column, never the cell (a cell is patient data). */
int model_dict_value (const model_var_t *var, const char *cell, double *value);

/*  x clamped to [var->min, var->max]; *clamped (if not NULL) is set when
    it moved. NaN stays NaN. */
double model_dict_clamp (const model_var_t *var, double x, bool *clamped);

/*  The text of an example dictionary (the Pima diabetes columns), as
    `cohort keygen consortium` writes it. Static. */
const char *model_dict_example (void);

#endif
