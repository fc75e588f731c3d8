/* Error sentences, from the single list in core/err_list.h. */
#include "core/err.h"

static const char *const err_sentence[] = {
#define NB_ERR(code, sentence) [code] = sentence,
#include "core/err_list.h"
#undef NB_ERR
};

static const char *const err_name[] = {
#define NB_ERR(code, sentence) [code] = #code,
#include "core/err_list.h"
#undef NB_ERR
};

const char *nb_strerror(nb_err e)
{
    if ((unsigned)e >= NB_E__COUNT)
        return "unknown error";
    return err_sentence[e];
}

const char *nb_errname(nb_err e)
{
    if ((unsigned)e >= NB_E__COUNT)
        return "NB_E_UNKNOWN";
    return err_name[e];
}
