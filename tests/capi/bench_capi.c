/*
 * The cost of the C API's calls, for the README: kbdiag_session_open (knowledge base + rules) and one
 * kbdiag_diagnose on a snapshot, with and without questions, in one process on one thread.
 *
 *   kbdiag_capi_bench SNAPSHOT [CALLS]      (CALLS: diagnoses per mode, default 1000)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kbdiag.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return text;
}

static kbdiag_session *open_session(void) {
    kbdiag_session *session = NULL;
    kbdiag_error *err = NULL;
    if (kbdiag_session_open(NULL, &session, &err) != KBDIAG_OK) {
        fprintf(stderr, "kbdiag_session_open: %s\n", kbdiag_error_message(err));
        exit(1);
    }
    return session;
}

/* Milliseconds per call of `calls` diagnoses (after one warm-up call that creates the worker). */
static double time_diagnose(kbdiag_session *session, const char *snapshot, size_t len, unsigned flags, int calls) {
    char *report = NULL;
    kbdiag_error *err = NULL;
    double start = now_ms();
    int i;
    for (i = -1; i < calls; ++i) {
        if (i == 0) start = now_ms();
        if (kbdiag_diagnose(session, snapshot, len, "bench", NULL, flags, &report, &err) != KBDIAG_OK) {
            fprintf(stderr, "kbdiag_diagnose: %s\n", kbdiag_error_message(err));
            exit(1);
        }
        kbdiag_string_free(report);
    }
    return (now_ms() - start) / calls;
}

int main(int argc, char **argv) {
    enum { opens = 5 };
    size_t len = 0;
    char *snapshot = argc > 1 ? read_file(argv[1], &len) : NULL;
    int calls = argc > 2 ? atoi(argv[2]) : 1000, i;
    double start, open_ms;
    kbdiag_session *session;
    if (!snapshot || calls <= 0) {
        fprintf(stderr, "usage: kbdiag_capi_bench SNAPSHOT [CALLS]\n");
        return 2;
    }
    start = now_ms();
    for (i = 0; i < opens; ++i) kbdiag_session_close(open_session());
    open_ms = (now_ms() - start) / opens;
    session = open_session();
    printf("kbdiag_session_open + close: %.1f ms (mean of %d)\n", open_ms, opens);
    printf("kbdiag_diagnose, questions:    %.3f ms per call (%d calls)\n",
           time_diagnose(session, snapshot, len, 0, calls), calls);
    printf("kbdiag_diagnose, no questions: %.3f ms per call (%d calls)\n",
           time_diagnose(session, snapshot, len, KBDIAG_NO_QUESTIONS, calls), calls);
    kbdiag_session_close(session);
    free(snapshot);
    return 0;
}
