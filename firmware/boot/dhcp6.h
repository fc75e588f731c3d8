/*
 * DHCPv6 client (RFC 8415, RFC 5970) for the first stage: stateful
 * SOLICIT/ADVERTISE/REQUEST/REPLY for one IA_NA (with Rapid Commit),
 * stateless INFORMATION-REQUEST, DECLINE when the assigned address fails
 * DAD, RFC 8415 §15 retransmission. Which of stateful/stateless runs
 * follows the router advertisement's M/O flags unless the caller forces
 * one. Runs inside the stack's loop: start it, poll dhcp6_done (it has the
 * shape net_run_until wants), read the lease.
 *
 *   static struct dhcp6_client c;
 *   struct dhcp6_config cfg;
 *   dhcp6_config_default(&cfg, &sysid);   // DUID, IAID, arch from the machine
 *   dhcp6_start(&c, &cfg);
 *   net_run_until(dhcp6_done, &c, deadline);   // racing: poll it beside DHCPv4
 *   if (dhcp6_result(&c) == NB_OK) use dhcp6_lease(&c)
 *
 * Not done (a first stage lives shorter than any lease): Renew/Rebind at
 * T1/T2, Release, Confirm, Reconfigure, server unicast, IA_TA/IA_PD.
 */
#ifndef NB_DHCP6_H
#define NB_DHCP6_H
#include <stddef.h>
#include <stdint.h>
#include "boot/dhcp6_msg.h"
#include "boot/duid.h"
#include "core/err.h"
#include "core/timer.h"
#include "net/udp.h"

#define DHCP6_CLIENT_PORT 546u
#define DHCP6_SERVER_PORT 547u

/* RFC 8415 §7.6 constants, in ms. */
#define DHCP6_SOL_MAX_DELAY_MS 1000u
#define DHCP6_SOL_TIMEOUT_MS 1000u
#define DHCP6_SOL_MAX_RT_MS 3600000u
#define DHCP6_REQ_TIMEOUT_MS 1000u
#define DHCP6_REQ_MAX_RT_MS 30000u
#define DHCP6_REQ_MAX_RC 10u
#define DHCP6_INF_MAX_DELAY_MS 1000u
#define DHCP6_INF_TIMEOUT_MS 1000u
#define DHCP6_INF_MAX_RT_MS 3600000u
#define DHCP6_DEC_TIMEOUT_MS 1000u
#define DHCP6_DEC_MAX_RC 4u
/* nearboot's default ceiling for SOLICIT and INFORMATION-REQUEST: a boot
 * client keeps asking at least once a minute (the RFC's 3600 s would leave
 * a machine idle for an hour after a long outage). 60 s is also the lowest
 * SOL_MAX_RT a server may set (RFC 8415 §21.24). */
#define DHCP6_BOOT_MAX_RT_MS 60000u

/* One exchange's retransmission parameters (RFC 8415 §15): MAX_DELAY
 * before the first message (0: none), IRT, MRT (0: no ceiling), MRC and
 * MRD (0: unlimited). */
struct dhcp6_timing {
    uint32_t max_delay_ms, irt_ms, mrt_ms, mrc, mrd_ms;
};
enum { DHCP6_T_SOLICIT, DHCP6_T_REQUEST, DHCP6_T_INFOREQ, DHCP6_T_DECLINE, DHCP6_T__COUNT };

enum dhcp6_mode {
    DHCP6_MODE_AUTO,      /* follow the RA: M -> stateful, O only -> stateless, neither -> not run */
    DHCP6_MODE_STATEFUL,  /* forced: SOLICIT whatever the RA says */
    DHCP6_MODE_STATELESS, /* forced: INFORMATION-REQUEST whatever the RA says */
};

/* Runtime-configurable (embedded config); dhcp6_config_default sets the
 * RFC values, with DHCP6_BOOT_MAX_RT_MS as the SOLICIT/INFORMATION-REQUEST
 * ceiling. */
struct dhcp6_config {
    enum dhcp6_mode mode;
    struct dhcp6_timing t[DHCP6_T__COUNT];
    uint32_t ra_wait_ms;      /* AUTO: wait this long for an RA, then go stateful (3000) */
    uint32_t ll_wait_ms;      /* give up if the link-local address is not usable by then (10000) */
    uint32_t dad_wait_ms;     /* watch the leased address's DAD this long (5000) */
    int rapid_commit;         /* send option 14 with SOLICIT (1) */
    int honour_sol_max_rt;    /* let option 82/83 from a server replace the ceiling (1) */
    int apply;                /* hand the address to nd6 and DNS servers to dns (1) */
    uint32_t max_restarts;    /* SOLICIT restarts after a failed REQUEST (0: unlimited) */
    struct duid duid;
    uint32_t iaid;
    uint16_t arch;            /* option 61 (NB_CLIENT_ARCH) */
    uint8_t undi_major, undi_minor;
    const char *vendor_class; /* our vendor class data ("nearboot") */
    const char *user_class;   /* option 15 ("nearboot"); NULL: none */
};

/* Defaults, with the DUID (NV pin, else DUID-UUID/DUID-LL), IAID and
 * architecture taken from the machine. */
