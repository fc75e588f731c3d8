/* libFuzzer target: boot/sites.c (the NV site cache decoder): bounded
 * counts, terminated strings, and a lossless re-encoding. */
#include <stddef.h>
#include <stdint.h>
#include "boot/sites.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    size_t size;
    const uint8_t *data = fuzz_record(input, input_size, "NBSC", &size);
    static struct nb_site_cache a, b;
    static uint8_t buf[8192];
    if (nb_site_cache_decode(data, size, &a) != NB_OK)
        return 0;
    if (a.nsigned > 8 || a.nranked > NB_MAX_CANDIDATES)
        abort();
    check_cstring(a.last_good, sizeof a.last_good);
    for (unsigned i = 0; i < a.nsigned; i++)
        check_cstring(a.signed_sites[i], sizeof a.signed_sites[i]);
    for (unsigned i = 0; i < a.nranked; i++)
        check_cstring(a.ranked[i], sizeof a.ranked[i]);
    size_t n = nb_site_cache_encode(&a, buf, sizeof buf);
    if (!n)
        return 0;
    if (nb_site_cache_decode(buf, n, &b) != NB_OK || b.nranked != a.nranked || b.nsigned != a.nsigned ||
        strcmp(b.last_good, a.last_good) || b.ranked_at != a.ranked_at)
        abort();
    return 0;
}
