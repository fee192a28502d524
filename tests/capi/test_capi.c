/*
 * Unit tests of libkbdiag's C API (bindings/c/kbdiag.h), written in C99 so the header is checked as C.
 *
 *   kbdiag_capi_tests [--iterations N]      run the tests (N diagnoses per thread in the thread test; default 25)
 *   kbdiag_capi_tests --report SNAPSHOT [CODE] [--no-questions]
 *                                           print the report of one snapshot (compared with `kbdiag infer` by
 *                                           tests/capi/same_as_cli.sh)
 *
 * KBDIAG_CAPI_DATA (tests/capi/data) and KBDIAG_TEST_DATA (tests/data) are compiled in.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbdiag.h"

static int failures = 0;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                             \
        }                                                                           \
    } while (0)

#define CHECK_STR(actual, expected)                                                                      \
    do {                                                                                                 \
        const char *a_ = (actual), *e_ = (expected);                                                     \
        if (!a_ || strcmp(a_, e_) != 0) {                                                                \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                    #actual, a_ ? a_ : "(null)", e_);                                                    \
            ++failures;                                                                                  \
        }                                                                                                \
    } while (0)

/* ------------------------------------------------------------------------------------------------ helpers */

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(2);
    }
    text[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return text;
}

static char *data_file(const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", KBDIAG_CAPI_DATA, name);
    return read_file(path, len);
}

/* The value at `pointer` in `json`, or NULL; the caller frees it. */
static char *lookup(const char *json, const char *pointer) {
    char *value = NULL;
    kbdiag_error *err = NULL;
    kbdiag_status status = kbdiag_json_lookup(json, pointer, &value, &err);
    if (status != KBDIAG_OK) {
        fprintf(stderr, "kbdiag_json_lookup(%s): %s\n", pointer, kbdiag_error_message(err));
        ++failures;
    }
    kbdiag_error_free(err);
    return value;
}

static void check_lookup(const char *json, const char *pointer, const char *expected, int line) {
    char *value = lookup(json, pointer);
    if (!value || strcmp(value, expected) != 0) {
        fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, line, pointer, value ? value : "(absent)",
                expected);
        ++failures;
    }
    kbdiag_string_free(value);
}
#define CHECK_LOOKUP(json, pointer, expected) check_lookup(json, pointer, expected, __LINE__)

static kbdiag_session *open_default(void) {
    kbdiag_session *session = NULL;
    kbdiag_error *err = NULL;
    kbdiag_status status = kbdiag_session_open(NULL, &session, &err);
    if (status != KBDIAG_OK) {
        fprintf(stderr, "kbdiag_session_open: %s: %s\n", kbdiag_status_name(status), kbdiag_error_message(err));
        exit(1);
    }
    return session;
}

/* Diagnoses a snapshot file of tests/capi/data; exits when that fails (the tests below need the report). */
static char *diagnose_file(kbdiag_session *session, const char *name, const char *code, unsigned flags) {
    size_t len;
    char *snapshot = data_file(name, &len), *report = NULL;
    kbdiag_error *err = NULL;
    kbdiag_status status = kbdiag_diagnose(session, snapshot, len, name, code, flags, &report, &err);
    free(snapshot);
    if (status != KBDIAG_OK) {
        fprintf(stderr, "kbdiag_diagnose(%s): %s: %s\n", name, kbdiag_status_name(status), kbdiag_error_message(err));
        exit(1);
    }
    return report;
}

/* Diagnoses `text`, expecting failure with `expected`; returns the error (caller frees). */
static kbdiag_error *diagnose_failing(kbdiag_session *session, const char *text, const char *code,
                                      kbdiag_status expected, int line) {
    char *report = (char *)"unchanged";
    kbdiag_error *err = NULL;
    kbdiag_status status = kbdiag_diagnose(session, text, strlen(text), "bad.json", code, 0, &report, &err);
    if (status != expected || !err || kbdiag_error_status(err) != expected || report != NULL) {
        fprintf(stderr, "%s:%d: expected %s, got %s (%s)\n", __FILE__, line, kbdiag_status_name(expected),
                kbdiag_status_name(status), err ? kbdiag_error_message(err) : "no error object");
        ++failures;
    }
    return err;
}

/* ------------------------------------------------------------------------------------------------- tests */

static void test_version_and_names(void) {
    CHECK_STR(kbdiag_version(), KBDIAG_EXPECTED_VERSION);
    CHECK_STR(kbdiag_status_name(KBDIAG_ERR_BAD_SNAPSHOT), "bad_snapshot");
    CHECK_STR(kbdiag_status_name((kbdiag_status)77), "unknown");
}

