/* libFuzzer target: boot/dhcp6_msg.c (dhcp6_parse), in both zero_tail
 * modes. On success: every string in the view (boot file URL, domains,
 * boot parameters, site URLs, status text) is terminated inside its array
 * and holds only the characters its parser admits; DUID lengths are within
 * 2..130 when present and 0 when not; every count is within its bound; the
 * IA_NA table obeys RFC 8415 §21.4/§21.6 (T1 <= T2 unless one is 0,
 * preferred <= valid, no address fields without an address);
 * relay/reserved types never parse. And a message that parses without
 * zero_tail parses the same with it (a zero tail is only ever options 0 of
 * length 0, which carry nothing). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/dhcp6_msg.h"

#define KNOWN_HAVE                                                                    \
    (DHCP6_HAVE_SERVER_ID | DHCP6_HAVE_CLIENT_ID | DHCP6_HAVE_ADDR |                  \
     DHCP6_HAVE_BOOTFILE_URL | DHCP6_HAVE_PREFERENCE | DHCP6_HAVE_STATUS |            \
     DHCP6_HAVE_RAPID_COMMIT | DHCP6_HAVE_SOL_MAX_RT | DHCP6_HAVE_INF_MAX_RT)

/* A NUL inside the array; every byte before it passes ok(). Returns the length. */
static size_t check_str(const char *s, size_t size, int (*ok)(unsigned char))
{
    const char *end = memchr(s, 0, size);
    if (!end)
        abort();
    for (const char *c = s; c < end; c++)
        if (!ok((unsigned char)*c))
            abort();
    return (size_t)(end - s);
}

static int url_char(unsigned char c) { return c > 0x20 && c < 0x7f; }
static int text_char(unsigned char c) { return c >= 0x20 && c < 0x7f; }
static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

static void check(const struct dhcp6_msg *m, const uint8_t *data)
{
    static const uint8_t zero16[16];
    if (m->msg_type != data[0] || m->msg_type == 0 || m->msg_type == 12 || m->msg_type == 13)
        abort();
    if (m->xid != ((uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]))
        abort();
    if (m->have & ~KNOWN_HAVE)
        abort();
    if (m->ndns > DHCP6_MAX_DNS || m->nia > DHCP6_MAX_IA || m->ndomains > DHCP6_MAX_DOMAINS ||
        m->nparams > DHCP6_MAX_PARAMS || m->nsites > DHCP6_MAX_SITES)
        abort();
    if ((m->have & DHCP6_HAVE_CLIENT_ID) ? (m->client_id_len < 2 || m->client_id_len > DHCP6_DUID_MAX)
                                         : m->client_id_len != 0)
        abort();
    if ((m->have & DHCP6_HAVE_SERVER_ID) ? (m->server_id_len < 2 || m->server_id_len > DHCP6_DUID_MAX)
                                         : m->server_id_len != 0)
        abort();
    size_t n = check_str(m->bootfile_url, sizeof m->bootfile_url, url_char);
    if (!(m->have & DHCP6_HAVE_BOOTFILE_URL) != !n)
        abort();
    for (unsigned i = 0; i < m->ndomains; i++)
        if (check_str(m->domains[i], DHCP6_DOMAIN_MAX, name_char) == 0 ||
            m->domains[i][0] == '.')
            abort();
    for (unsigned i = 0; i < m->nparams; i++)
        check_str(m->boot_params[i], DHCP6_PARAM_MAX, text_char);
    for (unsigned i = 0; i < m->nsites; i++)
        if (check_str(m->sites[i], DHCP6_SITE_URL_MAX, url_char) == 0)
            abort();
    check_str(m->status_msg, sizeof m->status_msg, text_char);
    if (!(m->have & DHCP6_HAVE_ADDR) && (m->iaid || m->preferred_s || m->valid_s))
        abort();
    if ((m->have & DHCP6_HAVE_ADDR) && m->preferred_s > m->valid_s)
        abort();
    for (unsigned i = 0; i < m->nia; i++) {
        const struct dhcp6_ia *ia = &m->ia[i];
        if (ia->t1_s && ia->t2_s && ia->t1_s > ia->t2_s)
            abort();
        if (ia->naddr && ia->preferred_s > ia->valid_s)
            abort();
        if (!ia->naddr && (ia->preferred_s || ia->valid_s || memcmp(ia->addr, zero16, 16)))
            abort();
        const struct dhcp6_ia *f = dhcp6_find_ia(m, ia->iaid);
        if (!f || f > ia || f->iaid != ia->iaid)
            abort();
    }
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
