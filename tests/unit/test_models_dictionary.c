/*  Unit tests for models/dictionary.c: the five dictionaries of datasets/
    and the example, every refusal the header lists (each with its
    origin:line:column and the dictionary column named), cells read as each
    type says, clamping, allocation failures, and each dataset of datasets/
    checked against its dictionary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/csv.h"
#include "models/dictionary.h"
#include "util/alloc.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_file.h"

#define S_HEAD "name,type,min,max,levels,unit,description\n"
#define S_DATA COHORT_SOURCE_DIR "/datasets/"

static model_dict_t *
s_parse (const char *text)
{
    util_error_clear ();
    model_dict_t *dict = model_dict_parse ("d.csv", text, strlen (text));
    if (!dict)
        fail_msg ("refused: %s", util_last_error ());
    return dict;
}

//  S_HEAD + rows must be refused with exactly `message` and `code`.
static void
s_refuse_code (const char *rows, util_code_t code, const char *message)
{
    char text [8192];
    assert_true (snprintf (text, sizeof text, "%s%s", S_HEAD, rows) < (int) sizeof text);
    util_error_clear ();
    model_dict_t *dict = model_dict_parse ("d.csv", text, strlen (text));
    if (dict) {
        model_dict_destroy (&dict);
        fail_msg ("accepted: %s", rows);
    }
    if (strcmp (util_last_error (), message))
        fail_msg ("%s: error '%s', wanted '%s'", rows, util_last_error (), message);
    assert_int_equal (util_last_code (), code);
}

static void
s_refuse (const char *rows, const char *message)
{
    s_refuse_code (rows, UTIL_EINPUT, message);
}

//  S_HEAD + rows parses into one variable, returned in a dictionary.
static model_dict_t *
s_one (const char *rows)
{
    char text [8192];
    assert_true (snprintf (text, sizeof text, "%s%s", S_HEAD, rows) < (int) sizeof text);
    model_dict_t *dict = s_parse (text);
    assert_int_equal (model_dict_size (dict), 1);
    return dict;
}

//  --------------------------------------------------------------------------
//  The good path

static void
test_datasets_dictionaries (void **state)
{
    (void) state;
    const struct {
        const char *file;
        size_t size;
    } files [] = {
        { "breast_cancer_wisconsin_dictionary.csv", 31 },
        { "epilepsy_dictionary.csv", 10 },
        { "lung_dictionary.csv", 10 },
        { "pima_diabetes_dictionary.csv", 9 },
        { "rotterdam_dictionary.csv", 15 },
    };
    for (size_t f = 0; f < sizeof files / sizeof files [0]; f++) {
        char path [512];
        snprintf (path, sizeof path, S_DATA "%s", files [f].file);
        model_dict_t *dict = model_dict_load (path);
        if (!dict)
            fail_msg ("%s: %s", files [f].file, util_last_error ());
        assert_int_equal (model_dict_size (dict), files [f].size);
        for (size_t i = 0; i < model_dict_size (dict); i++) {
            const model_var_t *var = model_dict_var (dict, i);
            assert_true (var->min < var->max);
            assert_ptr_equal (model_dict_find (dict, var->name), var);
            assert_non_null (var->unit);
            assert_non_null (var->description);
            assert_true (strlen (var->description) > 0);
        }
        assert_null (model_dict_var (dict, model_dict_size (dict)));
        model_dict_destroy (&dict);
        assert_null (dict);
    }
    model_dict_destroy (NULL);

    //  A closer look at one of each type.
    model_dict_t *lung = model_dict_load (S_DATA "lung_dictionary.csv");
    assert_non_null (lung);
    const model_var_t *inst = model_dict_find (lung, "inst");
    assert_int_equal (inst->type, MODEL_VAR_CATEGORICAL);
    assert_true (model_var_is_categorical (inst));
    assert_int_equal (inst->n_levels, 18);
    assert_string_equal (inst->levels [0], "1");
    assert_string_equal (inst->levels [17], "33");
    assert_true (inst->min == 0 && inst->max == 17);
    assert_string_equal (inst->unit, "");
    assert_string_equal (inst->description, "institution code");
    const model_var_t *time = model_dict_find (lung, "time");
    assert_int_equal (time->type, MODEL_VAR_TIME);
    assert_false (model_var_is_categorical (time));
    assert_true (time->min == 0 && time->max == 1100);
    assert_string_equal (time->unit, "days");
    const model_var_t *status = model_dict_find (lung, "status");
    assert_int_equal (status->type, MODEL_VAR_EVENT);
    assert_true (status->min == 0 && status->max == 1);
    assert_null (status->levels);
    assert_int_equal (status->n_levels, 0);
    const model_var_t *wt = model_dict_find (lung, "wt_loss");
    assert_int_equal (wt->type, MODEL_VAR_NUMERIC);
    assert_true (wt->min == -50 && wt->max == 100);
    assert_int_equal (model_dict_find (lung, "age")->type, MODEL_VAR_INTEGER);
    assert_int_equal (model_dict_find (lung, "sex")->type, MODEL_VAR_BINARY);
    assert_null (model_dict_find (lung, "Age"));
    assert_null (model_dict_find (lung, ""));
    model_dict_destroy (&lung);

    model_dict_t *epil = model_dict_load (S_DATA "epilepsy_dictionary.csv");
    assert_non_null (epil);
    assert_true (model_dict_find (epil, "lbase")->min == -3);
    assert_true (model_dict_find (epil, "V4")->max == 1);
    model_dict_destroy (&epil);
}

static void
test_example (void **state)
{
    (void) state;
    //  The example is the Pima dictionary of datasets/, with the label's
    //  two levels named (mlbench's factor levels).
    const char *text = model_dict_example ();
    assert_ptr_equal (text, model_dict_example ());
    model_dict_t *example = model_dict_parse ("example", text, strlen (text));
    assert_non_null (example);
    model_dict_t *pima = model_dict_load (S_DATA "pima_diabetes_dictionary.csv");
    assert_non_null (pima);
    assert_int_equal (model_dict_size (example), model_dict_size (pima));
    for (size_t i = 0; i < model_dict_size (pima); i++) {
        const model_var_t *a = model_dict_var (example, i), *b = model_dict_var (pima, i);
        assert_string_equal (a->name, b->name);
        assert_int_equal (a->type, b->type);
        assert_true (a->min == b->min && a->max == b->max);
        assert_string_equal (a->unit, b->unit);
    }
    const model_var_t *label = model_dict_find (example, "diabetes");
    assert_int_equal (label->n_levels, 2);
    assert_string_equal (label->levels [0], "neg");
    assert_string_equal (label->levels [1], "pos");
    model_dict_destroy (&example);
    model_dict_destroy (&pima);
}

//  The rules' boundaries, on the accepting side.
static void
test_accepts_boundaries (void **state)
{
    (void) state;
    char rows [4096], name [MODEL_DICT_NAME_LEN + 1];
    //  A name of exactly 128 characters of every allowed kind.
    memset (name, 'x', MODEL_DICT_NAME_LEN);
    memcpy (name, "aZ09_.", 6);
    name [MODEL_DICT_NAME_LEN] = '\0';
    snprintf (rows, sizeof rows, "%s,numeric,-1.5,2e3,,,\n", name);
    model_dict_t *dict = s_one (rows);
    const model_var_t *var = model_dict_var (dict, 0);
    assert_string_equal (var->name, name);
    assert_true (var->min == -1.5 && var->max == 2000);
    assert_null (var->levels);
    model_dict_destroy (&dict);

    //  Binary and event: bounds empty, or exactly 0 and 1.
    dict = s_one ("b,binary,,,,,\n");
    assert_true (model_dict_var (dict, 0)->min == 0 && model_dict_var (dict, 0)->max == 1);
    model_dict_destroy (&dict);
    dict = s_one ("e,event,0,1.0,,,\n");
    assert_true (model_dict_var (dict, 0)->max == 1);
    model_dict_destroy (&dict);
    dict = s_one ("b,binary,0,,no|yes,,\n");
    assert_string_equal (model_dict_var (dict, 0)->levels [1], "yes");
    model_dict_destroy (&dict);
    //  Time may start at 0; integer bounds may be negative; spaces around
    //  a bound are read past.
    dict = s_one ("t,time,0,1,,,\n");
    model_dict_destroy (&dict);
    dict = s_one ("i,integer,-3, 7 ,,,\n");
    assert_true (model_dict_var (dict, 0)->max == 7);
    model_dict_destroy (&dict);

    //  A categorical variable of MODEL_DICT_LEVELS_MAX levels of 64
    //  characters (the last has UTF-8 in it), free text of 256 characters.
    char *big = malloc (MODEL_DICT_LEVELS_MAX * (MODEL_DICT_LEVEL_LEN + 1) + 1024);
    assert_non_null (big);
    strcpy (big, S_HEAD "c,categorical,,,");
    for (int k = 0; k < MODEL_DICT_LEVELS_MAX; k++)
        sprintf (big + strlen (big), "%s%063d%s", k? "|": "", k,
                 k == MODEL_DICT_LEVELS_MAX - 1? "": "x");
    strcpy (big + strlen (big) - 2, "\xc3\xa9");
    strcat (big, ",");
    for (int i = 0; i < MODEL_DICT_TEXT_LEN; i++)
        strcat (big, "u");
    strcat (big, ",\"a, \"\"quoted\"\" description\"\n");
    dict = s_parse (big);
    var = model_dict_var (dict, 0);
    assert_int_equal (var->n_levels, MODEL_DICT_LEVELS_MAX);
    assert_true (var->min == 0 && var->max == MODEL_DICT_LEVELS_MAX - 1);
    assert_int_equal (strlen (var->levels [7]), MODEL_DICT_LEVEL_LEN);
    assert_int_equal (strlen (var->unit), MODEL_DICT_TEXT_LEN);
    assert_string_equal (var->description, "a, \"quoted\" description");
    model_dict_destroy (&dict);
    free (big);

    //  MODEL_DICT_VARS_MAX variables, CRLF line ends, a byte order mark.
    size_t cap = 64 * (MODEL_DICT_VARS_MAX + 2);
    big = malloc (cap);
    assert_non_null (big);
    strcpy (big, "\xEF\xBB\xBFname,type,min,max,levels,unit,description\r\n");
    for (int i = 0; i < MODEL_DICT_VARS_MAX; i++)
        sprintf (big + strlen (big), "v%d,numeric,0,%d,,,\r\n", i, i + 1);
    dict = s_parse (big);
    assert_int_equal (model_dict_size (dict), MODEL_DICT_VARS_MAX);
    assert_true (model_dict_find (dict, "v1023")->max == 1024);
    model_dict_destroy (&dict);
    free (big);

    //  The type names, and a value that is no type.
    assert_string_equal (model_dict_type_name (MODEL_VAR_NUMERIC), "numeric");
    assert_string_equal (model_dict_type_name (MODEL_VAR_INTEGER), "integer");
    assert_string_equal (model_dict_type_name (MODEL_VAR_BINARY), "binary");
    assert_string_equal (model_dict_type_name (MODEL_VAR_CATEGORICAL), "categorical");
    assert_string_equal (model_dict_type_name (MODEL_VAR_TIME), "time");
    assert_string_equal (model_dict_type_name (MODEL_VAR_EVENT), "event");
    assert_string_equal (model_dict_type_name ((model_var_type_t) 6), "unknown");
}

//  --------------------------------------------------------------------------
//  Refusals: one case per rule, each with its exact position and column

#define S_EXPECT "expected exactly name,type,min,max,levels,unit,description"

static void
test_refuses_file (void **state)
{
    (void) state;
    //  An empty file, a header alone, and anything the CSV reader refuses.
    util_error_clear ();
    assert_null (model_dict_parse ("d.csv", "", 0));
    assert_string_equal (util_last_error (), "d.csv:1:1: empty file (a header row is required)");
    assert_null (model_dict_parse ("d.csv", S_HEAD, strlen (S_HEAD)));
    assert_string_equal (util_last_error (),
                         "d.csv:1:1: no variables (one row per variable below the header)");
    s_refuse ("a,numeric,0,1,,\n", "d.csv:2:16: record starting on line 2 has 6 fields, "
              "header has 7");
    //  No origin: a label stands in.
    assert_null (model_dict_parse (NULL, "", 0));
    assert_string_equal (util_last_error (),
                         "<dictionary>:1:1: empty file (a header row is required)");
    //  A header that differs: a column renamed, one missing, one more.
    const char *renamed = "name,type,min,max,level,unit,description\na,numeric,0,1,,,\n";
    assert_null (model_dict_parse ("d.csv", renamed, strlen (renamed)));
    assert_string_equal (util_last_error (), "d.csv:1:1: header: column 5 should be 'levels' "
                         "(" S_EXPECT ")");
    const char *upper = "Name,type,min,max,levels,unit,description\na,numeric,0,1,,,\n";
    assert_null (model_dict_parse ("d.csv", upper, strlen (upper)));
    assert_string_equal (util_last_error (), "d.csv:1:1: header: column 1 should be 'name' "
                         "(" S_EXPECT ")");
    const char *short_ = "name,type,min,max,levels,unit\na,numeric,0,1,,\n";
    assert_null (model_dict_parse ("d.csv", short_, strlen (short_)));
    assert_string_equal (util_last_error (), "d.csv:1:1: header: 6 columns, " S_EXPECT);
    const char *longer = "name,type,min,max,levels,unit,description,x\na,numeric,0,1,,,,\n";
    assert_null (model_dict_parse ("d.csv", longer, strlen (longer)));
    assert_string_equal (util_last_error (), "d.csv:1:1: header: 8 columns, " S_EXPECT);
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    const char *one = "name\na\n";
    assert_null (model_dict_parse ("d.csv", one, strlen (one)));
    assert_string_equal (util_last_error (), "d.csv:1:1: header: 1 column, " S_EXPECT);

    //  One variable over MODEL_DICT_VARS_MAX: the row that is too many.
    size_t cap = 64 * (MODEL_DICT_VARS_MAX + 3);
    char *big = malloc (cap);
    assert_non_null (big);
    strcpy (big, S_HEAD);
    for (int i = 0; i <= MODEL_DICT_VARS_MAX; i++)
        sprintf (big + strlen (big), "v%d,numeric,0,1,,,\n", i);
    assert_null (model_dict_parse ("d.csv", big, strlen (big)));
    assert_string_equal (util_last_error (), "d.csv:1026:1: more than 1024 variables");
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    free (big);

    //  Over MODEL_DICT_BYTES_MAX: refused before it is read.
    big = malloc (MODEL_DICT_BYTES_MAX + 1);
    assert_non_null (big);
    memset (big, 'x', MODEL_DICT_BYTES_MAX + 1);
    assert_null (model_dict_parse ("d.csv", big, MODEL_DICT_BYTES_MAX + 1));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "d.csv:1:1: input is 1048577 bytes"));
    char path [64];
    support_file_temp (path, sizeof path, "dict", "");
    support_file_write_bytes (path, big, MODEL_DICT_BYTES_MAX + 1, 0600);
    assert_null (model_dict_load (path));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), path));
    unlink (path);
    free (big);
    assert_null (model_dict_load ("/nonexistent/dictionary.csv"));
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "/nonexistent/dictionary.csv"));
    //  A file's errors name the file.
    support_file_temp (path, sizeof path, "dict", S_HEAD "a,numeric,1,0,,,\n");
    assert_null (model_dict_load (path));
    char want [128];
    snprintf (want, sizeof want, "%s:2:13: max: not above min", path);
    assert_string_equal (util_last_error (), want);
    unlink (path);
}

static void
test_refuses_name (void **state)
{
    (void) state;
    s_refuse ("a,numeric,0,1,,,\n,numeric,0,1,,,\n", "d.csv:3:1: name: missing");
    char rows [512];
    memset (rows, 'n', MODEL_DICT_NAME_LEN + 1);
    strcpy (rows + MODEL_DICT_NAME_LEN + 1, ",numeric,0,1,,,\n");
    s_refuse (rows, "d.csv:2:1: name: longer than 128 characters");
    s_refuse ("age years,numeric,0,1,,,\n",
              "d.csv:2:1: name: character 4 is not allowed (letters, digits, '_' and '.')");
    s_refuse ("age-y,numeric,0,1,,,\n",
              "d.csv:2:1: name: character 4 is not allowed (letters, digits, '_' and '.')");
    s_refuse ("\"\xc3\xa9t\xc3\xa9\",numeric,0,1,,,\n",
              "d.csv:2:1: name: character 1 is not allowed (letters, digits, '_' and '.')");
    s_refuse ("a,numeric,0,1,,,\nb,numeric,0,1,,,\na,integer,0,1,,,\n",
              "d.csv:4:1: name: 'a' is listed twice (first on line 2)");
}

static void
test_refuses_type (void **state)
{
    (void) state;
    s_refuse ("a,,0,1,,,\n", "d.csv:2:3: type: missing");
    const char *unknown = "d.csv:2:3: type: unknown (numeric, integer, binary, categorical, "
                          "time or event)";
    s_refuse ("a,float,0,1,,,\n", unknown);
    s_refuse ("a,Numeric,0,1,,,\n", unknown);
    s_refuse ("a, numeric,0,1,,,\n", unknown);
}

static void
test_refuses_bounds (void **state)
{
    (void) state;
    //  Missing, for each type that needs them.
    s_refuse ("a,numeric,,1,,,\n", "d.csv:2:11: min: missing (a numeric variable needs bounds)");
    s_refuse ("a,numeric,0,,,,\n", "d.csv:2:13: max: missing (a numeric variable needs bounds)");
    s_refuse ("a,integer, ,1,,,\n", "d.csv:2:11: min: missing (an integer variable needs bounds)");
    s_refuse ("a,time,0,,,,\n", "d.csv:2:10: max: missing (a time variable needs bounds)");
    //  Unparsable and non-finite.
    s_refuse ("a,numeric,zero,1,,,\n", "d.csv:2:11: min: not a finite number");
    s_refuse ("a,numeric,0,1 0,,,\n", "d.csv:2:13: max: not a finite number");
    s_refuse ("a,numeric,0,inf,,,\n", "d.csv:2:13: max: not a finite number");
    s_refuse ("a,numeric,nan,1,,,\n", "d.csv:2:11: min: not a finite number");
    s_refuse ("a,numeric,0,1e999,,,\n", "d.csv:2:13: max: not a finite number");
    s_refuse ("a,numeric,-1e400,1,,,\n", "d.csv:2:11: min: not a finite number");
    s_refuse ("a,numeric,0,0x10,,,\n", "d.csv:2:13: max: not a finite number");
    //  Inverted, or empty (min == max).
    s_refuse ("a,numeric,5,1,,,\n", "d.csv:2:13: max: not above min");
    s_refuse ("a,numeric,1,1,,,\n", "d.csv:2:13: max: not above min");
    s_refuse ("a,integer,-1,-2,,,\n", "d.csv:2:14: max: not above min");
    //  Integer bounds are whole.
    s_refuse ("a,integer,0.5,2,,,\n",
              "d.csv:2:11: min: not a whole number (an integer variable's bounds are whole)");
    s_refuse ("a,integer,0,2.5,,,\n",
              "d.csv:2:13: max: not a whole number (an integer variable's bounds are whole)");
    //  A time is never negative.
    s_refuse ("a,time,-1,10,,,\n", "d.csv:2:8: min: below 0 (a time is never negative)");
    //  Binary and event are 0..1: no other bound.
    s_refuse ("a,binary,1,1,,,\n",
              "d.csv:2:10: min: must be 0 or empty (a binary variable is 0 or 1)");
    s_refuse ("a,binary,0,2,,,\n",
              "d.csv:2:12: max: must be 1 or empty (a binary variable is 0 or 1)");
    s_refuse ("a,event,-1,,,,\n",
              "d.csv:2:9: min: must be 0 or empty (an event variable is 0 or 1)");
    s_refuse ("a,event,,0,,,\n",
              "d.csv:2:10: max: must be 1 or empty (an event variable is 0 or 1)");
    //  Categorical takes none.
    s_refuse ("a,categorical,0,,x|y,,\n", "d.csv:2:15: min: must be empty (a categorical "
              "variable's values are its levels)");
    s_refuse ("a,categorical,,1,x|y,,\n", "d.csv:2:16: max: must be empty (a categorical "
              "variable's values are its levels)");
}

static void
test_refuses_levels (void **state)
{
    (void) state;
    s_refuse ("a,categorical,,,,,\n", "d.csv:2:17: levels: missing (a categorical variable "
              "needs 2 to 256 levels separated by '|')");
    s_refuse ("a,categorical,,,x,,\n", "d.csv:2:17: levels: 1 level (a categorical variable "
              "needs 2 or more, separated by '|')");
    s_refuse ("a,categorical,,,x|y|x,,\n", "d.csv:2:17: levels: level 3 repeats level 1");
    s_refuse ("a,categorical,,,x||y,,\n", "d.csv:2:17: levels: level 2 is empty");
    s_refuse ("a,categorical,,,x|y|,,\n", "d.csv:2:17: levels: level 3 is empty");
    s_refuse ("a,categorical,,,\"x|\ty\",,\n",
              "d.csv:2:17: levels: level 2 has a control character");
    s_refuse ("a,categorical,,,x| y,,\n",
              "d.csv:2:17: levels: level 2 begins or ends with a space");
    s_refuse ("a,categorical,,,x|y ,,\n",
              "d.csv:2:17: levels: level 2 begins or ends with a space");
    s_refuse ("a,categorical,,,x|NA,,\n",
              "d.csv:2:17: levels: level 2 is NA, which reads as a missing value");
    //  Over-long: one level of 65 characters.
    char rows [MODEL_DICT_LEVELS_MAX * 4 + 64];
    snprintf (rows, sizeof rows, "a,categorical,,,x|%065d,,\n", 0);
    s_refuse (rows, "d.csv:2:17: levels: level 2 is longer than 64 characters");
    //  Too many: MODEL_DICT_LEVELS_MAX + 1.
    strcpy (rows, "a,categorical,,,");
    for (int k = 0; k <= MODEL_DICT_LEVELS_MAX; k++)
        sprintf (rows + strlen (rows), "%s%d", k? "|": "", k);
    strcat (rows, ",,\n");
    s_refuse (rows, "d.csv:2:17: levels: 257 levels, more than 256");
    //  Binary: exactly two names, words, and levels nowhere else.
    s_refuse ("a,binary,,,no|yes|maybe,,\n", "d.csv:2:12: levels: 3 levels (a binary variable "
              "names exactly 2, for the codes 0 and 1)");
    s_refuse ("a,binary,,,yes,,\n", "d.csv:2:12: levels: 1 level (a binary variable names "
              "exactly 2, for the codes 0 and 1)");
    s_refuse ("a,binary,,,1|0,,\n", "d.csv:2:12: levels: level 1 is a number (a binary "
              "variable's cells 0 and 1 are its codes; name its levels with words)");
    s_refuse ("a,numeric,0,1,x|y,,\n",
              "d.csv:2:15: levels: only categorical and binary variables take levels");
    s_refuse ("a,event,0,1,x|y,,\n",
              "d.csv:2:13: levels: only categorical and binary variables take levels");
}

static void
test_refuses_text (void **state)
{
    (void) state;
    char rows [1024];
    strcpy (rows, "a,numeric,0,1,,");
    for (int i = 0; i <= MODEL_DICT_TEXT_LEN; i++)
        strcat (rows, "u");
    strcat (rows, ",\n");
    s_refuse (rows, "d.csv:2:16: unit: longer than 256 characters");
    strcpy (rows, "a,numeric,0,1,,,");
    for (int i = 0; i <= MODEL_DICT_TEXT_LEN; i++)
        strcat (rows, "d");
    strcat (rows, "\n");
    s_refuse (rows, "d.csv:2:17: description: longer than 256 characters");
    s_refuse ("a,numeric,0,1,,\"m\tg\",\n", "d.csv:2:16: unit: has a control character");
    s_refuse ("a,numeric,0,1,,,\"two\nlines\"\n",
              "d.csv:2:17: description: has a control character");
    s_refuse ("a,numeric,0,1,,,del\x7f\n", "d.csv:2:17: description: has a control character");
}

//  A refusal never repeats what the bad cell held.
static void
test_refusals_do_not_echo (void **state)
{
    (void) state;
    s_refuse_code ("a,numeric,0,s3cr3t,,,\n", UTIL_EINPUT, "d.csv:2:13: max: not a finite number");
    assert_null (strstr (util_last_error (), "s3cr3t"));
    s_refuse_code ("a,kind-s3cr3t,0,1,,,\n", UTIL_EINPUT, "d.csv:2:3: type: unknown (numeric, "
                   "integer, binary, categorical, time or event)");
    assert_null (strstr (util_last_error (), "s3cr3t"));
}

//  --------------------------------------------------------------------------
//  Values

static const char *s_types =
    S_HEAD
    "n,numeric,-10,10,,,\n"
    "i,integer,0,100,,,\n"
    "b,binary,,,,,\n"
    "nb,binary,,,no|yes,,\n"
    "c,categorical,,,low|mid|high,,\n"
    "k,categorical,,,1|2|10,,\n"
    "t,time,0,365,,days,\n"
    "e,event,0,1,,,\n";

//  The cell must read as `want` (NaN: missing).
static void
s_value (const model_dict_t *dict, const char *name, const char *cell, double want)
{
    const model_var_t *var = model_dict_find (dict, name);
    assert_non_null (var);
    double v = 12345;
    if (model_dict_value (var, cell, &v) != 0)
        fail_msg ("%s: '%s' refused", name, cell);
    if (isnan (want) ? !isnan (v) : v != want)
        fail_msg ("%s: '%s' read as %g, wanted %g", name, cell, v, want);
}

//  The cell must be MODEL_DICT_BAD, the output untouched, and no error
//  recorded (the cell is patient data).
static void
s_bad (const model_dict_t *dict, const char *name, const char *cell)
{
    const model_var_t *var = model_dict_find (dict, name);
    assert_non_null (var);
    util_error (UTIL_EFAIL, "before");
    double v = 12345;
    if (model_dict_value (var, cell, &v) != MODEL_DICT_BAD)
        fail_msg ("%s: '%s' accepted as %g", name, cell, v);
    assert_true (v == 12345);
    assert_string_equal (util_last_error (), "before");
}

static void
test_values (void **state)
{
    (void) state;
    model_dict_t *dict = s_parse (s_types);
    const char *names [] = { "n", "i", "b", "nb", "c", "k", "t", "e" };
    //  Missing, for every type: empty, spaces, NA.
    for (size_t i = 0; i < sizeof names / sizeof names [0]; i++) {
        s_value (dict, names [i], "", NAN);
        s_value (dict, names [i], "  ", NAN);
        s_value (dict, names [i], "NA", NAN);
        s_value (dict, names [i], " NA ", NAN);
        s_bad (dict, names [i], "na");
        s_bad (dict, names [i], "N/A");
        s_bad (dict, names [i], "nan");
        s_bad (dict, names [i], "inf");
    }
    //  numeric: any finite decimal, out of range returned as it is.
    s_value (dict, "n", "3.25", 3.25);
    s_value (dict, "n", " -2e1 ", -20);
    s_value (dict, "n", "1e300", 1e300);
    s_bad (dict, "n", "abc");
    s_bad (dict, "n", "1,5");
    s_bad (dict, "n", "0x1");
    s_bad (dict, "n", "1e999");
    s_bad (dict, "n", "3 kg");
    //  integer: whole numbers only, written any way.
    s_value (dict, "i", "42", 42);
    s_value (dict, "i", "42.0", 42);
    s_value (dict, "i", "1e2", 100);
    s_value (dict, "i", "-7", -7);
    s_value (dict, "i", "-0", 0);
    double zero;
    assert_int_equal (model_dict_value (model_dict_find (dict, "i"), "-0", &zero), 0);
    assert_false (signbit (zero));
    s_bad (dict, "i", "42.5");
    s_bad (dict, "i", "0.1");
    s_bad (dict, "i", "-1e-3");
    s_bad (dict, "i", "forty");
    //  binary and event: 0 or 1 only.
    s_value (dict, "b", "0", 0);
    s_value (dict, "b", "1", 1);
    s_value (dict, "b", "1.0", 1);
    s_value (dict, "e", "0", 0);
    s_value (dict, "e", " 1", 1);
    s_bad (dict, "b", "2");
    s_bad (dict, "b", "-1");
    s_bad (dict, "b", "0.5");
    s_bad (dict, "b", "yes");
    s_bad (dict, "e", "2");
    s_bad (dict, "e", "dead");
    //  A binary's level names read as its codes, as do 0 and 1.
    s_value (dict, "nb", "no", 0);
    s_value (dict, "nb", "yes", 1);
    s_value (dict, "nb", " yes ", 1);
    s_value (dict, "nb", "0", 0);
    s_value (dict, "nb", "1", 1);
    s_bad (dict, "nb", "Yes");
    s_bad (dict, "nb", "maybe");
    s_bad (dict, "nb", "2");
    //  categorical: one of the levels, as its index; nothing else.
    s_value (dict, "c", "low", 0);
    s_value (dict, "c", "mid", 1);
    s_value (dict, "c", "high", 2);
    s_value (dict, "c", " high ", 2);
    s_bad (dict, "c", "High");
    s_bad (dict, "c", "hig");
    s_bad (dict, "c", "highest");
    s_bad (dict, "c", "0");
    s_bad (dict, "c", "1");
    //  Levels that look like numbers are still levels: "10" is index 2,
    //  and "10.0" or "3" are no level.
    s_value (dict, "k", "1", 0);
    s_value (dict, "k", "2", 1);
    s_value (dict, "k", "10", 2);
    s_bad (dict, "k", "10.0");
    s_bad (dict, "k", "3");
    s_bad (dict, "k", "0");
    //  time: a number; negative and over-range values come back as they are.
    s_value (dict, "t", "30.5", 30.5);
    s_value (dict, "t", "-1", -1);
    s_value (dict, "t", "400", 400);
    s_bad (dict, "t", "3 days");
    model_dict_destroy (&dict);
}

static void
test_clamp (void **state)
{
    (void) state;
    model_dict_t *dict = s_parse (s_types);
    const model_var_t *n = model_dict_find (dict, "n");
    bool clamped = true;
    assert_true (model_dict_clamp (n, 3, &clamped) == 3);
    assert_false (clamped);
    //  The bounds themselves stay, and are not counted.
    assert_true (model_dict_clamp (n, -10, &clamped) == -10);
    assert_false (clamped);
    assert_true (model_dict_clamp (n, 10, &clamped) == 10);
    assert_false (clamped);
    assert_true (model_dict_clamp (n, -10.5, &clamped) == -10);
    assert_true (clamped);
    assert_true (model_dict_clamp (n, 1e300, &clamped) == 10);
    assert_true (clamped);
    assert_true (model_dict_clamp (n, -INFINITY, &clamped) == -10);
    assert_true (clamped);
    clamped = true;
    assert_true (isnan (model_dict_clamp (n, NAN, &clamped)));
    assert_false (clamped);
    //  Without a flag.
    assert_true (model_dict_clamp (n, 11, NULL) == 10);
    assert_true (model_dict_clamp (n, 1, NULL) == 1);
    //  A categorical variable's range is its level indexes; time starts at 0.
    const model_var_t *c = model_dict_find (dict, "c");
    assert_true (model_dict_clamp (c, 5, &clamped) == 2);
    assert_true (clamped);
    const model_var_t *t = model_dict_find (dict, "t");
    assert_true (model_dict_clamp (t, -3, &clamped) == 0);
    assert_true (clamped);
    assert_true (model_dict_clamp (t, 366, &clamped) == 365);
    //  A value read, then clamped: the caller's count.
    double v;
    assert_int_equal (model_dict_value (t, "400", &v), 0);
    assert_true (model_dict_clamp (t, v, &clamped) == 365 && clamped);
    model_dict_destroy (&dict);
}

//  --------------------------------------------------------------------------
//  Allocation failures

static bool
s_parse_walk (void *text)
{
    model_dict_t *dict = model_dict_parse ("walk.csv", text, strlen (text));
    if (!dict) {
        assert_non_null (strstr (util_last_error (), "walk.csv"));
        return false;
    }
    //  Whatever failed before, the result is whole.
    assert_int_equal (model_dict_size (dict), 8);
    assert_string_equal (model_dict_find (dict, "c")->levels [2], "high");
    assert_string_equal (model_dict_find (dict, "t")->unit, "days");
    model_dict_destroy (&dict);
    return true;
}

static bool
s_load_walk (void *path)
{
    model_dict_t *dict = model_dict_load (path);
    if (!dict) {
        if (!strstr (util_last_error (), path))
            fail_msg ("'%s' does not name the file", util_last_error ());
        return false;
    }
    assert_int_equal (model_dict_size (dict), 10);
    model_dict_destroy (&dict);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    //  Every allocation of a parse (the table, the variables, names, levels
    //  and text) fails in turn: NULL with UTIL_ENOMEM, nothing leaked.
    assert_true (alloc_walk (s_parse_walk, (void *) s_types) >= 30);
    assert_true (alloc_walk (s_load_walk, S_DATA "lung_dictionary.csv") >= 30);
}

//  --------------------------------------------------------------------------
//  The datasets of datasets/ against their dictionaries

static void
test_datasets_fit_their_dictionaries (void **state)
{
    (void) state;
    const struct {
        const char *data, *dict;
        size_t rows, missing;
    } sets [] = {
        //  Missing cells as datasets/README.md counts them.
        { "breast_cancer_wisconsin.csv", "breast_cancer_wisconsin_dictionary.csv", 569, 0 },
        { "epilepsy.csv", "epilepsy_dictionary.csv", 236, 0 },
        { "lung.csv", "lung_dictionary.csv", 228, 1 + 1 + 1 + 3 + 47 + 14 },
        { "pima_diabetes.csv", "pima_diabetes_dictionary.csv", 768, 5 + 35 + 227 + 374 + 11 },
        { "rotterdam.csv", "rotterdam_dictionary.csv", 2982, 0 },
        //  The example reads the Pima data as well.
        { "pima_diabetes.csv", NULL, 768, 5 + 35 + 227 + 374 + 11 },
    };
    for (size_t s = 0; s < sizeof sets / sizeof sets [0]; s++) {
        char path [512];
        snprintf (path, sizeof path, S_DATA "%s", sets [s].data);
        model_csv_t *csv = NULL;
        assert_int_equal (model_csv_load (&csv, path, 0), 0);
        model_dict_t *dict = NULL;
        if (sets [s].dict) {
            snprintf (path, sizeof path, S_DATA "%s", sets [s].dict);
            dict = model_dict_load (path);
        }
        else
            dict = model_dict_parse ("example", model_dict_example (),
                                     strlen (model_dict_example ()));
        assert_non_null (dict);
        assert_int_equal (model_csv_rows (csv), sets [s].rows);
        size_t bad = 0, missing = 0, outside = 0, values = 0;
        for (size_t j = 0; j < model_csv_cols (csv); j++) {
            const model_var_t *var = model_dict_find (dict, model_csv_header (csv, j));
            if (!var)
                fail_msg ("%s: column %s is not in the dictionary", sets [s].data,
                          model_csv_header (csv, j));
            for (size_t i = 0; i < model_csv_rows (csv); i++) {
                double v;
                bool clamped;
                if (model_dict_value (var, model_csv_cell (csv, i, j), &v)) {
                    bad++;
                    continue;
                }
                if (isnan (v)) {
                    missing++;
                    continue;
                }
                values++;
                model_dict_clamp (var, v, &clamped);
                outside += clamped;
            }
        }
        print_message ("%s against %s: %zu values, %zu missing, %zu do not read, "
                       "%zu out of bounds\n", sets [s].data, sets [s].dict? sets [s].dict:
                       "the example", values, missing, bad, outside);
        assert_int_equal (bad, 0);
        assert_int_equal (outside, 0);
        assert_int_equal (missing, sets [s].missing);
        assert_int_equal (values + missing, model_csv_rows (csv) * model_csv_cols (csv));
        model_dict_destroy (&dict);
        model_csv_destroy (&csv);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_datasets_dictionaries),
        cmocka_unit_test (test_example),
        cmocka_unit_test (test_accepts_boundaries),
        cmocka_unit_test (test_refuses_file),
        cmocka_unit_test (test_refuses_name),
        cmocka_unit_test (test_refuses_type),
        cmocka_unit_test (test_refuses_bounds),
        cmocka_unit_test (test_refuses_levels),
        cmocka_unit_test (test_refuses_text),
        cmocka_unit_test (test_refusals_do_not_echo),
        cmocka_unit_test (test_values),
        cmocka_unit_test (test_clamp),
        cmocka_unit_test (test_out_of_memory),
        cmocka_unit_test (test_datasets_fit_their_dictionaries),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
