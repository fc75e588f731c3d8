/* libFuzzer target: boot/lease_cache.c (the NV lease cache decoder). A
 * record that decodes has terminated, printable strings and bounded counts,
 * and re-encodes to a record that decodes to the same lease. */
#include <stddef.h>
#include <stdint.h>
#include "boot/lease_cache.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    size_t size;
    const uint8_t *data = fuzz_record(input, input_size, "NBLC", &size);
    static struct nb_lease_cache a, b;
    static uint8_t buf[LEASE_CACHE_MAX];
    if (lease_cache_decode(data, size, &a) != NB_OK)
        return 0;
    if (a.v4.ndns > 3 || a.v4.nsites > DHCP4_MAX_SITES || a.v6.ndns > 3 || a.v6.nsites > LEASE6_SITES ||
        a.v6.server_id_len > sizeof a.v6.server_id)
        abort();
    check_cstring(a.v4.bootfile, sizeof a.v4.bootfile);
    check_cstring(a.v4.tftp_server, sizeof a.v4.tftp_server);
    for (unsigned i = 0; i < a.v4.nsites; i++)
        check_cstring(a.v4.sites[i], sizeof a.v4.sites[i]);
    check_cstring(a.v6.boot_url, sizeof a.v6.boot_url);
    for (unsigned i = 0; i < a.v6.nsites; i++)
        check_cstring(a.v6.sites[i], sizeof a.v6.sites[i]);
    size_t n = lease_cache_encode(&a, buf, sizeof buf);
    if (!n)
        return 0; /* a record larger than the cache allows: never written */
    if (lease_cache_decode(buf, n, &b) != NB_OK)
        abort();
    if (b.have4 != a.have4 || b.have6 != a.have6 || memcmp(b.v4.addr, a.v4.addr, 4) ||
        memcmp(b.v6.addr, a.v6.addr, 16) || strcmp(b.v4.bootfile, a.v4.bootfile) ||
        strcmp(b.v6.boot_url, a.v6.boot_url) || b.v4_obtained != a.v4_obtained || b.v4.lease_s != a.v4.lease_s)
        abort();
    return 0;
}
