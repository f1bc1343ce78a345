/*  tests/e2e/e2e_leak.c - the marker test: nothing from a site's data in
    anything that leaves the site (docs/threat-model.md, "What leaves a
    site"). A real consortium (coordinator and three sites on loopback,
    CURVE, a 2-of-3 test key) with COHORT_WIRE_TRACE set, so that every
    encoded message any process sends or receives is appended to
    DIR/wire.trace (proto/message.h).

    Site a's CSV cells carry unique markers: the number 987654.321 and the
    text ZQXMARK7.
      valid     987654.321 as a breast-cancer mean_radius and as a lung
                meal_cal (both numbers the dictionary clamps), ZQXMARK7 in
                an extra column no study or query reads: DP and
                privacy-off studies and queries complete with site a
      invalid   ZQXMARK7 as a breast-cancer mean_radius and a lung inst (not
                a number, not a level), 987654.321 as a malignant label
                (not 0 or 1): site a declines every study and query, with
                reasons that name the line and column; the others go on
                with sites b and c
    Then every record of the wire trace, every file of the coordinator
    (its config, journal and log, and every other coordinator.* file beside
    them: its audit log, write-ahead logs) and every report (JSON as the analyst got it, and rendered as
    CSV, HTML and text) is searched for the markers: as text ("ZQXMARK7",
    "987654.321", and "987654" and "9.87654" for a number printed with
    fewer digits) and as the little-endian bytes of the double 987654.321
    (a protobuf double). The site's own files (its data, config, ledger
    and its stderr log) are not searched: the site may keep the value for
    its operator. The search is shown to work first: it finds both markers
    in site a's CSV, and in a planted copy of them in the trace's
    directory. Every file listed must exist and be read.

    Usage: e2e_leak markers COHORT_BINARY SOURCE_DIR. Exit 0 on success;
    on failure (or with E2E_KEEP set) the consortium directory is kept.
*/
#include "consortium.h"
#include "coordinator/client.h"
#include "coordinator/render.h"
#include "util/error.h"
#include "he/he.h"

#include <czmq.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK E2E_CHECK

#define S_MARK_TEXT   "ZQXMARK7"
#define S_MARK_NUMBER "987654.321"
#define S_MARK_VALUE  987654.321

static e2e_t s_c;
static unsigned s_reports;

