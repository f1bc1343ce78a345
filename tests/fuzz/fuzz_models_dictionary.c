/*  libFuzzer target: the data dictionary (models/dictionary.h). The first
    input byte picks the mode: even, the rest is a dictionary's CSV text,
    and a dictionary it accepts must keep the header's promises (names
    found, bounds ordered, levels read back as their indexes); odd, the
    rest is one dataset cell, read as every variable of a dictionary that
    has each type, and clamped. */
#include "models/dictionary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

//  A broken promise ends the run (assert would vanish under NDEBUG, which
//  the fuzz build's RelWithDebInfo sets).
#define S_CHECK(cond) do { if (!(cond)) abort (); } while (0)

static const char s_types [] =
    "name,type,min,max,levels,unit,description\n"
    "n,numeric,-10,10,,,\n"
    "i,integer,0,100,,,\n"
    "b,binary,,,,,\n"
    "nb,binary,,,no|yes,,\n"
    "c,categorical,,,low|mid|high,,\n"
    "k,categorical,,,1|2|10,,\n"
    "t,time,0,365,,days,\n"
    "e,event,0,1,,,\n";

//  The promises a parsed dictionary keeps.
static void
s_check (const model_dict_t *dict)
{
    size_t n = model_dict_size (dict);
    S_CHECK (n >= 1 && n <= MODEL_DICT_VARS_MAX);
    S_CHECK (model_dict_var (dict, n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const model_var_t *var = model_dict_var (dict, i);
        S_CHECK (model_dict_find (dict, var->name) == var);
        S_CHECK (strlen (var->name) >= 1 && strlen (var->name) <= MODEL_DICT_NAME_LEN);
        S_CHECK (strcmp (model_dict_type_name (var->type), "unknown") != 0);
        S_CHECK (isfinite (var->min) && isfinite (var->max) && var->min < var->max);
        S_CHECK (strlen (var->unit) <= MODEL_DICT_TEXT_LEN);
        S_CHECK (strlen (var->description) <= MODEL_DICT_TEXT_LEN);
        S_CHECK ((var->levels != NULL) == (var->n_levels > 0));
        for (size_t k = 0; k < var->n_levels; k++) {
            double v = -1;
            S_CHECK (model_dict_value (var, var->levels [k], &v) == 0 && v == (double) k);
        }
        double v;
        if (model_dict_value (var, var->name, &v) == 0 && !isnan (v)) {
            bool clamped;
            double x = model_dict_clamp (var, v, &clamped);
            S_CHECK (x >= var->min && x <= var->max && clamped == (x != v));
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if ((data [0] & 1) == 0) {
        model_dict_t *dict = model_dict_parse ("fuzz.csv", (const char *) data + 1, size - 1);
        if (dict)
            s_check (dict);
        model_dict_destroy (&dict);
        return 0;
    }
    static model_dict_t *types;
    if (!types)
        types = model_dict_parse ("types.csv", s_types, strlen (s_types));
    S_CHECK (types);
    char *cell = fuzz_input_text (data + 1, size - 1);
    if (!cell)
        return 0;
    for (size_t i = 0; i < model_dict_size (types); i++) {
        const model_var_t *var = model_dict_var (types, i);
        double v = 12345;
        int rc = model_dict_value (var, cell, &v);
        S_CHECK (rc == 0 || (rc == MODEL_DICT_BAD && v == 12345));
        if (rc || isnan (v))
            continue;
        S_CHECK (isfinite (v));
        if (var->type == MODEL_VAR_INTEGER || var->levels)
            S_CHECK (v == floor (v));
        if (var->type == MODEL_VAR_BINARY || var->type == MODEL_VAR_EVENT
        ||  var->type == MODEL_VAR_CATEGORICAL)
            S_CHECK (v >= var->min && v <= var->max);
        bool clamped;
        double x = model_dict_clamp (var, v, &clamped);
        S_CHECK (x >= var->min && x <= var->max && clamped == (x != v));
    }
    free (cell);
    return 0;
}
