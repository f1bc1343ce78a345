/*  models/models_internal.h - private to models/: the headers its modules
    share (the checked GSL allocation is public, models/models.h). */
#ifndef MODELS_INTERNAL_H
#define MODELS_INTERNAL_H

#include "models.h"
#include "util/alloc.h"
#include "util/error.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>

#endif
