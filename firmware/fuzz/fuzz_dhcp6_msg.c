/* libFuzzer target: boot/dhcp6_msg.c (dhcp6_parse), in both zero_tail
 * modes. On success: the bootfile URL is terminated inside its array and
 * has only printable non-space ASCII, DUID lengths are within 2..130 when
 * present and 0 when not, ndns <= 3, relay/reserved types never parse. And
 * a message that parses without zero_tail parses the same with it (a zero
 * tail is only ever options 0 of length 0, which carry nothing). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/dhcp6_msg.h"

static void check(const struct dhcp6_msg *m, const uint8_t *data)
{
    if (m->msg_type != data[0] || m->msg_type == 0 || m->msg_type == 12 || m->msg_type == 13)
        abort();
    if (m->xid != ((uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]))
        abort();
    if (m->ndns > 3)
        abort();
    if ((m->have & DHCP6_HAVE_CLIENT_ID) ? (m->client_id_len < 2 || m->client_id_len > DHCP6_DUID_MAX)
                                         : m->client_id_len != 0)
        abort();
    if ((m->have & DHCP6_HAVE_SERVER_ID) ? (m->server_id_len < 2 || m->server_id_len > DHCP6_DUID_MAX)
                                         : m->server_id_len != 0)
        abort();
    const char *end = memchr(m->bootfile_url, 0, sizeof m->bootfile_url);
    if (!end)
        abort();
    for (const char *c = m->bootfile_url; c < end; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            abort();
    if (!(m->have & DHCP6_HAVE_BOOTFILE_URL) && m->bootfile_url[0])
        abort();
    if ((m->have & DHCP6_HAVE_BOOTFILE_URL) && !m->bootfile_url[0])
        abort();
    if (!(m->have & DHCP6_HAVE_ADDR) && (m->iaid || m->preferred_s || m->valid_s))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dhcp6_msg plain, tail; /* large: not on the stack */
    nb_err e_plain = dhcp6_parse(data, size, 0, &plain);
    nb_err e_tail = dhcp6_parse(data, size, 1, &tail);
    if (e_plain == NB_OK)
        check(&plain, data);
    if (e_tail == NB_OK)
        check(&tail, data);
    if (e_plain == NB_OK && (e_tail != NB_OK || memcmp(&plain, &tail, sizeof plain) != 0))
        abort();
    return 0;
}