//  The whole file (NUL-terminated, *len bytes), or NULL.
static char *
s_read (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    while (1) {
        if (n + 65536 + 1 > cap) {
            char *grown = realloc (buf, cap = 2 * cap + 65536 + 1);
            if (!grown) {
                free (buf);
                fclose (f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread (buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose (f);
    buf [n] = 0;
    *len = n;
    return buf;
}

//  The markers found in `data` (len bytes), as a text for the failure
//  line (static), or NULL when there is none.
static const char *
s_markers_in (const char *data, size_t len)
{
    double value = S_MARK_VALUE;
    uint8_t le [8];
    uint64_t bits;
    memcpy (&bits, &value, 8);
    for (int i = 0; i < 8; i++)
        le [i] = (uint8_t) (bits >> (8 * i));
    static const char *texts [] = { S_MARK_TEXT, S_MARK_NUMBER, "987654", "9.87654" };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        if (memmem (data, len, texts [i], strlen (texts [i])))
            return texts [i];
    if (memmem (data, len, le, 8))
        return "the double 987654.321 (little-endian bytes)";
    return NULL;
}

//  Searches DIR/rel: 0 if it was read and holds no marker, else -1 after a
//  line naming the file and the marker (or that it could not be read).
static int
s_clean (e2e_t *c, const char *rel)
{
    size_t len;
    char *data = s_read (e2e_path (c, rel), &len);
    if (!data) {
        fprintf (stderr, "e2e FAIL: %s: missing or unreadable, so not searched\n", rel);
        return -1;
    }
    const char *found = s_markers_in (data, len);
    if (found)
        fprintf (stderr, "e2e FAIL: %s holds %s\n", rel, found);
    free (data);
    return found? -1: 0;
}

//  One CSV file's text with edits: each { row (0 = the first data row),
//  column (-1: the last original one), value }; with `note`, an extra last
//  column "note" holding S_MARK_TEXT in every row.
typedef struct {
    int row, col;
    const char *value;
} s_edit_t;

static int
s_write_variant (const char *path, const char *original, const s_edit_t *edits, size_t n,
                 bool note)
{
    FILE *out = fopen (path, "w");
    if (!out)
        return -1;
    char *text = strdup (original);
    int row = -1;
    for (char *save = NULL, *line = strtok_r (text, "\n", &save); line;
         line = strtok_r (NULL, "\n", &save), row++) {
        //  The fields of this line.
        char *fields [64];
        int nf = 0;
        for (char *p = line; nf < 64; ) {
            fields [nf++] = p;
            char *comma = strchr (p, ',');
            if (!comma)
                break;
            *comma = 0;
            p = comma + 1;
        }
        for (int f = 0; f < nf; f++) {
            const char *v = fields [f];
            for (size_t e = 0; e < n; e++)
                if (edits [e].row == row && (edits [e].col == f
                                          || (edits [e].col == -1 && f == nf - 1)))
                    v = edits [e].value;
            fprintf (out, "%s%s", f? ",": "", v);
        }
        if (note)
            fprintf (out, ",%s", row < 0? "note": S_MARK_TEXT);
        fputc ('\n', out);
    }
    free (text);
    return fclose (out);
}

//  Keeps a report: DIR/reports/<n>.json as the analyst got it, and its
//  CSV, HTML (and a query's text) renderings.
static int
s_keep (e2e_t *c, const json_t *report)
{
    unsigned n = ++s_reports;
    char rel [64];
    snprintf (rel, sizeof rel, "reports/%u.json", n);
    CHECK (json_dump_file (report, e2e_path (c, rel), JSON_INDENT (1)) == 0, "%s", rel);
    const char *formats [] = { "csv", "html", "text" };
    bool query = json_object_get (report, "query") != NULL;
    for (int f = 0; f < (query? 3: 2); f++) {
        snprintf (rel, sizeof rel, "reports/%u.%s", n, formats [f]);
        FILE *out = fopen (e2e_path (c, rel), "w");
        CHECK (out, "%s", rel);
        int rc = coord_render (report, formats [f], out);
        CHECK (fclose (out) == 0 && rc == 0, "render %s: %s", rel, util_last_error ());
    }
    return 0;
}

//  Runs study.cfg's text; keeps its report in *report (the caller's) and
//  on disk. 0 when it completed.
static int
s_study (e2e_t *c, const char *text, json_t **report)
{
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (client, "analyst: %s", util_last_error ());
    char *id = NULL;
    CHECK (coord_client_launch (client, text, &id) == 0, "launch: %s", util_last_error ());
    int64_t end = zclock_mono () + 150000;
    const char *state = "running";
    json_t *status = NULL;
    while (!strcmp (state, "running") && zclock_mono () < end) {
        zclock_sleep (100);
        json_decref (status);
        CHECK (coord_client_status (client, id, &status) == 0, "status: %s", util_last_error ());
        state = json_string_value (json_object_get (status, "status"));
    }
    json_decref (status);
    CHECK (coord_client_report (client, id, report) == 0, "report: %s", util_last_error ());
    free (id);
    coord_client_destroy (&client);
    const char *got = json_string_value (json_object_get (json_object_get (*report, "study"),
                                                          "status"));
    CHECK (got && !strcmp (got, "completed"), "study %s: %s", got? got: "?",
           json_string_value (json_object_get (json_object_get (*report, "study"),
                                               "status_detail")));
    return s_keep (c, *report);
}

//  Runs a query (min_sites 2, delta 1e-5); keeps its report.
static int
s_query (e2e_t *c, const char *dataset, const char *expr, bool off, json_t **report)
{
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (client, "analyst: %s", util_last_error ());
    coord_query_request_t req = { .expr = expr, .dataset = dataset, .epsilon = 1,
                                  .delta = 1e-5, .off = off, .min_sites = 2 };
    char *id = NULL;
    int rc = coord_client_query (client, &req, 120, &id, report);
    free (id);
    coord_client_destroy (&client);
    CHECK (rc == 0, "%s: %s", expr, util_last_error ());
    return s_keep (c, *report);
}

//  The reason site `name` gave in a report's declined list, or NULL.
static const char *
s_declined (const json_t *report, const char *name)
{
    const json_t *job = json_object_get (report, "job");
    if (!job)
        job = json_object_get (report, "study");
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get (job, "declined"), i, item) {
        const char *site = json_string_value (json_object_get (item, "site"));
        if (site && !strcmp (site, name))
            return json_string_value (json_object_get (item, "reason"));
    }
    return NULL;
}

//  A learning study on breast_cancer: `features` listed (read through the
//  dictionary) or every column; privacy on at epsilon 1 or off.
static const char *
s_study_text (char *buf, size_t size, bool features, bool off)
{
    snprintf (buf, size, "study\n    name = leak\n    dataset = breast_cancer\n"
              "    label = malignant\n    model = logistic\n    optimizer = adam\n"
              "    learning_rate = 0.1\n    steps = 3\n    sampling_rate = 1\n    clip = 1\n"
              "    min_sites = 2\n    eval_every = 0\n%s    privacy\n        epsilon = 1\n"
              "        delta = 1e-5\n        off = %s\n",
              features? "    features = mean_radius, mean_texture, mean_area, worst_radius\n"
                      : "", off? "true": "false");
    return buf;
}

//  Every run of one phase: two studies (DP through the dictionary, and
//  privacy off), DP and privacy-off queries on both datasets. With
//  `declines`, site a must decline each with a reason naming where (a line
//  and a column), and the studies and queries complete with b and c;
//  without, site a takes part in each.
static int
s_phase (e2e_t *c, bool declines)
{
    char text [1024];
    struct { bool features, off; } studies [] = { { true, false }, { true, true },
                                                  { false, false } };
    for (size_t k = 0; k < sizeof studies / sizeof studies [0]; k++) {
        //  Every column: the note column is not a number, so only in the
        //  invalid phase (where site a declines anyway).
        if (!studies [k].features && !declines)
            continue;
        json_t *report = NULL;
        if (s_study (c, s_study_text (text, sizeof text, studies [k].features, studies [k].off),
                     &report))
            return -1;
        const char *why = s_declined (report, "site-a");
        CHECK (declines == (why != NULL), "study %zu: site a %s", k,
               why? why: "did not decline");
        CHECK (!why || strstr (why, ".csv:"), "study %zu: the reason does not say where: %s",
               k, why);
        json_decref (report);
    }
    const struct { const char *dataset, *expr; bool off; } queries [] = {
        { "breast_cancer", "summary(mean_radius, mean_texture, by=malignant)", false },
        { "breast_cancer", "quantiles(mean_radius, 0.1, 0.5, 0.9)", true },
        { "breast_cancer", "histogram(mean_radius, breaks=0:40:2)", true },
        { "lung", "summary(meal_cal, age, by=inst)", true },
        { "lung", "mean(meal_cal)", false },
    };
    for (size_t k = 0; k < sizeof queries / sizeof queries [0]; k++) {
        json_t *report = NULL;
        if (s_query (c, queries [k].dataset, queries [k].expr, queries [k].off, &report))
            return -1;
        const char *why = s_declined (report, "site-a");
        CHECK (declines == (why != NULL), "%s: site a %s", queries [k].expr,
               why? why: "did not decline");
        CHECK (!why || strstr (why, ".csv:"), "%s: the reason does not say where: %s",
               queries [k].expr, why);
        json_decref (report);
    }
    return 0;
}

//  The search: site a's CSVs hold the markers (so the search finds what it
//  looks for), a planted copy is found in the trace's directory, then the
//  wire trace, the coordinator's files and every report hold none.
static int
s_search (e2e_t *c)
{
    size_t len;
    char *data = s_read (e2e_path (c, "data/site-a.csv"), &len);
    CHECK (data && s_markers_in (data, len), "the search does not find the markers in site "
           "a's CSV");
    free (data);
    //  The double's bytes: a planted record found as such.
    double value = S_MARK_VALUE;
    FILE *f = fopen (e2e_path (c, "planted.bin"), "wb");
    CHECK (f && fwrite ("xx", 1, 2, f) == 2 && fwrite (&value, 8, 1, f) == 1 && fclose (f) == 0,
           "planted.bin");
    data = s_read (e2e_path (c, "planted.bin"), &len);
    const char *found = data? s_markers_in (data, len): NULL;
    CHECK (found && strstr (found, "little-endian"), "the search does not find the double");
    free (data);
    int rc = 0;
    //  The wire: every message any process sent or received.
    data = s_read (e2e_path (c, "wire.trace"), &len);
    size_t records = 0;
    for (const char *p = data; p && (p = memmem (p, len - (size_t) (p - data), "cohort-wire ",
                                                 12)); p += 12)
        records++;
    free (data);
    CHECK (records > 100, "the wire trace holds %zu records", records);
    fprintf (stderr, "e2e: %zu wire records, %u reports searched\n", records, s_reports);
    rc |= s_clean (c, "wire.trace");
    //  The coordinator's files: each listed must be there to be read; and
    //  every other file of its beside them (its audit log, coordinator.cfg
    //  audit, and any write-ahead log).
    const char *files [] = { "coordinator.cfg", "coordinator.db", "logs/coordinator.log",
                             "dictionary.csv", "analyst.cfg" };
    for (size_t i = 0; i < sizeof files / sizeof files [0]; i++)
        rc |= s_clean (c, files [i]);
    DIR *dir = opendir (c->dir);
    CHECK (dir, "%s", c->dir);
    struct dirent *e;
    unsigned more = 0;
    while ((e = readdir (dir)))
        if (!strncmp (e->d_name, "coordinator.", 12) && strcmp (e->d_name, "coordinator.cfg")
        &&  strcmp (e->d_name, "coordinator.db")) {
            rc |= s_clean (c, e->d_name);
            more++;
        }
    closedir (dir);
    fprintf (stderr, "e2e: %u more coordinator files searched\n", more);
    //  Every report, as JSON and rendered.
    unsigned kept = 0;
    dir = opendir (e2e_path (c, "reports"));
    CHECK (dir, "reports");
    while ((e = readdir (dir)))
        if (e->d_name [0] != '.') {
            char rel [300];
            snprintf (rel, sizeof rel, "reports/%s", e->d_name);
            rc |= s_clean (c, rel);
            kept++;
        }
    closedir (dir);
    CHECK (kept >= 3 * s_reports, "%u report files for %u reports", kept, s_reports);
    return rc;
}

static int
s_markers (e2e_t *c)
{
    CHECK (zsys_dir_create ("%s/reports", c->dir) == 0, "reports/");
    setenv ("COHORT_WIRE_TRACE", e2e_path (c, "wire.trace"), 1);
    size_t len;
    char *cancer = s_read (e2e_path (c, "data/site-a.csv"), &len);
    char *lung = cancer? s_read (e2e_path (c, "data/site-a-lung.csv"), &len): NULL;
    CHECK (cancer && lung, "site a's data");
    //  Valid cells: the number where the dictionary clamps it, the text in
    //  a column nothing reads.
    s_edit_t valid_cancer [] = { { 0, 0, S_MARK_NUMBER }, { 5, 2, S_MARK_NUMBER } };
    s_edit_t valid_lung [] = { { 0, 8, S_MARK_NUMBER } };
    CHECK (s_write_variant (e2e_path (c, "data/site-a.csv"), cancer, valid_cancer, 2, true) == 0
        && s_write_variant (e2e_path (c, "data/site-a-lung.csv"), lung, valid_lung, 1,
                            false) == 0, "writing site a's data");
    int rc = e2e_start_all (c) || s_phase (c, false)? -1: 0;
    //  Invalid cells (the site reads its files at each offer).
    s_edit_t bad_cancer [] = { { 0, 0, S_MARK_TEXT }, { 1, -1, S_MARK_NUMBER },
                               { 2, 1, S_MARK_NUMBER } };
    s_edit_t bad_lung [] = { { 0, 0, S_MARK_TEXT }, { 1, 8, S_MARK_NUMBER } };
    if (rc == 0
    &&  (s_write_variant (e2e_path (c, "data/site-a.csv"), cancer, bad_cancer, 3, true)
    ||   s_write_variant (e2e_path (c, "data/site-a-lung.csv"), lung, bad_lung, 2, false)))
        rc = -1;
    if (rc == 0)
        rc = s_phase (c, true);
    free (cancer);
    free (lung);
    //  Searched whatever happened above, with the coordinator still up
    //  (its write-ahead logs exist).
    if (s_search (c))
        rc = -1;
    unsetenv ("COHORT_WIRE_TRACE");
    return rc;
}

int
main (int argc, char **argv)
{
    if (argc != 4 || strcmp (argv [1], "markers")) {
        fprintf (stderr, "usage: e2e_leak markers COHORT SOURCE_DIR\n");
        return 2;
    }
    he_init ();
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    if (e2e_setup (&s_c, argv [2], argv [3], 3, 2, 512, 10000, false)) {
        fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
        return 1;
    }
    int rc = s_markers (&s_c);
    if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
        rc = -1;
    fprintf (stderr, "e2e leak markers: %s\n", rc? "FAILED": "passed");
    return rc? 1: 0;
}
