/*
 * DHCPv6 messages (RFC 8415, RFC 5970): a bounded parser that turns one
 * message into a flat view of the facts nearboot uses.
 */
#ifndef NB_DHCP6_MSG_H
#define NB_DHCP6_MSG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DHCP6_DUID_MAX 130u /* RFC 8415 §11.1: at most 128 octets + type */

enum dhcp6_have {
    DHCP6_HAVE_SERVER_ID = 1u << 0,
    DHCP6_HAVE_CLIENT_ID = 1u << 1,
    DHCP6_HAVE_ADDR = 1u << 2,
    DHCP6_HAVE_BOOTFILE_URL = 1u << 3,
    DHCP6_HAVE_PREFERENCE = 1u << 4,
    DHCP6_HAVE_STATUS = 1u << 5,
};

struct dhcp6_msg {
    uint8_t msg_type;
    uint32_t xid;                       /* 24 bits */
    unsigned have;                      /* DHCP6_HAVE_* */
    uint8_t server_id[DHCP6_DUID_MAX];
    size_t server_id_len;
    uint8_t client_id[DHCP6_DUID_MAX];
    size_t client_id_len;
    uint32_t iaid;                      /* of the IA_NA the address came from */
    uint8_t addr[16];                   /* first IAADDR of the first IA_NA */
    uint32_t preferred_s, valid_s;
    uint8_t preference;                 /* option 7 */
    uint16_t status;                    /* option 13 at message level */
    uint16_t ia_status;                 /* option 13 inside the IA_NA */
    uint8_t dns[3][16];                 /* option 23, first three */
    unsigned ndns;
    char bootfile_url[512];             /* option 59 */
};

/* Parse one message (client/server message format; relay messages are not
 * for clients). zero_tail: accept a run of zero bytes after the last option,
 * as in the platform's fixed-size cached PXE packets. */
nb_err dhcp6_parse(const uint8_t *p, size_t len, int zero_tail, struct dhcp6_msg *m);

#endif
