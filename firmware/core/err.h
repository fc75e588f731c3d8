/*
 * Errors: one enum of specific codes, one table of sentences (core/err.c).
 * A console line is built from the sentence plus the context the caller
 * knows (which server, which file), so an operator reads what failed, where,
 * and what to check.
 */
#ifndef NB_ERR_H
#define NB_ERR_H

typedef enum {
#define NB_ERR(code, sentence) code,
#include "core/err_list.h"
#undef NB_ERR
    NB_E__COUNT
} nb_err;

/* The human sentence for an error code; never NULL. */
const char *nb_strerror(nb_err e);
/* The symbolic name ("NB_E_TIMEOUT"); never NULL. */
const char *nb_errname(nb_err e);

#endif
