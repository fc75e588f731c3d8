/* libFuzzer target: boot/config.c (the embedded configuration decoder).
 * A blob that decodes holds only values in their documented ranges (sites
 * are https URLs), and re-encodes to a blob that decodes to the same. */
#include <stddef.h>
#include <stdint.h>
#include "boot/config.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    size_t size;
    const uint8_t *data = fuzz_record(input, input_size, "NBCF", &size);
    static struct nb_config a, b;
    static uint8_t buf[NB_CFG_BLOB_SIZE];
    char why[96];
    if (nb_config_decode(data, size, &a, why, sizeof why) != NB_OK)
        return 0;
    if (a.nsites > NB_CFG_MAX_SITES || a.ndhcp_servers > NB_CFG_MAX_FALLBACK ||
        a.nboot_servers > NB_CFG_MAX_FALLBACK || a.family > NB_FAM_V6_ONLY || a.verbosity > 2 ||
        a.dhcp_timeout_ms < 500 || a.overall_timeout_ms < 1000 || a.race_stagger_ms > 10000)
        abort();
    for (unsigned i = 0; i < a.nsites; i++) {
        check_cstring(a.sites[i].url, sizeof a.sites[i].url);
        if (strncmp(a.sites[i].url, "https://", 8) != 0)
            abort();
    }
    if ((a.tls_ca && (a.tls_ca < data || a.tls_ca + a.tls_ca_len > data + size)) ||
        (a.code_ca && (a.code_ca < data || a.code_ca + a.code_ca_len > data + size)))
        abort(); /* anchors point into the blob */
    size_t n = nb_config_encode(&a, buf, sizeof buf);
    if (!n)
        abort();
    if (nb_config_decode(buf, n, &b, why, sizeof why) != NB_OK || b.nsites != a.nsites ||
        b.ndhcp_servers != a.ndhcp_servers || b.dhcp_timeout_ms != a.dhcp_timeout_ms ||
        b.family != a.family || b.tls_ca_len != a.tls_ca_len)
        abort();
    return 0;
}