static void test_diagnosis(kbdiag_session *session) {
    char *report = diagnose_file(session, "signing.json", NULL, 0);
    /* the snapshot's error.code fact picks the problem, as `kbdiag infer` without --error */
    CHECK_LOOKUP(report, "/schema", "kbdiag-report/1");
    CHECK_LOOKUP(report, "/is_triage", "false");
    CHECK_LOOKUP(report, "/problem/id", "invalid_signature");
    CHECK_LOOKUP(report, "/snapshot", "signing.json");
    CHECK_LOOKUP(report, "/summary/causes/0/id", "signing_required_server_cannot_sign");
    {
        char *questions = lookup(report, "/questions/0");
        CHECK(questions != NULL);   /* asked for: something to check next */
        kbdiag_string_free(questions);
    }
    kbdiag_string_free(report);

    report = diagnose_file(session, "signing.json", NULL, KBDIAG_NO_QUESTIONS);
    CHECK_LOOKUP(report, "/questions", "[]");
    kbdiag_string_free(report);

    /* the argument wins over the snapshot's fact; no code at all: a triage */
    report = diagnose_file(session, "signing.json", "0x00000056", KBDIAG_NO_QUESTIONS);
    CHECK_LOOKUP(report, "/problem/id", "invalid_network_password");
    kbdiag_string_free(report);
    report = diagnose_file(session, "triage.json", NULL, KBDIAG_NO_QUESTIONS);
    CHECK_LOOKUP(report, "/is_triage", "true");
    CHECK_LOOKUP(report, "/diagnostics/0/code", "SNAP003");   /* the unknown fact, dropped with a warning */
    kbdiag_string_free(report);
}

static void test_snapshot_errors(kbdiag_session *session) {
    kbdiag_error *err;
    /* an array never closed: the parser stops at the "}" that cannot end it, line 4 column 1 */
    err =
        diagnose_failing(session, "{\"schema\": \"kbdiag-snapshot/1\",\n \"facts\": {\n  \"windows.build\": [1, 2\n}\n",
                         NULL, KBDIAG_ERR_BAD_SNAPSHOT, __LINE__);
    CHECK_STR(kbdiag_error_diagnostic(err), "SNAP001");
    CHECK_STR(kbdiag_error_file(err), "bad.json");
    CHECK(kbdiag_error_line(err) == 4);
    CHECK(kbdiag_error_column(err) == 1);
    CHECK(strstr(kbdiag_error_message(err), "bad.json:4:1: error[SNAP001]") == kbdiag_error_message(err));
    CHECK(strstr(kbdiag_error_message(err), "error[SNAP001]") != NULL);
    CHECK(strstr(kbdiag_error_diagnostics_json(err), "\"SNAP001\"") != NULL);
    kbdiag_error_free(err);

    err = diagnose_failing(session, "{\"schema\": \"kbdiag-snapshot/9\", \"facts\": {}}", NULL,
                           KBDIAG_ERR_BAD_SNAPSHOT, __LINE__);
    CHECK_STR(kbdiag_error_diagnostic(err), "SNAP002");
    CHECK(strstr(kbdiag_error_message(err), "kbdiag-snapshot/9") != NULL);
    kbdiag_error_free(err);

    err = diagnose_failing(session, "", NULL, KBDIAG_ERR_BAD_SNAPSHOT, __LINE__);
    CHECK(kbdiag_error_message(err)[0] != '\0');
    kbdiag_error_free(err);
}

static void test_unknown_error_code(kbdiag_session *session) {
    size_t len;
    char *snapshot = data_file("signing.json", &len);
    kbdiag_error *err = diagnose_failing(session, snapshot, "0xDEADBEEF", KBDIAG_ERR_UNKNOWN_ERROR_CODE, __LINE__);
    CHECK_STR(kbdiag_error_diagnostic(err), "CLI002");
    CHECK(strstr(kbdiag_error_message(err), "'0xDEADBEEF'") != NULL);
    kbdiag_error_free(err);
    free(snapshot);
}

