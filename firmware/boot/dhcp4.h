/*
 * DHCPv4 client (RFC 2131, RFC 2132, PXE per RFC 4578), poll-style: start it,
 * run the stack's loop, ask whether it is done. Several clients (v4, v6) run
 * in one loop, which is how nearboot races the two families.
 */
#ifndef NB_DHCP4_H
#define NB_DHCP4_H
#include <stddef.h>
#include <stdint.h>
#include "boot/dhcp4_msg.h"
#include "core/err.h"
#include "core/timer.h"
#include "net/udp.h"

/* Who we are on the wire. */
struct dhcp4_ident {
    uint8_t mac[6];
    uint16_t arch;         /* option 93: 0x0007 x86-64 UEFI, 0x000b arm64 UEFI */
    int have_uuid;
    uint8_t uuid[16];      /* option 97 (SMBIOS system UUID) */
};

/* Timing, runtime-configurable (embedded config). RFC 2131 §4.1 defaults:
 * 4 s, doubling to 64 s, randomized by ±1 s. */
struct dhcp4_params {
    uint32_t rt_initial_ms;   /* first retransmission timeout (4000) */
    uint32_t rt_max_ms;       /* cap (64000) */
    uint32_t rt_jitter_ms;    /* ± randomization (1000) */
    uint32_t max_tries;       /* transmissions per exchange before giving up (5) */
    uint32_t offer_wait_ms;   /* after an OFFER without boot information, wait this
                                 long for a better one or a proxyDHCP offer (500) */
    uint32_t probe_wait_ms;   /* ARP conflict check after ACK (RFC 5227 probe) (200) */
    uint32_t decline_wait_ms; /* pause after DECLINE before DISCOVER again (1000) */
};
void dhcp4_params_default(struct dhcp4_params *p);

/* What a successful exchange gives the boot. */
struct dhcp4_lease {
    uint8_t addr[4], mask[4], router[4], server_id[4], next_server[4];
    uint8_t dns[3][4];
    unsigned ndns;
    uint32_t lease_s, t1_s, t2_s;
    char bootfile[256];
    char tftp_server[256];
    char domain[256];
    char sites[DHCP4_MAX_SITES][DHCP4_SITE_URL_MAX];
    unsigned nsites;
    int boot_from_proxy;      /* boot file came from a proxyDHCP server */
    uint8_t proxy_server[4];
    uint64_t obtained_us;     /* monotonic time of the ACK */
    uint8_t ack[576];         /* the ACK itself, for the hand-off record */
    size_t ack_len;
};

enum dhcp4_state {
    DHCP4_IDLE, DHCP4_SELECTING, DHCP4_REQUESTING, DHCP4_REBOOTING, DHCP4_RENEWING,
    DHCP4_PROXY_REQUESTING, DHCP4_PROBING, DHCP4_DECLINED, DHCP4_BOUND, DHCP4_FAILED,
};

struct dhcp4_client {
    enum dhcp4_state state;
    struct dhcp4_params params;
    struct dhcp4_ident id;
    struct udp_sock sock;
    struct nb_timer timer;
    uint32_t xid;
    unsigned tries;
    uint32_t rt_ms;
    uint64_t start_us;         /* for the secs field */
    uint64_t first_tx_us;      /* first packet of this run, for timings */
    uint8_t unicast_to[4];     /* RENEWING: server (or anycast) address */
    int have_offer, offer_has_boot, have_proxy;
    struct dhcp4_lease offer;  /* best OFFER so far, then the ACKed lease */
    char proxy_bootfile[256];
    uint8_t proxy_server[4];
    int proxy_needs_4011;      /* the proxy gave no boot file: ask it on port 4011 */
    uint16_t proxy_item;       /* boot server type for that request (its menu's first item, else 0) */
    nb_err error;
    char why[96];              /* last reason for moving on, for the console */
};

/* Fresh DISCOVER. */
nb_err dhcp4_start(struct dhcp4_client *c, const struct dhcp4_ident *id,
                   const struct dhcp4_params *p);
/* INIT-REBOOT: verify a known address (cached lease or the platform's PXE
 * ACK) with a broadcast REQUEST; a NAK or silence fails (caller DISCOVERs). */
nb_err dhcp4_start_reboot(struct dhcp4_client *c, const struct dhcp4_ident *id,
                          const struct dhcp4_params *p, const struct dhcp4_lease *known);
/* Unicast REQUEST (RENEWING-style, ciaddr set) to server through the
 * configured router: the fallback when broadcast DHCP is broken (relay down).
 * The interface must already carry the known address. */
nb_err dhcp4_start_unicast(struct dhcp4_client *c, const struct dhcp4_ident *id,
                           const struct dhcp4_params *p, const struct dhcp4_lease *known,
                           const uint8_t server[4]);
int dhcp4_done(const struct dhcp4_client *c);   /* BOUND or FAILED */
void dhcp4_stop(struct dhcp4_client *c);
/* The lease after BOUND (NB_OK), else the failure. */
nb_err dhcp4_result(const struct dhcp4_client *c, struct dhcp4_lease *out);

/* Message builder, exposed for tests: the client's packet for its current
 * state (type: 1 DISCOVER, 3 REQUEST, 4 DECLINE, 7 RELEASE). Returns length. */
size_t dhcp4_build(const struct dhcp4_client *c, uint8_t type, uint8_t *buf, size_t cap);

#endif
