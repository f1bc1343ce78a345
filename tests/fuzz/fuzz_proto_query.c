/*  libFuzzer target for proto/query.c: a query's text comes from an analyst
    over the network and every site parses it, so any text must be refused
    or accepted without crashing or leaking; an accepted query is checked
    against a dictionary and evaluated on a few records. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/query.h"
#include "fuzz_input.h"

static const char s_dict_text [] =
    "name,type,min,max,levels,unit,description\n"
    "pregnant,integer,0,20,,,\n"
    "glucose,numeric,0,300,,mg/dl,\n"
    "mass,numeric,10,80,,kg/m2,\n"
    "age,integer,18,100,,years,\n"
    "diabetes,binary,0,1,,,\n"
    "sex,binary,0,1,male|female,,\n"
    "stage,categorical,,,I|II|III|IV,,\n"
    "delta,numeric,-5,3,,,\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static model_dict_t *dict;
    if (!dict)
        dict = model_dict_parse ("fuzz", s_dict_text, sizeof s_dict_text - 1);
    char *text = fuzz_input_text (data, size);
    if (!text || !dict) {
        free (text);
        return 0;
    }
    proto_query_t *q = proto_query_parse (text);
    if (q && proto_query_check (q, dict, 0) == 0) {
        //  A few records at and around the bounds, one with gaps.
        static const double records [][8] = {
            { 0, 0, 10, 18, 0, 0, 0, -5 },
            { 20, 300, 80, 100, 1, 1, 3, 3 },
            { 3, 121.5, 33.6, 50, 1, 0, 2, 0 },
            { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
        };
        for (size_t i = 0; i < sizeof records / sizeof records [0]; i++) {
            if (!proto_query_complete (q, records [i]))
                continue;
            (void) proto_cond_eval (q->where, records [i]);
            for (size_t k = 0; k < q->n_terms; k++)
                (void) proto_term_eval (q->terms [k], records [i]);
        }
        for (size_t k = 0; k < q->n_terms; k++)
            free (proto_term_label (q->terms [k]));
    }
    proto_query_destroy (&q);
    free (text);
    return 0;
}