void dhcp6_config_default(struct dhcp6_config *cfg, const struct nb_sysid *id);

/* What the client learned. Stateless leases have no address. */
struct dhcp6_lease {
    int stateful;                 /* an address was leased */
    int rapid_commit;             /* it came from a 2-message exchange */
    uint8_t addr[16];
    uint32_t iaid, t1_s, t2_s, preferred_s, valid_s;
    uint8_t server_id[DHCP6_DUID_MAX];
    size_t server_id_len;
    uint8_t server_addr[16];      /* source of the Reply (server or relay) */
    uint8_t preference;
    uint8_t dns[DHCP6_MAX_DNS][16];
    unsigned ndns;
    char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX];
    unsigned ndomains;
    char boot_url[DHCP6_URL_MAX];  /* "" if none */
    char boot_params[DHCP6_MAX_PARAMS][DHCP6_PARAM_MAX];
    unsigned nparams;
    char sites[DHCP6_MAX_SITES][DHCP6_SITE_URL_MAX];
    unsigned nsites;
    uint64_t acquired_us;         /* nb_now_us() when the Reply arrived */
    uint64_t started_us;          /* nb_now_us() at dhcp6_start */
};

enum dhcp6_state {
    DHCP6_S_IDLE,
    DHCP6_S_WAIT,      /* link-local DAD, and in AUTO the RA */
    DHCP6_S_SOLICIT,
    DHCP6_S_REQUEST,
    DHCP6_S_INFOREQ,
    DHCP6_S_DECLINE,
    DHCP6_S_BOUND,     /* lease with an address */
    DHCP6_S_INFORMED,  /* stateless lease */
    DHCP6_S_FAILED,    /* gave up: dhcp6_result says why */
    DHCP6_S__COUNT
};

/* The client. Large (two parsed messages): make it static. */
struct dhcp6_client {
    struct dhcp6_config cfg;
    enum dhcp6_state state;
    struct udp_sock sock;
    struct nb_timer timer;      /* retransmission / delay / wait polling */
    struct nb_timer dad_timer;  /* watches the leased address */
    uint32_t xid;
    uint64_t start_us;          /* dhcp6_start */
    uint64_t exch_start_us;     /* first transmission of this exchange */
    uint64_t dad_until_us;
    uint32_t rt_ms;             /* current retransmission timeout */
    uint32_t tx_count;          /* transmissions in this exchange */
    uint32_t restarts;
    uint32_t sol_mrt_ms, inf_mrt_ms; /* ceilings after options 82/83 */
    int delayed;                /* the first-message delay was taken */
    nb_err result;              /* NB_OK once bound/informed; the reason once failed */
    nb_err last_err;            /* the latest problem, for the console */
    int have_best;
    struct dhcp6_msg best;      /* best ADVERTISE so far; then the chosen one */
    struct dhcp6_msg rx;        /* scratch for the message being looked at */
    uint8_t best_from[16];
    struct dhcp6_lease lease;
};

/* Start (or restart) the client. NB_E_PORT_IN_USE if port 546 is taken. */
nb_err dhcp6_start(struct dhcp6_client *c, const struct dhcp6_config *cfg);
/* Stop: timers off, socket closed. The lease stays readable. */
void dhcp6_stop(struct dhcp6_client *c);
/* Non-zero once bound, informed or failed (net_run_until's done shape). */
int dhcp6_done(void *client);
/* NB_OK with a lease; the failure once failed; NB_E_TIMEOUT while running. */
nb_err dhcp6_result(const struct dhcp6_client *c);
const struct dhcp6_lease *dhcp6_lease(const struct dhcp6_client *c);
const char *dhcp6_state_name(enum dhcp6_state s);

/* Start, run the stack's loop until done or timeout_ms, stop. */
nb_err dhcp6_run(struct dhcp6_client *c, const struct dhcp6_config *cfg, uint32_t timeout_ms);

/* ---- the retransmission arithmetic (RFC 8415 §15), pure, for tests ----
 * rand_pm is RAND in thousandths: -100..100 (= -0.1..+0.1). */
uint32_t dhcp6_rt_initial(uint32_t irt_ms, int32_t rand_pm);
uint32_t dhcp6_rt_next(uint32_t prev_ms, uint32_t mrt_ms, int32_t rand_pm);
/* RAND from the DRBG: uniform in [-100, 100], or in [1, 100] if positive
 * (the first SOLICIT's RT must be strictly above IRT, §18.2.1). */
int32_t dhcp6_rand_pm(int positive);
/* Elapsed time option value: centiseconds since the exchange's first
 * transmission, capped at 0xffff (RFC 8415 §21.9). */
uint16_t dhcp6_elapsed_cs(uint64_t first_tx_us, uint64_t now_us);
/* 1 if ADVERTISE a is a better choice than b (§18.2.9): higher preference;
 * then one with a boot file URL; then one with nearboot site URLs; on a tie
 * the earlier one (b) stays. */
int dhcp6_advertise_better(const struct dhcp6_msg *a, const struct dhcp6_msg *b);

#endif
