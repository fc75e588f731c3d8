/*
 * DHCPv4 / BOOTP messages (RFC 2131, RFC 2132): a bounded parser that turns
 * one message into a flat view of the facts nearboot uses. Used on the
 * platform's cached PXE packets and on packets from the wire.
 */
#ifndef NB_DHCP4_MSG_H
#define NB_DHCP4_MSG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DHCP4_FIXED_LEN 236u  /* op..file, before the magic cookie */
#define DHCP4_MIN_LEN 240u    /* fixed part plus magic cookie */

enum dhcp4_have {
    DHCP4_HAVE_MSGTYPE = 1u << 0,
    DHCP4_HAVE_SERVER_ID = 1u << 1,
    DHCP4_HAVE_MASK = 1u << 2,
    DHCP4_HAVE_ROUTER = 1u << 3,
    DHCP4_HAVE_BOOTFILE = 1u << 4,
    DHCP4_HAVE_TFTP_SERVER = 1u << 5,
    DHCP4_HAVE_LEASE = 1u << 6,
    DHCP4_HAVE_PXECLIENT = 1u << 7, /* option 60 "PXEClient..." */
};

struct dhcp4_msg {
    uint8_t op;
    uint32_t xid;
    uint8_t chaddr[16];
    uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
    unsigned have;                 /* DHCP4_HAVE_* */
    uint8_t msg_type;              /* option 53 */
    uint8_t server_id[4];          /* option 54 */
    uint8_t mask[4];               /* option 1 */
    uint8_t router[4];             /* option 3, first entry */
    uint8_t dns[3][4];             /* option 6, first three */
    unsigned ndns;
    uint32_t lease_s;              /* option 51 */
    char bootfile[256];            /* option 67, else the file field */
    char tftp_server[256];         /* option 66, else the sname field */
};

/* Parse one message. Fails on a short packet, a missing or wrong magic
 * cookie, or an option whose length runs past its container. Strings are
 * NUL-terminated; a string with control characters is rejected. */
nb_err dhcp4_parse(const uint8_t *p, size_t len, struct dhcp4_msg *m);

#endif
