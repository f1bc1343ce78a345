/*  libFuzzer target for audit/note.c: audit_note_open() on arbitrary notes
    against two known keys (golang.org/x/mod's test keys). It must never
    crash, and what it accepts must split where the spec says: a text
    ending in a newline, then the blank line. */
#include "audit/note.h"

#include <stdlib.h>
#include <string.h>

#define PETER "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static audit_verifier_t *keys [2];
    if (!keys [0]) {
        keys [0] = audit_verifier_parse (PETER, strlen (PETER));
        keys [1] = audit_verifier_parse (ENOCH, strlen (ENOCH));
        if (!keys [0] || !keys [1])
            abort ();
    }
    const audit_verifier_t *list [2] = { keys [0], keys [1] };
    size_t text_len = 0;
    bool verified [2] = { false, false };
    if (audit_note_open (&text_len, verified, (const char *) data, size, list, 2) != 0)
        return 0;
    if (text_len == 0 || text_len + 1 >= size || data [text_len - 1] != '\n'
    ||  data [text_len] != '\n' || !(verified [0] || verified [1]))
        abort ();
    return 0;
}
