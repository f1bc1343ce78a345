/*  models/models_internal.h - private to models/: error reporting. */
#ifndef MODELS_INTERNAL_H
#define MODELS_INTERNAL_H

#include "models.h"

/*  Records a printf-style message as this thread's last error. Returns -1 so
    that `return model_error ("...")` reads naturally. */
int model_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/*  Returns NULL after recording the message (for constructors). */
void *model_error_null (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
