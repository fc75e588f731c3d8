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
    DHCP4_HAVE_T1 = 1u << 8,
    DHCP4_HAVE_T2 = 1u << 9,
    DHCP4_HAVE_DOMAIN = 1u << 10,
    DHCP4_HAVE_PXE_VENDOR = 1u << 11, /* option 43 */
    DHCP4_HAVE_ROUTES = 1u << 12,     /* option 121 */
    DHCP4_HAVE_SEARCH = 1u << 13,     /* option 119 */
    DHCP4_HAVE_SITES = 1u << 14,      /* option 224: nearboot site URLs */
    DHCP4_HAVE_BROADCAST = 1u << 15,  /* option 28 */
};

#define DHCP4_MAX_ROUTES 8u
#define DHCP4_MAX_SITES 4u
#define DHCP4_SITE_URL_MAX 256u

/* nearboot's private option (site-specific range, RFC 2132 §2): a list of
 * sub-options, each code(1) length(1) data; sub-option 1 is a site URL and
 * may repeat. See docs/dhcp.md. */
#define DHCP4_OPT_NEARBOOT 224u
#define DHCP4_NB_SUB_SITE_URL 1u

struct dhcp4_route {
    uint8_t dest[4];
    uint8_t prefix_len;
    uint8_t router[4];
};

/* PXE vendor sub-options (option 43, PXE spec 2.1) that matter to a client. */
struct dhcp4_pxe {
    uint8_t discovery_control; /* sub-option 6 */
    int has_boot_menu;          /* sub-option 9 */
    uint16_t first_item_type;   /* boot server type of the menu's first item */
    int has_boot_servers;       /* sub-option 8 */
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
    uint32_t t1_s, t2_s;           /* options 58, 59 */
    uint8_t broadcast[4];          /* option 28 */
    char domain[256];              /* option 15 */
    char search[256];              /* option 119, first domain */
    struct dhcp4_pxe pxe;          /* option 43 */
    struct dhcp4_route routes[DHCP4_MAX_ROUTES]; /* option 121 */
    unsigned nroutes;
    char sites[DHCP4_MAX_SITES][DHCP4_SITE_URL_MAX]; /* option 224 */
    unsigned nsites;
};

/* Parse one message. Fails on a short packet, a missing or wrong magic
 * cookie, or an option whose length runs past its container. Strings are
 * NUL-terminated; a string with control characters is rejected. */
nb_err dhcp4_parse(const uint8_t *p, size_t len, struct dhcp4_msg *m);

#endif
