/* libFuzzer target: boot/dhcp4_msg.c (dhcp4_parse). On success, the view
 * must be self-consistent: strings terminated inside their arrays and free
 * of control characters, ndns <= 3, only known DHCP4_HAVE_* bits, and the
 * fields behind an unset bit left empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/dhcp4_msg.h"

#define KNOWN_HAVE                                                                     \
    (DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_SERVER_ID | DHCP4_HAVE_MASK | DHCP4_HAVE_ROUTER | \
     DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_TFTP_SERVER | DHCP4_HAVE_LEASE | DHCP4_HAVE_PXECLIENT)

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
    if (m.have & ~KNOWN_HAVE)
        abort();
    if (m.ndns > 3)
        abort();
    check_string(m.bootfile, sizeof m.bootfile);
    check_string(m.tftp_server, sizeof m.tftp_server);
    if (!(m.have & DHCP4_HAVE_BOOTFILE) && m.bootfile[0])
        abort();
    if (!(m.have & DHCP4_HAVE_TFTP_SERVER) && m.tftp_server[0])
        abort();
    if (!(m.have & DHCP4_HAVE_MSGTYPE) && m.msg_type)
        abort();
    if (!(m.have & DHCP4_HAVE_LEASE) && m.lease_s)
        abort();
    return 0;
}
