/* libFuzzer target: boot/dhcp4_msg.c (dhcp4_parse). On success, the view
 * must be self-consistent: strings terminated inside their arrays and free
 * of control characters, list counts within their arrays (ndns <= 3,
 * nroutes, nsites), route prefixes <= 32, and the fields behind an unset
 * DHCP4_HAVE_* bit left empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/dhcp4_msg.h"

static void check_string(const char *s, size_t size)
{
    const char *end = memchr(s, 0, size);
    if (!end)
        abort(); /* not terminated inside its array */
    for (const char *c = s; c < end; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dhcp4_msg m;
    memset(&m, 0xa5, sizeof m);
    if (dhcp4_parse(data, size, &m) != NB_OK)
        return 0;
    if (size < DHCP4_MIN_LEN)
        abort();
    if (data[236] != 0x63 || data[237] != 0x82 || data[238] != 0x53 || data[239] != 0x63)
        abort();
    if (m.op != data[0] || memcmp(m.chaddr, data + 28, 16) != 0)
        abort();
    if (m.ndns > 3)
        abort();
    check_string(m.bootfile, sizeof m.bootfile);
    check_string(m.tftp_server, sizeof m.tftp_server);
    if (!(m.have & DHCP4_HAVE_BOOTFILE) && m.bootfile[0])
        abort();
    if (!(m.have & DHCP4_HAVE_TFTP_SERVER) && m.tftp_server[0])
        abort();
    check_string(m.domain, sizeof m.domain);
    check_string(m.search, sizeof m.search);
    if (!(m.have & DHCP4_HAVE_DOMAIN) && m.domain[0])
        abort();
    if (!(m.have & DHCP4_HAVE_SEARCH) && m.search[0])
        abort();
    for (const char *c = m.search; *c; c++)
        if (*c == ' ')
            abort();
    if (m.nroutes > DHCP4_MAX_ROUTES || (m.nroutes && !(m.have & DHCP4_HAVE_ROUTES)))
        abort();
    for (unsigned i = 0; i < m.nroutes; i++)
        if (m.routes[i].prefix_len > 32)
            abort();
    if (m.nsites > DHCP4_MAX_SITES || (m.nsites && !(m.have & DHCP4_HAVE_SITES)))
        abort();
    for (unsigned i = 0; i < m.nsites; i++) {
        check_string(m.sites[i], sizeof m.sites[i]);
        if (!m.sites[i][0])
            abort();
    }
    if (!(m.have & DHCP4_HAVE_MSGTYPE) && m.msg_type)
        abort();
    if (!(m.have & DHCP4_HAVE_LEASE) && m.lease_s)
        abort();
    return 0;
}