static void test_invalid_arguments(kbdiag_session *session) {
    const char *snap = "{}";
    char *report = NULL;
    kbdiag_error *err = NULL;
    static char not_a_session;
    kbdiag_session *none = (kbdiag_session *)&not_a_session;   /* kbdiag_session_open sets it to NULL on failure */

    CHECK(kbdiag_diagnose(NULL, snap, 2, NULL, NULL, 0, &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    CHECK(err && strstr(kbdiag_error_message(err), "`session` is NULL") != NULL);
    kbdiag_error_free(err);
    CHECK(kbdiag_diagnose(session, NULL, 0, NULL, NULL, 0, &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    CHECK(err && strstr(kbdiag_error_message(err), "`snapshot` is NULL") != NULL);
    kbdiag_error_free(err);
    CHECK(kbdiag_diagnose(session, snap, 2, NULL, NULL, 0, NULL, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    kbdiag_error_free(err);
    CHECK(kbdiag_diagnose(session, snap, 2, NULL, NULL, 1u << 7, &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    CHECK(err && strstr(kbdiag_error_message(err), "unknown flags") != NULL);
    kbdiag_error_free(err);
    /* no error object wanted: the status alone */
    CHECK(kbdiag_diagnose(session, NULL, 0, NULL, NULL, 0, &report, NULL) == KBDIAG_ERR_INVALID_ARGUMENT);
    CHECK(report == NULL);

    CHECK(kbdiag_session_open(NULL, NULL, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    kbdiag_error_free(err);
    {
        kbdiag_options opts;
        memset(&opts, 0, sizeof opts);   /* not initialised with kbdiag_options_init() */
        CHECK(kbdiag_session_open(&opts, &none, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
        CHECK(none == NULL);
        CHECK(err && strstr(kbdiag_error_message(err), "kbdiag_options_init") != NULL);
        kbdiag_error_free(err);
        kbdiag_options_init(&opts);
        opts.no_builtin_kb = 1;
        CHECK(kbdiag_session_open(&opts, &none, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
        kbdiag_error_free(err);
    }
    CHECK(kbdiag_session_problems_json(NULL, &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    kbdiag_error_free(err);
    CHECK(kbdiag_json_lookup("{\"a\": ", "/a", &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);
    kbdiag_error_free(err);
    CHECK(kbdiag_json_lookup("{\"a\": 1}", "a", &report, &err) == KBDIAG_ERR_INVALID_ARGUMENT);   /* no leading / */
    kbdiag_error_free(err);
    CHECK(kbdiag_json_lookup("{\"a\": 1}", "/b", &report, &err) == KBDIAG_OK && report == NULL && err == NULL);
    /* NULL objects are accepted where the header says so */
    kbdiag_error_free(NULL);
    kbdiag_string_free(NULL);
    kbdiag_session_close(NULL);
}

static void test_knowledge_errors(void) {
    kbdiag_options opts;
    kbdiag_session *session = NULL;
    kbdiag_error *err = NULL;
    const char *missing[] = {KBDIAG_CAPI_DATA "/no-such-folder"};
    const char *broken[] = {KBDIAG_TEST_DATA "/cli/overlay_broken_yaml"};

    kbdiag_options_init(&opts);
    opts.kb_folders = missing;
    opts.kb_folder_count = 1;
    CHECK(kbdiag_session_open(&opts, &session, &err) == KBDIAG_ERR_KNOWLEDGE);
    CHECK(session == NULL);
    CHECK(err && strstr(kbdiag_error_message(err), "no-such-folder: error[KB012]") != NULL);
    kbdiag_error_free(err);

    /* a YAML syntax error in an overlay: every error listed, the first one's place given */
    opts.kb_folders = broken;
    CHECK(kbdiag_session_open(&opts, &session, &err) == KBDIAG_ERR_KNOWLEDGE);
    CHECK_STR(kbdiag_error_diagnostic(err), "KB001");
    CHECK(strstr(kbdiag_error_file(err), "overlay_broken_yaml/broken.yaml") != NULL);
    CHECK(kbdiag_error_line(err) >= 5);
    CHECK(kbdiag_error_column(err) >= 1);
    CHECK(strstr(kbdiag_error_diagnostics_json(err), "\"KB001\"") != NULL);
    kbdiag_error_free(err);

    opts.kb_folders = NULL;
    opts.builtin_kb = KBDIAG_CAPI_DATA "/no-such-folder";
    opts.kb_folder_count = 0;
    CHECK(kbdiag_session_open(&opts, &session, &err) == KBDIAG_ERR_KNOWLEDGE);
    CHECK(err && strstr(kbdiag_error_message(err), "shipped knowledge folder") != NULL);
    kbdiag_error_free(err);
}

static void test_problems_and_lint(kbdiag_session *session) {
    char *json = NULL;
    kbdiag_error *err = NULL;
    CHECK(kbdiag_session_builtin_kb(session)[0] != '\0');
    CHECK(kbdiag_session_problems_json(session, &json, &err) == KBDIAG_OK);
    CHECK(json && strstr(json, "\"id\": \"invalid_signature\"") != NULL);
    CHECK(json && strstr(json, "\"0xC000A000\"") != NULL);
    kbdiag_string_free(json);
    CHECK(kbdiag_session_lint_json(session, &json, &err) == KBDIAG_OK);
    CHECK_LOOKUP(json, "/schema", "kbdiag-lint/1");
    CHECK_LOOKUP(json, "/ok", "true");   /* the shipped knowledge base lints clean (kb.lint checks the same) */
    CHECK_LOOKUP(json, "/errors", "0");
    CHECK_LOOKUP(json, "/folders/0", kbdiag_session_builtin_kb(session));
    kbdiag_string_free(json);
}

/* --------------------------------------------------------------------------------------------- threads */

enum { thread_count = 4, case_count = 4 };

struct diagnosis_case {
    const char *file;
    const char *code;
    unsigned flags;
};

static const struct diagnosis_case cases[case_count] = {
    {"signing.json", NULL, 0},
    {"signing.json", NULL, KBDIAG_NO_QUESTIONS},
    {"triage.json", NULL, 0},
    {"signing.json", "0x00000056", 0},
};

struct worker_args {
    kbdiag_session *session;
    int index;
    int iterations;
    char **expected;   /* the serial reports, one per case */
    int mismatches;
    int errors;
};

static void *diagnose_repeatedly(void *p) {
    struct worker_args *a = p;
    int i;
    for (i = 0; i < a->iterations; ++i) {
        /* each thread walks the cases in its own order, so different diagnoses overlap */
        const struct diagnosis_case *c = &cases[(i + a->index) % case_count];
        size_t len;
        char *snapshot = data_file(c->file, &len), *report = NULL;
        if (kbdiag_diagnose(a->session, snapshot, len, c->file, c->code, c->flags, &report, NULL) != KBDIAG_OK)
            ++a->errors;
        else if (strcmp(report, a->expected[(i + a->index) % case_count]) != 0)
            ++a->mismatches;
        kbdiag_string_free(report);
        free(snapshot);
    }
    return NULL;
}

/* Several threads diagnosing on one session at once give byte-identical reports to serial calls. */
static void test_threads(kbdiag_session *session, int iterations) {
    char *expected[case_count];
    pthread_t threads[thread_count];
    struct worker_args args[thread_count];
    int i;
    for (i = 0; i < case_count; ++i) expected[i] = diagnose_file(session, cases[i].file, cases[i].code, cases[i].flags);
    for (i = 0; i < thread_count; ++i) {
        struct worker_args a = {session, i, iterations, expected, 0, 0};
        args[i] = a;
        CHECK(pthread_create(&threads[i], NULL, diagnose_repeatedly, &args[i]) == 0);
    }
    for (i = 0; i < thread_count; ++i) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(args[i].errors == 0);
        CHECK(args[i].mismatches == 0);
    }
    for (i = 0; i < case_count; ++i) kbdiag_string_free(expected[i]);
}

static void test_threads_with_worker_limit(int iterations) {
    kbdiag_options opts;
    kbdiag_session *session = NULL;
    kbdiag_error *err = NULL;
    kbdiag_options_init(&opts);
    opts.max_workers = 2;   /* four threads share two Lua states */
    CHECK(kbdiag_session_open(&opts, &session, &err) == KBDIAG_OK);
    if (session) test_threads(session, iterations);
    kbdiag_session_close(session);
}

/* ------------------------------------------------------------------------------------------------- main */

static int print_report(int argc, char **argv) {
    kbdiag_session *session = open_default();
    size_t len;
    char *snapshot = read_file(argv[2], &len), *report = NULL;
    const char *code = argc > 3 && strcmp(argv[3], "--no-questions") != 0 ? argv[3] : NULL;
    unsigned flags = strcmp(argv[argc - 1], "--no-questions") == 0 ? KBDIAG_NO_QUESTIONS : 0;
    kbdiag_error *err = NULL;
    kbdiag_status status = kbdiag_diagnose(session, snapshot, len, argv[2], code, flags, &report, &err);
    if (status == KBDIAG_OK) fputs(report, stdout);
    else fprintf(stderr, "%s\n", kbdiag_error_message(err));
    kbdiag_string_free(report);
    kbdiag_error_free(err);
    free(snapshot);
    kbdiag_session_close(session);
    return (int)status;
}

int main(int argc, char **argv) {
    int iterations = 25;
    kbdiag_session *session;
    if (argc >= 3 && strcmp(argv[1], "--report") == 0) return print_report(argc, argv);
    if (argc == 3 && strcmp(argv[1], "--iterations") == 0) iterations = atoi(argv[2]);

    test_version_and_names();
    session = open_default();
    test_diagnosis(session);
    test_snapshot_errors(session);
    test_unknown_error_code(session);
    test_invalid_arguments(session);
    test_problems_and_lint(session);
    test_threads(session, iterations);
    kbdiag_session_close(session);
    test_knowledge_errors();
    test_threads_with_worker_limit(iterations);

    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    else printf("all checks passed\n");
    return failures ? 1 : 0;
}
