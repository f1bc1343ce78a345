/*  Unit tests for ingest/jsontree.c: the scanner takes plain payloads,
    declines everything it is not sure of (on both sides of each limit),
    and whatever it takes, jansson takes, as the same tree (here over
    hand-made documents and every FHIR fixture; tests/fuzz/
    fuzz_ingest_jsontree.c does the same on arbitrary input). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jsontree.h"
#include "util/error.h"

#define FIXTURES COHORT_SOURCE_DIR "/tests/fixtures/fhir"

//  Scans `json`; if taken, jansson must take it too, as the same tree.
//  Returns whether the scanner took it.
static bool
s_scan_agrees (const char *json, size_t len)
{
    ingest_jsontree_t scanned, loaded;
    const ingest_json_t *a = NULL, *b = NULL;
    bool taken = ingest_jsontree_scan (&scanned, json, len, &a) == 0;
    json_t *doc = json_loadb (json, len, JSON_REJECT_DUPLICATES, NULL);
    if (taken) {
        if (!doc)
            fail_msg ("scanned, but jansson refuses: %.*s", (int) len, json);
        assert_int_equal (ingest_jsontree_from (&loaded, doc, &b), 0);
        if (!ingest_json_equal (a, b))
            fail_msg ("trees differ: %.*s", (int) len, json);
        ingest_jsontree_release (&loaded);
    }
    ingest_jsontree_release (&scanned);
    json_decref (doc);
    return taken;
}

static bool
s_taken (const char *json)
{
    return s_scan_agrees (json, strlen (json));
}

static void
test_plain_payload (void **state)
{
    (void) state;
    const char *json = " {\"resourceType\":\"Observation\", \"n\":[1,-2.5e1,0,null,true,false],"
                       "\t\"o\":{},\"a\":[],\"s\":\"\",\"e\":-0}\r\n";
    ingest_jsontree_t t;
    const ingest_json_t *root;
    assert_int_equal (ingest_jsontree_scan (&t, json, strlen (json), &root), 0);
    assert_true (ingest_json_is_object (root));
    assert_string_equal (ingest_json_string (ingest_json_get (root, "resourceType")),
                         "Observation");
    assert_null (ingest_json_get (root, "missing"));
    assert_null (ingest_json_get (ingest_json_get (root, "n"), "x"));    //  not an object
    assert_null (ingest_json_string (ingest_json_get (root, "n")));
    const ingest_json_t *n = ingest_json_elements (ingest_json_get (root, "n"));
    assert_true (ingest_json_is_number (n) && ingest_json_number (n) == 1);
    assert_true (ingest_json_number (n->next) == -25);
    assert_int_equal (n->next->next->next->type, INGEST_JSON_NULL);
    assert_int_equal (n->next->next->next->next->type, INGEST_JSON_TRUE);
    assert_int_equal (n->next->next->next->next->next->type, INGEST_JSON_FALSE);
    assert_null (n->next->next->next->next->next->next);
    assert_null (ingest_json_members (ingest_json_get (root, "o")));
    assert_true (ingest_json_is_object (ingest_json_get (root, "o")));
    assert_null (ingest_json_elements (ingest_json_get (root, "a")));
    assert_null (ingest_json_elements (ingest_json_get (root, "o")));
    assert_string_equal (ingest_json_string (ingest_json_get (root, "s")), "");
    //  Members in document order.
    const char *order [] = { "resourceType", "n", "o", "a", "s", "e" };
    size_t i = 0;
    for (const ingest_json_t *m = ingest_json_members (root); m; m = m->next, i++)
        assert_string_equal (m->key, order [i]);
    assert_int_equal (i, 6);
    ingest_jsontree_release (&t);
    assert_int_equal (t.n, 0);
    assert_true (s_taken (json));
}

static void
test_declines (void **state)
{
    (void) state;
    //  Valid JSON the scanner leaves to jansson, and invalid JSON.
    const char *declined [] = {
        "", "   ", "[1]", "\"s\"", "1", "{\"a\":\"\\n\"}", "{\"a\\u0041\":1}", "{\"a\":\"\xc3\xa9\"}",
        "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "{\"a\":1} x", "{\"a\":1}}",
        "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}",
        "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":truex}",
        "{\"a\":nul}", "{\"a\":\"x}", "{\"a\":\"tab\there\"}", "{\"a\":[1 2]}", "{\"a\":[1,]}",
        "{\"a\":1e999}", "{\"a\":-1e999}", "{\"a\":1e-400}", "{\"a\":1234567890123456789}",
        "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1", "{", "{\"a\":\"b\"\0}",
    };
    for (size_t i = 0; i < sizeof declined / sizeof declined [0]; i++)
        if (s_taken (declined [i]))
            fail_msg ("taken: %s", declined [i]);
    //  A NUL byte inside the buffer.
    assert_false (s_scan_agrees ("{\"a\":\"b\0\"}", 10));
    //  Both sides of each limit: 18 digits are read, and a 40-character number.
    assert_true (s_taken ("{\"a\":123456789012345678,\"b\":-123456789012345678}"));
    for (int len = 40; len <= 41; len++) {
        char text [64] = "{\"a\":1.";
        memset (text + 7, '0', (size_t) len - 3);
        strcpy (text + 7 + len - 3, "5}");          //  "1." and len - 2 more characters
        assert_int_equal (s_taken (text), len == 40);
    }
    assert_true (s_taken ("{\"a\":0.5,\"b\":-0.0,\"c\":1E+2,\"d\":2e-3,\"e\":97.5}"));
}

static void
test_limits (void **state)
{
    (void) state;
    static char json [8 * INGEST_JSONTREE_TEXT];
    //  Depth: INGEST_JSONTREE_DEPTH levels are taken, one more is not.
    for (int depth = INGEST_JSONTREE_DEPTH; depth <= INGEST_JSONTREE_DEPTH + 1; depth++) {
        size_t at = 0;
        for (int i = 0; i < depth - 1; i++)
            at += (size_t) sprintf (json + at, "{\"a\":");
        at += (size_t) sprintf (json + at, "{}");
        for (int i = 0; i < depth - 1; i++)
            json [at++] = '}';
        assert_int_equal (s_scan_agrees (json, at), depth == INGEST_JSONTREE_DEPTH);
    }
    //  Values: the object and INGEST_JSONTREE_NODES - 2 elements in one
    //  array fill the nodes; one more element is declined.
    for (int n = INGEST_JSONTREE_NODES - 2; n <= INGEST_JSONTREE_NODES - 1; n++) {
        size_t at = (size_t) sprintf (json, "{\"a\":[");
        for (int i = 0; i < n; i++)
            at += (size_t) sprintf (json + at, "%s1", i? ",": "");
        at += (size_t) sprintf (json + at, "]}");
        assert_int_equal (s_scan_agrees (json, at), n == INGEST_JSONTREE_NODES - 2);
    }
    //  Text: the key "a" (2 bytes) and a string filling the rest.
    for (size_t len = INGEST_JSONTREE_TEXT - 3; len <= INGEST_JSONTREE_TEXT - 2; len++) {
        size_t at = (size_t) sprintf (json, "{\"a\":\"");
        memset (json + at, 'x', len);
        at += len;
        at += (size_t) sprintf (json + at, "\"}");
        assert_int_equal (s_scan_agrees (json, at), len == INGEST_JSONTREE_TEXT - 3);
    }
}

static void
test_from_jansson (void **state)
{
    (void) state;
    //  More values than the tree holds: one allocation, freed on release.
    json_t *doc = json_object ();
    json_t *array = json_array ();
    for (int i = 0; i < 3 * INGEST_JSONTREE_NODES; i++)
        json_array_append_new (array, json_integer (i));
    json_object_set_new (doc, "values", array);
    json_object_set_new (doc, "escaped", json_string ("a\n\xc3\xa9"));
    ingest_jsontree_t t;
    const ingest_json_t *root;
    assert_int_equal (ingest_jsontree_from (&t, doc, &root), 0);
    assert_non_null (t.heap);
    const ingest_json_t *v = ingest_json_elements (ingest_json_get (root, "values"));
    int count = 0;
    for (; v; v = v->next, count++)
        assert_true (ingest_json_number (v) == count);
    assert_int_equal (count, 3 * INGEST_JSONTREE_NODES);
    assert_string_equal (ingest_json_string (ingest_json_get (root, "escaped")), "a\n\xc3\xa9");
    ingest_jsontree_release (&t);
    assert_null (t.heap);
    json_decref (doc);
    //  Accessors on NULL.
    assert_null (ingest_json_get (NULL, "a"));
    assert_null (ingest_json_string (NULL));
    assert_false (ingest_json_is_number (NULL));
    assert_true (ingest_json_number (NULL) == 0);
}

//  Every FHIR fixture: the scanner's tree is jansson's; the plain ones
//  (our vital signs) are taken.
static void
s_fixtures (const char *dir, int *taken, int *seen)
{
    DIR *d = opendir (dir);
    assert_non_null (d);
    struct dirent *e;
    while ((e = readdir (d))) {
        char path [1024];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen (e->d_name);
        if (e->d_name [0] == '.')
            continue;
        if (n > 5 && strcmp (e->d_name + n - 5, ".json") == 0) {
            FILE *f = fopen (path, "rb");
            assert_non_null (f);
            static char buf [1 << 20];
            size_t len = fread (buf, 1, sizeof buf, f);
            fclose (f);
            *taken += s_scan_agrees (buf, len);
            (*seen)++;
        }
        else
        if (!strchr (e->d_name, '.'))
            s_fixtures (path, taken, seen);
    }
    closedir (d);
}

static void
test_fixtures_agree (void **state)
{
    (void) state;
    int taken = 0, seen = 0;
    s_fixtures (FIXTURES, &taken, &seen);
    assert_true (seen > 40);
    assert_true (taken > 0);
}

//  ingest_json_equal, which the agreement checks rest on, tells trees
//  apart by each thing it compares.
static void
test_equal (void **state)
{
    (void) state;
    const char *base = "{\"a\":[1,\"x\",{\"b\":null}]}";
    const char *other [] = {
        "{\"a\":[2,\"x\",{\"b\":null}]}",           //  a number
        "{\"a\":[-0.0,\"x\",{\"b\":null}]}",        //  0 against -0 (to the bit)
        "{\"a\":[1,\"y\",{\"b\":null}]}",           //  a string
        "{\"a\":[1,\"x\",{\"c\":null}]}",           //  a name
        "{\"a\":[1,\"x\",{\"b\":false}]}",          //  a type
        "{\"a\":[1,\"x\",{\"b\":null},3]}",         //  one more element
        "{\"a\":[1,\"x\"]}",                          //  one fewer
        "{\"a\":[1,\"x\",[null]]}",                   //  an array for an object
    };
    ingest_jsontree_t t, u;
    const ingest_json_t *a, *b;
    assert_int_equal (ingest_jsontree_scan (&t, base, strlen (base), &a), 0);
    assert_int_equal (ingest_jsontree_scan (&u, base, strlen (base), &b), 0);
    assert_true (ingest_json_equal (a, b));
    ingest_jsontree_release (&u);
    for (size_t i = 0; i < sizeof other / sizeof other [0]; i++) {
        const char *o = i == 1? "{\"a\":[0,\"x\",{\"b\":null}]}": base;
        const ingest_json_t *c;
        ingest_jsontree_t v, w;
        assert_int_equal (ingest_jsontree_scan (&v, other [i], strlen (other [i]), &b), 0);
        assert_int_equal (ingest_jsontree_scan (&w, o, strlen (o), &c), 0);
        if (ingest_json_equal (c, b))
            fail_msg ("equal: %s and %s", o, other [i]);
        ingest_jsontree_release (&v);
        ingest_jsontree_release (&w);
    }
    ingest_jsontree_release (&t);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_plain_payload),
        cmocka_unit_test (test_declines),
        cmocka_unit_test (test_limits),
        cmocka_unit_test (test_from_jansson),
        cmocka_unit_test (test_fixtures_agree),
        cmocka_unit_test (test_equal),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
