/*  tests/browser/browser_report.c - reports as a person sees them: each
    report is rendered to HTML by coord_render (coordinator/render.h), opened
    in headless Chromium, and measured from inside the page by check.js,
    whose findings come back through --dump-dom.

    browser_report check CHROMIUM CHECK_JS REPORT.json...
        Each page at 1280 px and, with its print style applied, at the width
        of an A4 page's text (186 mm: 703 px): no element may reach past the
        viewport unless it sits in a box that scrolls sideways, the page
        may not scroll sideways, and every chart (<svg>) must hold data
        marks. Exit 0 when every page passes, 1 otherwise.
    browser_report selftest CHROMIUM CHECK_JS REPORT.json
        The check must catch what it is for: a page with a table too wide
        for it and a chart without data marks fails, naming both, while a
        wide table in a box that scrolls passes.
    browser_report html REPORT.json OUT.html
        The page alone.
    browser_report shot CHROMIUM CHECK_JS REPORT.json OUT.png
        A screenshot of the page, 1280 px wide and as tall as the page.

    The page's Content-Security-Policy forbids scripts; the harness adds the
    hash of check.js (and nothing else) to it in its copy of the page. */
#include "coordinator/render.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_SCREEN_W   1280
#define S_SCREEN_H   2000
#define S_PRINT_W    703        //  A4 (210 mm) less 2 x 12 mm margins at 96 px/in
#define S_SHOT_MAX_H 16000

static char s_dir [256];          //  the temporary directory: pages, DOM, profile

static char *
s_read (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, "browser_report: %s: %s\n", path, strerror (errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&text, &len);
    char buf [8192];
    size_t n;
    while (m && (n = fread (buf, 1, sizeof buf, f)) > 0)
        fwrite (buf, 1, n, m);
    bool bad = ferror (f) || !m;
    fclose (f);
    if (m)
        fclose (m);
    if (bad) {
        fprintf (stderr, "browser_report: %s: cannot read\n", path);
        free (text);
        return NULL;
    }
    return text;
}

static int
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "wb");
    if (!f || fputs (text, f) < 0 || fclose (f)) {
        fprintf (stderr, "browser_report: %s: cannot write\n", path);
        return -1;
    }
    return 0;
}

//  The report at `path` as the HTML page coord_render writes.
static char *
s_render (const char *path)
{
    json_error_t err;
    json_t *report = json_load_file (path, 0, &err);
    if (!report) {
        fprintf (stderr, "browser_report: %s:%d: %s\n", path, err.line, err.text);
        return NULL;
    }
    char *html = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&html, &len);
    int rc = m? coord_render (report, "html", m): -1;
    if (m)
        fclose (m);
    json_decref (report);
    if (rc) {
        fprintf (stderr, "browser_report: %s: %s\n", path, util_last_error ());
        free (html);
        return NULL;
    }
    return html;
}

//  text with every `from` replaced by `to`; *count of them.
static char *
s_replace (const char *text, const char *from, const char *to, size_t *count)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&out, &len);
    if (!m)
        return NULL;
    *count = 0;
    const char *at = text, *hit;
    while ((hit = strstr (at, from))) {
        fwrite (at, 1, (size_t) (hit - at), m);
        fputs (to, m);
        at = hit + strlen (from);
        (*count)++;
    }
    fputs (at, m);
    fclose (m);
    return out;
}

//  The page with check.js (and `extra` before it) at the end of its body,
//  the script's hash allowed by its Content-Security-Policy, and with
//  `print` its print style applied to the screen.
static char *
s_instrument (const char *html, const char *script, const char *extra, bool print)
{
    unsigned char digest [32];
    unsigned int dlen = 0;
    char b64 [64];
    if (!EVP_Digest (script, strlen (script), digest, &dlen, EVP_sha256 (), NULL))
        return NULL;
    EVP_EncodeBlock ((unsigned char *) b64, digest, (int) dlen);
    char csp [128];
    snprintf (csp, sizeof csp, "default-src 'none'; script-src 'sha256-%s';", b64);
    size_t n;
    char *a = s_replace (html, "default-src 'none';", csp, &n);
    if (a && n != 1) {
        fprintf (stderr, "browser_report: the page has no Content-Security-Policy "
                         "default-src 'none' (found %zu)\n", n);
        free (a);
        return NULL;
    }
    char *b = a;
    if (a && print) {
        b = s_replace (a, "@media print{", "@media all{", &n);
        free (a);
        if (b && n == 0) {
            fprintf (stderr, "browser_report: the page has no print style (@media print)\n");
            free (b);
            return NULL;
        }
    }
    if (!b)
        return NULL;
    char *tail = NULL;
    if (asprintf (&tail, "%s<script>%s</script>\n</body>", extra? extra: "", script) < 0) {
        free (b);
        return NULL;
    }
    char *c = s_replace (b, "</body>", tail, &n);
    free (b);
    free (tail);
    if (c && n != 1) {
        fprintf (stderr, "browser_report: the page has %zu </body>\n", n);
        free (c);
        return NULL;
    }
    return c;
}

