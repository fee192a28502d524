/*
 * kbdiag.h: the C API of kbdiag (libkbdiag). C99; usable from C++.
 *
 * A session loads the knowledge base and compiles its Lua rules once (kbdiag_session_open, tens of
 * milliseconds); each kbdiag_diagnose() then turns one snapshot (schema kbdiag-snapshot/1 as JSON: one line
 * of what `kbdiag batch` reads; `kbdiag collect` writes the same document as YAML) into the report
 * `kbdiag infer --format json` prints (schema kbdiag-report/1).
 *
 * Strings: every string in and out is UTF-8. Strings the library returns through a `char **` belong to the
 * caller: free them with kbdiag_string_free(). Strings returned as `const char *` belong to the object they
 * came from and live as long as it does.
 *
 * Errors: every function that can fail returns a kbdiag_status; KBDIAG_OK is 0. When `err` is not NULL and the
 * call fails, *err receives an error object (free it with kbdiag_error_free()) with a message and, when the
 * failure has one, the diagnostic code ("SNAP001") and the file, line and column it points at. On success
 * *err is set to NULL. No C++ exception ever leaves the library.
 *
 * Thread safety:
 *  - kbdiag_diagnose(), kbdiag_session_problems_json(), kbdiag_session_lint_json() and
 *    kbdiag_session_builtin_kb() may be called on the same session from several threads at once. The
 *    knowledge base is shared read-only; each concurrent diagnosis leases its own rule engine (one Lua state)
 *    from the session's pool, created on first demand and reused, so N threads cost at most N Lua states (or
 *    max_workers of them: see kbdiag_options).
 *  - kbdiag_session_close() must not run while another call uses that session.
 *  - Different sessions are independent. Error objects and returned strings are plain data owned by the
 *    caller; kbdiag_version() and kbdiag_status_name() return constant strings.
 */
#ifndef KBDIAG_H
#define KBDIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KBDIAG_API __attribute__((visibility("default")))
#else
#define KBDIAG_API
#endif

/* Mirrors the exit codes of the kbdiag command line where one applies (README, "Exit codes"). */
typedef enum kbdiag_status {
    KBDIAG_OK = 0,
    KBDIAG_ERR_INTERNAL = 1,           /* a bug: please report it (message says what failed) */
    KBDIAG_ERR_INVALID_ARGUMENT = 2,   /* NULL where a value is needed, unknown flag, bad options */
    KBDIAG_ERR_KNOWLEDGE = 3,          /* knowledge base missing or with load errors */
    KBDIAG_ERR_BAD_SNAPSHOT = 4,       /* snapshot does not parse, wrong schema or shape */
    KBDIAG_ERR_UNKNOWN_ERROR_CODE = 5, /* the error code given matches no problem of the knowledge base */
    KBDIAG_ERR_OUT_OF_MEMORY = 9       /* no exit code of the command line: it would abort */
} kbdiag_status;

/* "ok", "internal", "invalid_argument", "knowledge", "bad_snapshot", "unknown_error_code", "out_of_memory";
 * "unknown" for any other value. */
KBDIAG_API const char *kbdiag_status_name(kbdiag_status status);

/* The library's version, e.g. "0.1.0". */
KBDIAG_API const char *kbdiag_version(void);

/* ------------------------------------------------------------------------------------------------ errors */

typedef struct kbdiag_error kbdiag_error;

KBDIAG_API void kbdiag_error_free(kbdiag_error *err);                 /* NULL is fine */
KBDIAG_API kbdiag_status kbdiag_error_status(const kbdiag_error *err);
/* One line, like the command line's: "snap.json:3:7: error[SNAP001]: ...". Never NULL for a non-NULL err. */
KBDIAG_API const char *kbdiag_error_message(const kbdiag_error *err);
/* The diagnostic code ("SNAP001", "KB005", "CLI002"), or "" when the failure has none. */
KBDIAG_API const char *kbdiag_error_diagnostic(const kbdiag_error *err);
/* Where the failure is: file ("" when unknown; the snapshot's name for snapshot errors), 1-based line and
 * column (0 when unknown). */
KBDIAG_API const char *kbdiag_error_file(const kbdiag_error *err);
KBDIAG_API int kbdiag_error_line(const kbdiag_error *err);
KBDIAG_API int kbdiag_error_column(const kbdiag_error *err);
/* Every diagnostic behind the failure as a JSON array (a knowledge base may have many load errors):
 * [{code, severity, message, location, file, line, column, where, snippet}], "[]" when there are none. */
KBDIAG_API const char *kbdiag_error_diagnostics_json(const kbdiag_error *err);

/* --------------------------------------------------------------------------------------------- sessions */

typedef struct kbdiag_session kbdiag_session;

