/*
 * DHCPv6 messages (RFC 8415, RFC 5970): a bounded parser that turns one
 * message into a flat view of the facts nearboot uses, and the builder for
 * the client's own messages (SOLICIT, REQUEST, INFORMATION-REQUEST,
 * DECLINE). The client state machine is boot/dhcp6.c; nearboot's own
 * options are documented in docs/dhcp.md.
 */
#ifndef NB_DHCP6_MSG_H
#define NB_DHCP6_MSG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DHCP6_DUID_MAX 130u /* RFC 8415 §11.1: at most 128 octets + type */

/* Message types (RFC 8415 §7.3). */
enum {
    DHCP6_SOLICIT = 1, DHCP6_ADVERTISE = 2, DHCP6_REQUEST = 3, DHCP6_CONFIRM = 4,
    DHCP6_RENEW = 5, DHCP6_REBIND = 6, DHCP6_REPLY = 7, DHCP6_RELEASE = 8,
    DHCP6_DECLINE = 9, DHCP6_RECONFIGURE = 10, DHCP6_INFORMATION_REQUEST = 11,
    DHCP6_RELAY_FORW = 12, DHCP6_RELAY_REPL = 13,
};

/* Option codes used by nearboot (RFC 8415 §21, RFC 5970, RFC 3646, RFC 7083). */
enum {
    DHCP6_OPT_CLIENTID = 1, DHCP6_OPT_SERVERID = 2, DHCP6_OPT_IA_NA = 3,
    DHCP6_OPT_IAADDR = 5, DHCP6_OPT_ORO = 6, DHCP6_OPT_PREFERENCE = 7,
    DHCP6_OPT_ELAPSED_TIME = 8, DHCP6_OPT_STATUS_CODE = 13, DHCP6_OPT_RAPID_COMMIT = 14,
    DHCP6_OPT_USER_CLASS = 15, DHCP6_OPT_VENDOR_CLASS = 16, DHCP6_OPT_VENDOR_OPTS = 17,
    DHCP6_OPT_DNS_SERVERS = 23, DHCP6_OPT_DOMAIN_LIST = 24, DHCP6_OPT_BOOTFILE_URL = 59,
    DHCP6_OPT_BOOTFILE_PARAM = 60, DHCP6_OPT_CLIENT_ARCH = 61, DHCP6_OPT_NII = 62,
    DHCP6_OPT_SOL_MAX_RT = 82, DHCP6_OPT_INF_MAX_RT = 83,
};

/* Status codes (RFC 8415 §21.13). */
enum {
    DHCP6_STATUS_SUCCESS = 0, DHCP6_STATUS_UNSPEC_FAIL = 1, DHCP6_STATUS_NO_ADDRS_AVAIL = 2,
    DHCP6_STATUS_NO_BINDING = 3, DHCP6_STATUS_NOT_ON_LINK = 4, DHCP6_STATUS_USE_MULTICAST = 5,
    DHCP6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* nearboot's enterprise number for its vendor class (16) and vendor options
 * (17). 32473 is the IANA number reserved for documentation (RFC 5612): a
 * placeholder until the project has its own Private Enterprise Number.
 * Vendor-options sub-option 1 is a site URL (may repeat). docs/dhcp.md. */
#define DHCP6_NB_ENTERPRISE 32473u
#define DHCP6_NB_SUB_SITE_URL 1u
/* PXE's vendor class enterprise number (Intel), as UEFI PXE sends it. */
#define DHCP6_PXE_ENTERPRISE 343u

/* Bounds of what one message can put into the view. Beyond the counts,
 * further items are ignored (still checked for well-formedness). */
#define DHCP6_MAX_IA 4u          /* IA_NA options */
#define DHCP6_MAX_DNS 3u         /* option 23 addresses */
#define DHCP6_MAX_DOMAINS 4u     /* option 24 names */
#define DHCP6_DOMAIN_MAX 254u    /* a name in text (253 characters) + NUL */
#define DHCP6_MAX_PARAMS 4u      /* option 60 parameters */
#define DHCP6_PARAM_MAX 256u     /* one parameter (255 characters) + NUL */
#define DHCP6_MAX_SITES 4u       /* nearboot site URLs (option 17) */
#define DHCP6_SITE_URL_MAX 256u  /* one site URL (255 characters) + NUL */
#define DHCP6_URL_MAX 512u       /* option 59 (511 characters) + NUL */
#define DHCP6_STATUS_MSG_MAX 64u /* status message text kept for the console */

enum dhcp6_have {
    DHCP6_HAVE_SERVER_ID = 1u << 0,
    DHCP6_HAVE_CLIENT_ID = 1u << 1,
    DHCP6_HAVE_ADDR = 1u << 2,
    DHCP6_HAVE_BOOTFILE_URL = 1u << 3,
    DHCP6_HAVE_PREFERENCE = 1u << 4,
    DHCP6_HAVE_STATUS = 1u << 5,
    DHCP6_HAVE_RAPID_COMMIT = 1u << 6,
    DHCP6_HAVE_SOL_MAX_RT = 1u << 7,
    DHCP6_HAVE_INF_MAX_RT = 1u << 8,
};

/* One IA_NA (RFC 8415 §21.4) as the client needs it: its first usable
 * address. An IA_NA with T1 > T2 (both non-zero) is dropped as the RFC
 * says; IAADDRs with preferred > valid lifetime are skipped (§21.6). */
struct dhcp6_ia {
    uint32_t iaid, t1_s, t2_s;
    uint16_t status;       /* status code inside the IA_NA; 0 if none */
    uint8_t naddr;         /* usable IAADDRs seen (counting stops at 255) */
    uint8_t addr[16];      /* the first of them */
    uint32_t preferred_s, valid_s;
};

struct dhcp6_msg {
    uint8_t msg_type;
    uint32_t xid;                       /* 24 bits */
    unsigned have;                      /* DHCP6_HAVE_* */
    uint8_t server_id[DHCP6_DUID_MAX];
    size_t server_id_len;
    uint8_t client_id[DHCP6_DUID_MAX];
    size_t client_id_len;
    /* The first IA_NA that holds an address, flattened (DHCP6_HAVE_ADDR);
     * the client looks up its own IAID in ia[] instead. */
    uint32_t iaid;
    uint8_t addr[16];
    uint32_t preferred_s, valid_s;
    uint8_t preference;                 /* option 7 */
    uint16_t status;                    /* option 13 at message level */
    /* The status of the IA_NA the address came from; without an address,
     * the first non-zero status found inside any IA_NA. */
    uint16_t ia_status;
    /* Text of the first non-success status code (either level): printable
     * ASCII, others replaced by '?', cut to fit. */
    char status_msg[DHCP6_STATUS_MSG_MAX];
    struct dhcp6_ia ia[DHCP6_MAX_IA];   /* IA_NA options, in message order */
    unsigned nia;
    uint8_t dns[DHCP6_MAX_DNS][16];     /* option 23, first three */
    unsigned ndns;
    /* option 24: names of letters, digits, '-' and '_' only (others skipped) */
    char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX];
    unsigned ndomains;
    char bootfile_url[DHCP6_URL_MAX];   /* option 59 */
    char boot_params[DHCP6_MAX_PARAMS][DHCP6_PARAM_MAX]; /* option 60 */
    unsigned nparams;
    char sites[DHCP6_MAX_SITES][DHCP6_SITE_URL_MAX];     /* option 17, ours */
    unsigned nsites;
    uint32_t sol_max_rt_s, inf_max_rt_s; /* options 82, 83 as sent (unchecked) */
};

