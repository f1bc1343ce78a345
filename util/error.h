/*  util/error.h - one way to fail, shared by every room.

    Contents
        util_code_t             the class of a failure (UTIL_ENOMEM, ...)
        util_error, util_verror records a code and one message line; -1
        util_error_null         the same, returning NULL (constructors)
        util_error_context      prefixes the message: "<context>: <reason>"
        util_last_error         the message (borrowed, per thread)
        util_last_code          the code (per thread)
        util_error_copy         copies the message into the caller's buffer
        util_error_save/restore keeps the whole slot across a clean-up
        util_error_clear        empties the slot

    A function that fails returns -1 (or NULL) and leaves its reason in this
    thread's error slot: a code and one line that says what was wrong and
    where ("file.csv:12:7: ...", "partial from share 2: ..."). A caller that
    adds what it was doing uses util_error_context, which keeps the code.

    The slot holds until the next util_error on this thread. Read it right
    after the failing call; a caller that needs the reason after calling
    anything else that may fail (sending a decline, writing an audit entry)
    copies it first with util_error_copy. A pointer from util_last_error is
    not a copy: it changes with the slot.

    Messages that can leave a site (decline and error reasons) name a
    column and a row, never a value from the data (STYLE.md rule 15).
*/
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define UTIL_WUR __attribute__((warn_unused_result))

/*  The longest message kept, terminating NUL included; longer ones are cut. */
#define UTIL_ERROR_MAX 512

typedef enum {
    UTIL_OK = 0,            //  no error recorded
    UTIL_EFAIL,             //  failed; the message says why (no narrower class)
    UTIL_ENOMEM,            //  an allocation failed
    UTIL_EIO,               //  a file, database or socket operation failed
    UTIL_EINPUT,            //  untrusted input is malformed or out of range
    UTIL_ELIMIT,            //  a size or count is over its cap
    UTIL_ECRYPTO,           //  a tag, signature or proof does not verify, or a
                            //  primitive failed
    UTIL_EREFUSED,          //  refused by policy: budget, consent, state
    UTIL_CODE_COUNT
} util_code_t;

/*  Records `code` and the printf-style message as this thread's error.
    The arguments may point into the slot itself (util_last_error ()).
    Returns -1, so that `return util_error (...)` reads naturally. */
int util_error (util_code_t code, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

/*  As util_error, with the arguments as a va_list (for wrappers that
    record a message and return something else). Returns -1. */
int util_verror (util_code_t code, const char *fmt, va_list ap)
    __attribute__((format (printf, 2, 0)));

/*  As util_error, returning NULL. */
void *util_error_null (util_code_t code, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

/*  Prefixes this thread's message with a printf-style context, keeping its
    code: "<context>: <previous message>" (cut to fit). With an empty slot
    the code becomes UTIL_EFAIL. Returns -1. */
int util_error_context (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/*  This thread's message ("" if none). Borrowed: it changes with the next
    util_error on this thread. */
const char *util_last_error (void);

/*  This thread's code (UTIL_OK if none). */
util_code_t util_last_code (void);

/*  The code's name ("out of memory", "i/o", ...). Static. */
const char *util_code_name (util_code_t code);

/*  Copies this thread's message into buf (size bytes, always terminated
    when size > 0). Returns buf. */
char *util_error_copy (char *buf, size_t size);

/*  The whole slot, kept across a clean-up that may fail in turn (stopping
    processes, closing files) so that the first reason is the one reported. */
typedef struct {
    util_code_t code;
    char text [UTIL_ERROR_MAX];
} util_error_saved_t;

/*  Copies this thread's slot into *saved. */
void util_error_save (util_error_saved_t *saved);

/*  Puts *saved back into this thread's slot. Returns -1. */
int util_error_restore (const util_error_saved_t *saved);

/*  Empties this thread's slot (code UTIL_OK, message ""). */
void util_error_clear (void);

#endif