typedef struct kbdiag_options {
    size_t struct_size;               /* set by kbdiag_options_init(): lets the struct grow compatibly */
    /* Knowledge folders read after the shipped one; a later folder overrides an earlier one by id. */
    const char *const *kb_folders;
    size_t kb_folder_count;
    int no_builtin_kb;                /* non-zero: do not read the shipped knowledge base */
    /* The shipped knowledge folder. NULL: $KBDIAG_KNOWLEDGE, else share/kbdiag/knowledge of the prefix the
     * library is installed in (found from the library's own path), else the source tree it was built from. */
    const char *builtin_kb;
    /* At most this many diagnoses run at once (each needs a Lua state); more callers wait. 0: no limit. */
    unsigned max_workers;
} kbdiag_options;

/* Fills `opts` with the defaults (shipped knowledge base only, no limit). */
KBDIAG_API void kbdiag_options_init(kbdiag_options *opts);

/* Loads the knowledge base and compiles its rules. `opts` may be NULL (the defaults). On success *out is a
 * session to close with kbdiag_session_close(); on failure *out is NULL. Knowledge-base warnings do not fail
 * (kbdiag_session_lint_json() lists them); load errors do (KBDIAG_ERR_KNOWLEDGE, every one in
 * kbdiag_error_diagnostics_json()). */
KBDIAG_API kbdiag_status kbdiag_session_open(const kbdiag_options *opts, kbdiag_session **out, kbdiag_error **err);

KBDIAG_API void kbdiag_session_close(kbdiag_session *session);        /* NULL is fine */

/* The shipped knowledge folder the session read, or "" when it read none (no_builtin_kb). */
KBDIAG_API const char *kbdiag_session_builtin_kb(const kbdiag_session *session);

/* ------------------------------------------------------------------------------------------- diagnosis */

enum {
    KBDIAG_NO_QUESTIONS = 1u << 0     /* skip "what to check next" (the costly part), as `infer --no-questions` */
};

/* Diagnoses one snapshot: `snapshot` is `len` bytes of UTF-8 JSON (kbdiag-snapshot/1; YAML is accepted too, as
 * by the command line), not necessarily NUL-terminated. `snapshot_name` names it in messages and in the report
 * (e.g. its file name; NULL: "<snapshot>").
 * `error_code` is the error as the user saw it ("0x00000963", "963h", "NERR_BadPasswordCore"); NULL or "": the
 * snapshot's `error.code` fact, else the only problem, else a triage across the problems of the platform, as
 * `kbdiag infer` without --error. `flags`: 0 or KBDIAG_NO_QUESTIONS.
 * On success *report_json is the report (kbdiag-report/1, as `kbdiag infer --format json`; unknown facts are
 * dropped with a warning in its `diagnostics`); free it with kbdiag_string_free(). On failure it is NULL:
 * KBDIAG_ERR_BAD_SNAPSHOT (with the line and column of a syntax error), KBDIAG_ERR_UNKNOWN_ERROR_CODE,
 * KBDIAG_ERR_INVALID_ARGUMENT. Thread-safe (see the top of this file). */
KBDIAG_API kbdiag_status kbdiag_diagnose(kbdiag_session *session, const char *snapshot, size_t len,
                                         const char *snapshot_name, const char *error_code, unsigned flags,
                                         char **report_json, kbdiag_error **err);

/* The problems of the knowledge base, by id: a JSON array of {id, title, message, codes[], platform}. */
KBDIAG_API kbdiag_status kbdiag_session_problems_json(const kbdiag_session *session, char **json,
                                                      kbdiag_error **err);

/* The knowledge base's diagnostics as `kbdiag kb lint --format json` reports them (schema kbdiag-lint/1:
 * folders, errors, warnings, notes, ok, diagnostics[] with file, line and column, counts) for what the session
 * loaded: the knowledge files, the compiled rules and the fact and cause names the rules use. (The command line
 * also renders the report templates; the library does not use them.) */
KBDIAG_API kbdiag_status kbdiag_session_lint_json(const kbdiag_session *session, char **json, kbdiag_error **err);

/* ------------------------------------------------------------------------------------------ JSON helper */

/* For C programs without a JSON library: the value at `pointer` (RFC 6901, e.g. "/summary/causes/0/id") in the
 * NUL-terminated `json` (a report). *value: a string's own text (unescaped), any other value as compact JSON
 * ("0.875", "true", "{...}"); free it with kbdiag_string_free(). When nothing is at `pointer`, KBDIAG_OK and
 * *value NULL. Malformed JSON or pointer: KBDIAG_ERR_INVALID_ARGUMENT. Thread-safe. */
KBDIAG_API kbdiag_status kbdiag_json_lookup(const char *json, const char *pointer, char **value, kbdiag_error **err);

KBDIAG_API void kbdiag_string_free(char *s);                          /* NULL is fine */

#ifdef __cplusplus
}
#endif

#endif /* KBDIAG_H */