/* Parse one message (client/server message format; relay messages are not
 * for clients). zero_tail: accept a run of zero bytes after the last option,
 * as in the platform's fixed-size cached PXE packets. NB_E_TRUNCATED below
 * the 4-byte header, NB_E_BAD_OPTION for an option running past its
 * container, NB_E_MALFORMED for a bad fixed-size field or a URL/parameter
 * with control characters: the whole message is then refused. */
nb_err dhcp6_parse(const uint8_t *p, size_t len, int zero_tail, struct dhcp6_msg *m);

/* The IA_NA with this IAID, or NULL. */
const struct dhcp6_ia *dhcp6_find_ia(const struct dhcp6_msg *m, uint32_t iaid);

/* ---- building the client's messages ---- */

/* What a client message carries. Options are written in this order, each
 * only when asked for:
 *   1 client id, 2 server id, 8 elapsed time, 6 ORO, 3 IA_NA (with one
 *   IAADDR if ia_addr), 14 rapid commit, 61 client arch, 62 NII,
 *   16 vendor class (343, "PXEClient:Arch:AAAAA:UNDI:MMMmmm"),
 *   16 vendor class (ours), 15 user class, 17 vendor options (ours, empty:
 *   it tells the server we understand nearboot's sub-options). */
struct dhcp6_tx {
    uint8_t msg_type;
    uint32_t xid;                 /* low 24 bits used */
    const uint8_t *client_id;     /* DUID (required) */
    size_t client_id_len;
    const uint8_t *server_id;     /* NULL: none */
    size_t server_id_len;
    uint16_t elapsed_cs;          /* hundredths of a second, 0xffff cap applied by the caller */
    const uint16_t *oro;          /* NULL/0: no ORO */
    unsigned noro;
    int with_ia;
    uint32_t iaid;
    const uint8_t *ia_addr;       /* NULL: an empty IA_NA (T1 = T2 = 0) */
    int rapid_commit;
    int with_pxe;                 /* 61, 62 and the PXEClient vendor class */
    uint16_t arch;                /* RFC 4578 processor architecture type */
    uint8_t undi_major, undi_minor; /* NII: type 1 (UNDI), rev major.minor */
    const char *vendor_class;     /* our vendor class data; NULL: none */
    const char *user_class;       /* NULL: none */
    int with_nb_vendor_opts;      /* 17 with our enterprise number */
};

/* Write the message into buf; *len its length. NB_E_TOO_BIG if it does not
 * fit, NB_E_INVALID for a DUID outside 2..130 bytes or a class string over
 * 255 bytes. */
nb_err dhcp6_build(const struct dhcp6_tx *t, uint8_t *buf, size_t size, size_t *len);

#endif
