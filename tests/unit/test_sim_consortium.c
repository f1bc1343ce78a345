/*  Unit tests for sim/consortium.c: site-name rules, the files of a
    consortium (modes, configs that zconfig reads and whose paths lead to
    loadable keys and certificates) and study formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/consortium.h"
#include "audit/key.h"
#include "proto/rolecert.h"
#include "util/error.h"
#include "he/he.h"
#include "he/keyfile.h"
#include "models/dictionary.h"
#include "support_dir.h"
#include "support_file.h"

static void
test_site_names (void **state)
{
    (void) state;
    assert_int_equal (sim_consortium_check_site ("hospital-a"), 0);
    assert_int_equal (sim_consortium_check_site ("A_1"), 0);
    assert_int_equal (sim_consortium_check_site ("9"), 0);
    char longest [SIM_SITE_NAME_MAX + 2];
    memset (longest, 'x', sizeof longest);
    longest [SIM_SITE_NAME_MAX] = '\0';
    assert_int_equal (sim_consortium_check_site (longest), 0);
    longest [SIM_SITE_NAME_MAX] = 'x';
    longest [SIM_SITE_NAME_MAX + 1] = '\0';
    assert_int_equal (sim_consortium_check_site (longest), -1);
    assert_int_equal (sim_consortium_check_site (""), -1);
    assert_int_equal (sim_consortium_check_site (NULL), -1);
    assert_int_equal (sim_consortium_check_site ("-a"), -1);
    assert_int_equal (sim_consortium_check_site ("_a"), -1);
    assert_int_equal (sim_consortium_check_site ("a/b"), -1);
    assert_int_equal (sim_consortium_check_site (".."), -1);
    assert_int_equal (sim_consortium_check_site ("a b"), -1);
    assert_int_equal (sim_consortium_check_site ("a\nb"), -1);
    assert_int_equal (sim_consortium_check_site ("coordinator"), -1);
    assert_int_equal (sim_consortium_check_site ("analyst"), -1);
    assert_int_equal (sim_consortium_check_site ("observer"), -1);
    assert_int_equal (sim_consortium_check_site ("admin"), -1);

    char **names = NULL;
    size_t n = 0;
    assert_int_equal (sim_consortium_parse_sites ("a,b,c", &names, &n), 0);
    assert_int_equal (n, 3);
    assert_string_equal (names [0], "a");
    assert_string_equal (names [2], "c");
    assert_null (names [3]);
    sim_consortium_free_sites (&names);
    assert_null (names);
    sim_consortium_free_sites (&names);
    assert_int_equal (sim_consortium_parse_sites ("solo", &names, &n), 0);
    assert_int_equal (n, 1);
    sim_consortium_free_sites (&names);
    assert_int_equal (sim_consortium_parse_sites ("", &names, &n), -1);
    assert_null (names);
    assert_int_equal (sim_consortium_parse_sites (NULL, &names, &n), -1);
    assert_int_equal (sim_consortium_parse_sites ("a,", &names, &n), -1);
    assert_int_equal (sim_consortium_parse_sites (",a", &names, &n), -1);
    assert_int_equal (sim_consortium_parse_sites ("a,b,a", &names, &n), -1);
    assert_int_equal (sim_consortium_parse_sites ("a,b/c", &names, &n), -1);
    //  256 sites are accepted, 257 are not.
    char list [2048] = "";
    for (int i = 0; i < 257; i++)
        sprintf (list + strlen (list), "%ss%d", i? ",": "", i);
    assert_int_equal (sim_consortium_parse_sites (list, &names, &n), -1);
    *strrchr (list, ',') = '\0';
    assert_int_equal (sim_consortium_parse_sites (list, &names, &n), 0);
    assert_int_equal (n, 256);
    sim_consortium_free_sites (&names);
}

static zconfig_t *
s_config (const char *dir, const char *name)
{
    char path [512];
    zconfig_t *cfg = zconfig_load (support_path (path, sizeof path, dir, name));
    assert_non_null (cfg);
    return cfg;
}

static void
s_mode (const char *dir, const char *name, unsigned mode)
{
    char path [512];
    struct stat st;
    assert_int_equal (stat (support_path (path, sizeof path, dir, name), &st), 0);
    assert_int_equal (st.st_mode & 0777, mode);
}

//  The role certificate `section`/role_cert of the config `cfg` in `dir`:
//  opens with `section`/admin_key (or the coordinator's keys/admin.pub),
//  says role, name, index and the CURVE key `curve`, and names the key in
//  `section`/sign_key.
static void
s_role (const char *dir, zconfig_t *cfg, const char *section, proto_role_t role, const char *name,
        unsigned index, const char *curve)
{
    char key [64], path [512], admin_path [512], sign [512];
    snprintf (key, sizeof key, "%s/admin_key", section);
    const char *admin_rel = zconfig_get (cfg, key, NULL);
    if (admin_rel)
        snprintf (admin_path, sizeof admin_path, "%s/%s", dir, admin_rel);
    else
        snprintf (admin_path, sizeof admin_path, "%s/keys/admin.pub", dir);
    audit_verifier_t *admin = audit_verifier_load (admin_path);
    assert_non_null (admin);
    snprintf (key, sizeof key, "%s/role_cert", section);
    snprintf (path, sizeof path, "%s/%s", dir, zconfig_get (cfg, key, ""));
    snprintf (key, sizeof key, "%s/sign_key", section);
    snprintf (sign, sizeof sign, "%s/%s", dir, zconfig_get (cfg, key, ""));
    audit_signer_t *signer = audit_signer_load (sign);
    assert_non_null (signer);
    proto_rolecert_t *cert = NULL;
    char *text = proto_rolecert_read (path, signer, admin, (uint64_t) time (NULL), &cert);
    assert_non_null (text);
    assert_int_equal (cert->role, role);
    assert_string_equal (cert->name, name);
    assert_int_equal (cert->index, index);
    assert_string_equal (cert->curve, curve);
    assert_string_equal (cert->consortium, "demo-consortium");
    proto_rolecert_destroy (&cert);
    free (text);
    audit_signer_destroy (&signer);
    audit_verifier_destroy (&admin);
}

static void
test_writes_a_consortium (void **state)
{
    (void) state;
    char out [256];
    support_path (out, sizeof out, support_dir_group, "c1");
    char *sites [] = { "hospital-a", "hospital-b", "hospital-c", NULL };
    sim_consortium_t c;
    sim_consortium_defaults (&c);
    c.out = out;
    c.sites = sites;
    c.n_sites = 3;
    c.threshold = 2;
    c.bits = 512;
    c.endpoint = "tcp://127.0.0.1:7777";
    c.test_files = true;
    c.budget_epsilon = 2.5;
    assert_int_equal (sim_consortium_write (&c), 0);

    //  Secrets 0600, public files readable.
    s_mode (out, "certs/coordinator.secret", 0600);
    s_mode (out, "certs/analyst.secret", 0600);
    s_mode (out, "certs/hospital-b.secret", 0600);
    s_mode (out, "keys/share-1.key", 0600);
    s_mode (out, "keys/share-3.key", 0600);
    s_mode (out, "keys/paillier.pub", 0644);
    s_mode (out, "coordinator.cfg", 0644);

    //  The coordinator config leads to its cert, the allowlist and the keys.
    char path [512];
    zconfig_t *cfg = s_config (out, "coordinator.cfg");
    assert_string_equal (zconfig_get (cfg, "coordinator/endpoint", ""), "tcp://127.0.0.1:7777");
    assert_string_equal (zconfig_get (cfg, "coordinator/name", ""), "demo-consortium");
    assert_null (zconfig_locate (cfg, "coordinator/share"));
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "coordinator/cert", ""));
    zcert_t *coord = zcert_load (path);
    assert_non_null (coord);
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "coordinator/public_key", ""));
    he_pubkey_t *pk = he_keyfile_load_public (path);
    assert_non_null (pk);
    he_pubkey_destroy (&pk);
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "coordinator/verify_key", ""));
    he_verify_t *vk = he_keyfile_load_verify (path);
    assert_non_null (vk);
    he_verify_destroy (&vk);
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "coordinator/allowlist", ""));
    zcertstore_t *store = zcertstore_new (path);
    assert_non_null (store);
    zconfig_destroy (&cfg);

    //  Each site's config: its own share index, its cert in the allowlist,
    //  the coordinator's public cert, the budget and the data paths.
    char sitedir [300];
    support_path (sitedir, sizeof sitedir, out, "sites");
    for (int i = 0; i < 3; i++) {
        char name [64];
        snprintf (name, sizeof name, "%s.cfg", sites [i]);
        cfg = s_config (sitedir, name);
        assert_string_equal (zconfig_get (cfg, "site/name", ""), sites [i]);
        assert_int_equal (atoi (zconfig_get (cfg, "site/index", "0")), i + 1);
        assert_string_equal (zconfig_get (cfg, "site/coordinator", ""), "tcp://127.0.0.1:7777");
        assert_string_equal (zconfig_get (cfg, "site/budget/epsilon", ""), "2.5");
        assert_string_equal (zconfig_get (cfg, "site/budget/delta", ""), "1e-05");
        assert_string_equal (zconfig_get (cfg, "site/allow_privacy_off", ""), "false");
        assert_string_equal (zconfig_get (cfg, "site/dataset/name", ""), "breast_cancer");
        char expect [128];
        snprintf (expect, sizeof expect, "../data/%s-test.csv", sites [i]);
        assert_string_equal (zconfig_get (cfg, "site/dataset/test_path", ""), expect);
        snprintf (path, sizeof path, "%s/%s", sitedir, zconfig_get (cfg, "site/share", ""));
        he_share_t *share = he_keyfile_load_share (path);
        assert_non_null (share);
        he_share_destroy (&share);
        snprintf (path, sizeof path, "%s/%s", sitedir, zconfig_get (cfg, "site/cert", ""));
        zcert_t *cert = zcert_load (path);
        assert_non_null (cert);
        assert_non_null (zcertstore_lookup (store, zcert_public_txt (cert)));
        assert_string_equal (zcert_meta (cert, "name"), sites [i]);
        //  Its role certificate: a site's, its name and share, its CURVE key,
        //  its signing key, signed by the admin key the config names.
        s_role (sitedir, cfg, "site", PROTO_ROLE_SITE, sites [i], (unsigned) i + 1,
                zcert_public_txt (cert));
        zcert_destroy (&cert);
        snprintf (path, sizeof path, "%s/%s", sitedir,
                  zconfig_get (cfg, "site/coordinator_cert", ""));
        cert = zcert_load (path);
        assert_non_null (cert);
        assert_string_equal (zcert_public_txt (cert), zcert_public_txt (coord));
        zcert_destroy (&cert);
        zconfig_destroy (&cfg);
    }
    //  The analyst is admitted; the coordinator's own key is not a client.
    cfg = s_config (out, "analyst.cfg");
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "analyst/cert", ""));
    zcert_t *analyst = zcert_load (path);
    assert_non_null (analyst);
    assert_non_null (zcertstore_lookup (store, zcert_public_txt (analyst)));
    assert_null (zcertstore_lookup (store, zcert_public_txt (coord)));
    s_role (out, cfg, "analyst", PROTO_ROLE_ANALYST, "analyst", 0, zcert_public_txt (analyst));
    zcert_destroy (&analyst);
    zconfig_destroy (&cfg);
    //  The observer likewise, with its own certificate (an analyst config).
    cfg = s_config (out, "observer.cfg");
    snprintf (path, sizeof path, "%s/%s", out, zconfig_get (cfg, "analyst/cert", ""));
    zcert_t *observer = zcert_load (path);
    assert_non_null (observer);
    assert_non_null (zcertstore_lookup (store, zcert_public_txt (observer)));
    s_role (out, cfg, "analyst", PROTO_ROLE_OBSERVER, "observer", 0, zcert_public_txt (observer));
    zcert_destroy (&observer);
    zconfig_destroy (&cfg);
    //  The coordinator names the admin's key and an empty revocation list.
    s_mode (out, "keys/admin.key", 0600);
    s_mode (out, "keys/admin.pub", 0644);
    s_mode (out, "keys/analyst.sign", 0600);
    s_mode (out, "keys/hospital-a.sign", 0600);
    cfg = s_config (out, "coordinator.cfg");
    assert_string_equal (zconfig_get (cfg, "coordinator/admin_key", ""), "keys/admin.pub");
    assert_string_equal (zconfig_get (cfg, "coordinator/revocations", ""), "revocations.note");
    zconfig_destroy (&cfg);
    snprintf (path, sizeof path, "%s/keys/admin.pub", out);
    audit_verifier_t *admin = audit_verifier_load (path);
    assert_non_null (admin);
    assert_string_equal (audit_verifier_name (admin), "demo-consortium");
    snprintf (path, sizeof path, "%s/revocations.note", out);
    char *text = support_file_read (path, NULL);
    proto_revocations_t *list = proto_revocations_open (text, strlen (text), admin);
    assert_non_null (list);
    assert_int_equal (proto_revocations_count (list), 0);
    assert_string_equal (proto_revocations_consortium (list), "demo-consortium");
    proto_revocations_destroy (&list);
    free (text);
    audit_verifier_destroy (&admin);
    zcertstore_destroy (&store);
    zcert_destroy (&coord);

    cfg = s_config (out, "study-example.cfg");
    assert_string_equal (zconfig_get (cfg, "study/dataset", ""), "breast_cancer");
    assert_string_equal (zconfig_get (cfg, "study/min_sites", ""), "2");
    assert_string_equal (zconfig_get (cfg, "study/privacy/off", ""), "false");
    zconfig_destroy (&cfg);

    //  A second dataset and privacy-off studies allowed.
    char *extra [] = { "pima", NULL };
    c.extra_datasets = extra;
    c.n_extra = 1;
    c.allow_privacy_off = true;
    c.test_files = false;
    c.force = true;
    assert_int_equal (sim_consortium_write (&c), 0);
    cfg = s_config (sitedir, "hospital-c.cfg");
    assert_string_equal (zconfig_get (cfg, "site/allow_privacy_off", ""), "true");
    assert_string_equal (zconfig_get (cfg, "site/dataset/test_fraction", ""), "0.3");
    zconfig_t *second = zconfig_next (zconfig_locate (cfg, "site/dataset"));
    assert_non_null (second);
    assert_string_equal (zconfig_name (second), "dataset");
    assert_string_equal (zconfig_get (second, "name", ""), "pima");
    assert_string_equal (zconfig_get (second, "path", ""), "../data/hospital-c-pima.csv");
    zconfig_destroy (&cfg);
    char *unsafe [] = { "../pima", NULL };
    c.extra_datasets = unsafe;
    assert_int_equal (sim_consortium_write (&c), -1);
    c.extra_datasets = NULL;
    c.n_extra = 0;
    c.force = false;

    //  Without force nothing is replaced; with force everything is.
    assert_int_equal (sim_consortium_write (&c), -1);
    c.force = true;
    assert_int_equal (sim_consortium_write (&c), 0);

    //  Impossible thresholds and bad or repeated names are refused.
    c.threshold = 4;
    assert_int_equal (sim_consortium_write (&c), -1);
    c.threshold = 0;
    assert_int_equal (sim_consortium_write (&c), -1);
    //  A threshold of 1 lets any one site decrypt alone.
    c.threshold = 1;
    assert_int_equal (sim_consortium_write (&c), -1);
    assert_non_null (strstr (util_last_error (), "threshold must be at least 2"));
    c.threshold = 2;
    char *bad [] = { "a", "a", NULL };
    c.sites = bad;
    c.n_sites = 2;
    assert_int_equal (sim_consortium_write (&c), -1);
    char *worse [] = { "a", "b/../c", NULL };
    c.sites = worse;
    assert_int_equal (sim_consortium_write (&c), -1);
    //  A name that cannot be written into a config.
    c.sites = sites;
    c.n_sites = 3;
    c.name = "say \"hi\"";
    assert_int_equal (sim_consortium_write (&c), -1);
    //  The consortium's name names its admin key: no space, no '+'.
    const char *names [] = { "two words", "a+b", "" };
    for (int i = 0; i < 3; i++) {
        c.name = names [i];
        assert_int_equal (sim_consortium_write (&c), -1);
        assert_non_null (strstr (util_last_error (), "it names the admin key"));
    }
    //  An unwritable directory.
    c.name = "x";
    c.out = "/nonexistent/dir/c";
    assert_int_equal (sim_consortium_write (&c), -1);
}

static void
test_study_format (void **state)
{
    (void) state;
    sim_study_t s;
    sim_study_defaults (&s);
    s.model = "mlp";
    s.hidden = "64";
    s.features = "mean_radius,mean_texture";
    s.name = "two words";
    s.privacy_off = true;
    s.epsilon = 0.5;
    char *text = sim_study_text (&s);
    assert_non_null (text);
    zchunk_t *chunk = zchunk_new (text, strlen (text));
    zconfig_t *cfg = zconfig_chunk_load (chunk);
    assert_non_null (cfg);
    assert_string_equal (zconfig_get (cfg, "study/name", ""), "two words");
    assert_string_equal (zconfig_get (cfg, "study/hidden", ""), "64");
    assert_string_equal (zconfig_get (cfg, "study/features", ""), "mean_radius,mean_texture");
    assert_string_equal (zconfig_get (cfg, "study/categorical", "?"), "");
    assert_string_equal (zconfig_get (cfg, "study/privacy/off", ""), "true");
    assert_string_equal (zconfig_get (cfg, "study/privacy/epsilon", ""), "0.5");
    assert_string_equal (zconfig_get (cfg, "study/sampling_rate", ""), "0.5");
    zconfig_destroy (&cfg);
    zchunk_destroy (&chunk);
    free (text);

    //  Logistic: no hidden key. A value with a quote cannot be written.
    s.model = "logistic";
    text = sim_study_text (&s);
    assert_non_null (text);
    assert_null (strstr (text, "hidden"));
    free (text);
    s.label = "a\"b";
    assert_null (sim_study_text (&s));
    s.label = "a\tb";
    assert_null (sim_study_text (&s));
}

//  With a dictionary: dictionary.csv (the example, or a checked copy of a
//  file) beside the configs, and every site config names it.
static void
test_writes_a_dictionary (void **state)
{
    (void) state;
    char out [256], path [512];
    support_path (out, sizeof out, support_dir_group, "cd");
    char *sites [] = { "north", "south", NULL };
    sim_consortium_t c;
    sim_consortium_defaults (&c);
    assert_false (c.dictionary);
    assert_null (c.dictionary_path);
    c.out = out;
    c.sites = sites;
    c.n_sites = 2;
    c.bits = 512;
    //  Without: no file, no key.
    assert_int_equal (sim_consortium_write (&c), 0);
    assert_int_equal (access (support_path (path, sizeof path, out, "dictionary.csv"), F_OK), -1);
    char sitedir [300];
    support_path (sitedir, sizeof sitedir, out, "sites");
    zconfig_t *cfg = s_config (sitedir, "north.cfg");
    assert_null (zconfig_locate (cfg, "site/dictionary"));
    zconfig_destroy (&cfg);

    //  The example, and the key relative to each site config's folder.
    c.dictionary = true;
    c.force = true;
    assert_int_equal (sim_consortium_write (&c), 0);
    s_mode (out, "dictionary.csv", 0644);
    char *text = support_file_read (path, NULL);
    assert_string_equal (text, model_dict_example ());
    free (text);
    for (int i = 0; i < 2; i++) {
        char name [64];
        snprintf (name, sizeof name, "%s.cfg", sites [i]);
        cfg = s_config (sitedir, name);
        assert_string_equal (zconfig_get (cfg, "site/dictionary", ""), "../dictionary.csv");
        char resolved [600];
        snprintf (resolved, sizeof resolved, "%s/%s", sitedir,
                  zconfig_get (cfg, "site/dictionary", ""));
        model_dict_t *dict = model_dict_load (resolved);
        assert_non_null (dict);
        assert_non_null (model_dict_find (dict, "glucose"));
        model_dict_destroy (&dict);
        zconfig_destroy (&cfg);
    }
    //  Without force, an existing dictionary.csv is refused like any file.
    c.force = false;
    assert_int_equal (sim_consortium_write (&c), -1);
    assert_non_null (strstr (util_last_error (), "dictionary.csv already exists"));

    //  A file of the caller's: copied byte for byte once accepted.
    c.force = true;
    c.dictionary_path = COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv";
    assert_int_equal (sim_consortium_write (&c), 0);
    text = support_file_read (path, NULL);
    char *want = support_file_read (c.dictionary_path, NULL);
    assert_string_equal (text, want);
    free (text);
    free (want);

    //  A file that is no dictionary, or is not there: refused with its
    //  reason before any key is dealt (a fresh folder stays without keys).
    char bad [300], fresh [300];
    support_path (bad, sizeof bad, support_dir_group, "bad-dictionary.csv");
    support_file_write (bad, "name,type,min,max,levels,unit,description\nx,numeric,2,1,,,\n",
                        0644);
    support_path (fresh, sizeof fresh, support_dir_group, "cd-fresh");
    c.out = fresh;
    c.force = false;
    c.dictionary_path = bad;
    assert_int_equal (sim_consortium_write (&c), -1);
    assert_non_null (strstr (util_last_error (), "keygen: dictionary"));
    assert_non_null (strstr (util_last_error (), "bad-dictionary.csv:2:13: max: not above min"));
    assert_int_equal (access (support_path (path, sizeof path, fresh, "keys/paillier.pub"), F_OK),
                      -1);
    assert_int_equal (access (support_path (path, sizeof path, fresh, "keys/share-1.key"), F_OK),
                      -1);
    c.dictionary_path = "/nonexistent/dictionary.csv";
    assert_int_equal (sim_consortium_write (&c), -1);
    assert_non_null (strstr (util_last_error (), "/nonexistent/dictionary.csv: cannot open"));
    assert_int_equal (access (support_path (path, sizeof path, fresh, "keys/share-1.key"), F_OK),
                      -1);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_site_names),
        cmocka_unit_test (test_writes_a_consortium),
        cmocka_unit_test (test_study_format),
        cmocka_unit_test (test_writes_a_dictionary),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