//  Runs Chromium on file://page with `action` (--dump-dom or
//  --screenshot=...), stdout into `out`; its log into s_dir/chromium.log.
static int
s_chromium (const char *chromium, const char *page, int width, int height, bool hide_scrollbars,
            const char *action, const char *out)
{
    char size [64], profile [300], url [4200], log [300];
    snprintf (size, sizeof size, "--window-size=%d,%d", width, height);
    snprintf (profile, sizeof profile, "--user-data-dir=%s/profile", s_dir);
    snprintf (url, sizeof url, "file://%s", page);
    snprintf (log, sizeof log, "%s/chromium.log", s_dir);
    const char *argv [] = { chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-extensions", profile, size,
                            hide_scrollbars? "--hide-scrollbars": "--no-default-browser-check",
                            action, url, NULL };
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int o = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (o < 0 || e < 0 || dup2 (o, 1) < 0 || dup2 (e, 2) < 0)
            _exit (127);
        execv (chromium, (char **) argv);
        fprintf (stderr, "browser_report: cannot run %s: %s\n", chromium, strerror (errno));
        _exit (127);
    }
    int status;
    while (waitpid (pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED (status) || WEXITSTATUS (status)) {
        fprintf (stderr, "browser_report: %s exited with %d (log: %s)\n", chromium,
                 WIFEXITED (status)? WEXITSTATUS (status): -1, log);
        return -1;
    }
    return 0;
}

//  What check.js found in the page, from the DOM Chromium dumped.
static json_t *
s_findings (const char *dom_path)
{
    char *dom = s_read (dom_path);
    if (!dom)
        return NULL;
    const char *open = "<pre id=\"cohort-check\" hidden=\"\">";
    char *at = strstr (dom, open);
    char *end = at? strstr (at, "</pre>"): NULL;
    json_t *found = NULL;
    if (!end)
        fprintf (stderr, "browser_report: the page did not run check.js (no "
                         "#cohort-check in the DOM: the script was blocked or failed)\n");
    else {
        *end = '\0';
        size_t n;
        char *a = s_replace (at + strlen (open), "&lt;", "<", &n);
        char *b = a? s_replace (a, "&gt;", ">", &n): NULL;
        char *c = b? s_replace (b, "&amp;", "&", &n): NULL;
        json_error_t err;
        found = c? json_loads (c, 0, &err): NULL;
        if (c && !found)
            fprintf (stderr, "browser_report: check.js wrote bad JSON: %s\n", err.text);
        free (a);
        free (b);
        free (c);
    }
    free (dom);
    return found;
}

//  Opens the report's page (instrumented) at `width` and returns what
//  check.js found; NULL (with the reason on stderr) if it could not.
static json_t *
s_measure (const char *chromium, const char *script, const char *report, const char *extra,
           bool print)
{
    char page [300], dom [300];
    snprintf (page, sizeof page, "%s/page.html", s_dir);
    snprintf (dom, sizeof dom, "%s/dom.html", s_dir);
    char *html = s_render (report);
    char *test = html? s_instrument (html, script, extra, print): NULL;
    json_t *found = NULL;
    if (test && !s_write (page, test)
    &&  !s_chromium (chromium, page, print? S_PRINT_W: S_SCREEN_W, S_SCREEN_H, print,
                     "--dump-dom", dom))
        found = s_findings (dom);
    free (html);
    free (test);
    return found;
}

//  Prints the findings of one page; true when it passes.
static bool
s_judge (const char *report, const char *view, const json_t *found)
{
    json_t *wide = json_object_get (found, "wide");
    json_t *charts = json_object_get (found, "charts");
    bool ok = json_array_size (wide) == 0;
    size_t i;
    json_t *c;
    json_array_foreach (charts, i, c)
        ok &= json_integer_value (json_object_get (c, "marks")) > 0;
    printf ("%s %s: %s (viewport %lld px, page %lld px tall, %zu charts)\n",
            ok? "ok  ": "FAIL", report, view,
            (long long) json_integer_value (json_object_get (found, "viewport")),
            (long long) json_integer_value (json_object_get (found, "height")),
            json_array_size (charts));
    json_t *w;
    json_array_foreach (wide, i, w)
        printf ("       wider than the page: %s\n", json_string_value (w));
    json_array_foreach (charts, i, c)
        printf ("       chart \"%s\": %lld data marks\n",
                json_string_value (json_object_get (c, "caption")),
                (long long) json_integer_value (json_object_get (c, "marks")));
    return ok;
}

static int
s_check (const char *chromium, const char *script, char **reports, int n)
{
    int failed = 0;
    for (int i = 0; i < n; i++)
        for (int print = 0; print <= 1; print++) {
            json_t *found = s_measure (chromium, script, reports [i], NULL, print);
            const char *view = print? "A4 print width": "screen 1280 px";
            if (!found)
                printf ("FAIL %s: %s: not measured\n", reports [i], view);
            failed += !found || !s_judge (reports [i], view, found);
            json_decref (found);
        }
    printf ("%d of %d pages failed\n", failed, 2 * n);
    return failed? 1: 0;
}

