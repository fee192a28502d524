/*
 * diagnose: reads a kbdiag snapshot (JSON) and prints the top causes, using libkbdiag's C API.
 *
 *   diagnose SNAPSHOT.json [ERROR_CODE]
 *
 * Prints the knowledge folder used, then one line per cause: rank, probability, id and title. Exit status:
 * 0 on success, else the kbdiag_status of the failing call (the kbdiag command line's exit codes).
 *
 * Build against an installed libkbdiag:
 *   cc diagnose.c $(pkg-config --cflags --libs kbdiag) -o diagnose
 * or with CMake: find_package(kbdiag REQUIRED) and target_link_libraries(diagnose PRIVATE kbdiag::kbdiag).
 */
#include <stdio.h>
#include <stdlib.h>

#include <kbdiag.h>

enum { top_causes_shown = 5 };

/* Reads a whole file; NULL when it cannot. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t size = 0, cap = 0, n;
    int failed = 0;
    if (!f) return NULL;
    for (;;) {
        if (size == cap) {
            char *bigger = realloc(text, cap = cap * 2 + 4096);
            if (!bigger) {
                failed = 1;
                break;
            }
            text = bigger;
        }
        n = fread(text + size, 1, cap - size, f);
        size += n;
        if (n == 0) break;
    }
    if (failed || ferror(f)) {
        free(text);
        text = NULL;
    }
    fclose(f);
    *len = size;
    return text;
}

static int report_failure(const char *what, kbdiag_status status, kbdiag_error *err) {
    fprintf(stderr, "diagnose: %s failed (%s): %s\n", what, kbdiag_status_name(status),
            err ? kbdiag_error_message(err) : "(no details)");
    kbdiag_error_free(err);
    return (int)status;
}

/* The report field at "/summary/causes/<index>/<field>", or NULL. */
static char *cause_field(const char *report, int index, const char *field) {
    char pointer[64];
    char *value = NULL;
    snprintf(pointer, sizeof pointer, "/summary/causes/%d/%s", index, field);
    if (kbdiag_json_lookup(report, pointer, &value, NULL) != KBDIAG_OK) return NULL;
    return value;
}

static void print_top_causes(const char *report) {
    int i;
    for (i = 0; i < top_causes_shown; ++i) {
        char *id = cause_field(report, i, "id");
        char *probability = cause_field(report, i, "probability");
        char *title = cause_field(report, i, "title");
        if (id) printf("%d. %s  %s  %s\n", i + 1, probability ? probability : "?", id, title ? title : "");
        kbdiag_string_free(id);
        kbdiag_string_free(probability);
        kbdiag_string_free(title);
        if (!id) break;
    }
    if (i == 0) printf("(no causes)\n");
}

int main(int argc, char **argv) {
    kbdiag_session *session = NULL;
    kbdiag_error *err = NULL;
    kbdiag_status status;
    char *snapshot, *report = NULL;
    size_t len = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: diagnose SNAPSHOT.json [ERROR_CODE]\n");
        return KBDIAG_ERR_INVALID_ARGUMENT;
    }
    snapshot = read_file(argv[1], &len);
    if (!snapshot) {
        perror(argv[1]);
        return KBDIAG_ERR_BAD_SNAPSHOT;
    }
    status = kbdiag_session_open(NULL, &session, &err);   /* the shipped knowledge base */
    if (status != KBDIAG_OK) {
        free(snapshot);
        return report_failure("kbdiag_session_open", status, err);
    }
    printf("kbdiag %s, knowledge: %s\n", kbdiag_version(), kbdiag_session_builtin_kb(session));
    status = kbdiag_diagnose(session, snapshot, len, argv[1], argc > 2 ? argv[2] : NULL, KBDIAG_NO_QUESTIONS,
                             &report, &err);
    free(snapshot);
    if (status != KBDIAG_OK) {
        kbdiag_session_close(session);
        return report_failure("kbdiag_diagnose", status, err);
    }
    print_top_causes(report);
    kbdiag_string_free(report);
    kbdiag_session_close(session);
    return 0;
}