//  The negative controls: what the check exists to catch.
static int
s_selftest (const char *chromium, const char *script, const char *report)
{
    char *cell = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&cell, &len);
    for (int i = 0; m && i < 300; i++)
        fputs ("wide ", m);
    if (m)
        fclose (m);
    char *extra = NULL;
    if (!cell || asprintf (&extra,
            "<table class=\"too-wide\"><tr><td style=\"white-space:nowrap\">%s</td></tr></table>"
            "<div style=\"overflow-x:auto\"><table class=\"scrolls\"><tr><td style=\"white-space:"
            "nowrap\">%s</td></tr></table></div>"
            "<figure><figcaption>no data</figcaption><svg width=\"200\" height=\"80\">"
            "<rect width=\"200\" height=\"80\" fill=\"#eee\"/></svg></figure>", cell, cell) < 0) {
        free (cell);
        return 1;
    }
    free (cell);
    json_t *found = s_measure (chromium, script, report, extra, false);
    free (extra);
    if (!found)
        return 1;
    bool passes = s_judge (report, "with a too-wide table and an empty chart", found);
    bool caught_table = false, flagged_scroll = false, caught_chart = false;
    size_t i;
    json_t *v;
    json_array_foreach (json_object_get (found, "wide"), i, v) {
        caught_table |= strncmp (json_string_value (v), "table.too-wide", 14) == 0;
        flagged_scroll |= strncmp (json_string_value (v), "table.scrolls", 13) == 0;
    }
    json_array_foreach (json_object_get (found, "charts"), i, v)
        caught_chart |= !strcmp (json_string_value (json_object_get (v, "caption")), "no data")
                     && json_integer_value (json_object_get (v, "marks")) == 0;
    json_decref (found);
    printf ("the check %s the too-wide table, %s the table in a scrolling box, %s the "
            "chart without data marks\n", caught_table? "caught": "MISSED",
            flagged_scroll? "WRONGLY FLAGGED": "let through", caught_chart? "caught": "MISSED");
    return !passes && caught_table && !flagged_scroll && caught_chart? 0: 1;
}

static int
s_shot (const char *chromium, const char *script, const char *report, const char *png)
{
    json_t *found = s_measure (chromium, script, report, NULL, false);
    if (!found)
        return 1;
    long long height = json_integer_value (json_object_get (found, "height"));
    json_decref (found);
    if (height < 100 || height > S_SHOT_MAX_H) {
        fprintf (stderr, "browser_report: %s: page height %lld px out of range\n", report, height);
        return 1;
    }
    char page [300], action [4200], out [300];
    snprintf (page, sizeof page, "%s/plain.html", s_dir);
    snprintf (action, sizeof action, "--screenshot=%s", png);
    snprintf (out, sizeof out, "%s/shot.log", s_dir);
    char *html = s_render (report);
    int rc = !html || s_write (page, html)
          || s_chromium (chromium, page, S_SCREEN_W, (int) height, true, action, out);
    free (html);
    return rc? 1: 0;
}

static int
s_remove (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove (path);
}

//  The temporary directory holds Chromium's profile: a tree.
static void
s_cleanup (void)
{
    if (nftw (s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS))
        fprintf (stderr, "browser_report: could not remove %s\n", s_dir);
}

int
main (int argc, char **argv)
{
    const char *mode = argc > 1? argv [1]: "";
    if (!strcmp (mode, "html") && argc == 4) {
        char *html = s_render (argv [2]);
        int rc = !html || s_write (argv [3], html);
        free (html);
        return rc;
    }
    bool known = (!strcmp (mode, "check") && argc >= 5) || (!strcmp (mode, "selftest") && argc == 5)
              || (!strcmp (mode, "shot") && argc == 6);
    if (!known) {
        fprintf (stderr, "usage: browser_report check CHROMIUM CHECK_JS REPORT.json...\n"
                         "       browser_report selftest CHROMIUM CHECK_JS REPORT.json\n"
                         "       browser_report shot CHROMIUM CHECK_JS REPORT.json OUT.png\n"
                         "       browser_report html REPORT.json OUT.html\n");
        return 2;
    }
    const char *chromium = argv [2];
    if (access (chromium, X_OK)) {
        fprintf (stderr, "browser_report: no Chromium at '%s' (make deps installs Debian's "
                         "chromium)\n", chromium);
        return 1;
    }
    char *script = s_read (argv [3]);
    if (!script)
        return 1;
    const char *tmp = getenv ("TMPDIR");
    if (!tmp || !*tmp || strlen (tmp) > 200)
        tmp = "/tmp";
    snprintf (s_dir, sizeof s_dir, "%s/cohort-browser-XXXXXX", tmp);
    if (!mkdtemp (s_dir)) {
        fprintf (stderr, "browser_report: cannot make a directory %s: %s\n", s_dir,
                 strerror (errno));
        free (script);
        return 1;
    }
    int rc = !strcmp (mode, "check")? s_check (chromium, script, argv + 4, argc - 4)
           : !strcmp (mode, "selftest")? s_selftest (chromium, script, argv [4])
           : s_shot (chromium, script, argv [4], argv [5]);
    s_cleanup ();
    free (script);
    return rc;
}
