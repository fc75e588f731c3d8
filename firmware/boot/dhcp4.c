/*
 * DHCPv4 client (RFC 2131/2132, PXE extensions per RFC 4578 and PXE 2.1).
 *
 * The exchanges, as a table (see `steps` below): what each state sends, to
 * whom, and which reply moves it on.
 *
 *   SELECTING        DISCOVER, broadcast   OFFER  -> REQUESTING (at once if the
 *                                                    offer carries boot info, else
 *                                                    after offer_wait_ms)
 *   REQUESTING       REQUEST,  broadcast   ACK    -> PROBING      NAK -> SELECTING
 *   REBOOTING        REQUEST,  broadcast   ACK    -> PROBING      NAK -> FAILED
 *                    (INIT-REBOOT: requested address, no server id)
 *   RENEWING         REQUEST,  unicast     ACK    -> PROBING      NAK -> FAILED
 *                    (ciaddr set: to a cached or hard-coded server through the router)
 *   PROBING          ARP probe for the address; conflict -> DECLINE -> DECLINED
 *                    (-> SELECTING after decline_wait_ms); silence -> configured,
 *                    then PROXY_REQUESTING if a proxyDHCP server wants port 4011,
 *                    else BOUND
 *   PROXY_REQUESTING REQUEST,  unicast to the proxy server's port 4011 -> BOUND
 *                    (no answer: BOUND without the proxy's boot file)
 *
 * Retransmission (RFC 2131 §4.1): rt_initial_ms doubling to rt_max_ms, each
 * randomized by ±rt_jitter_ms, max_tries transmissions per exchange. Every
 * reply is checked: BOOTREPLY, our xid, our chaddr, the expected type; for a
 * unicast exchange also the server we asked.
 */
#include "boot/dhcp4.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip_text.h"
#include "net/stack.h"
#include <string.h>

#define DHCP4_SERVER_PORT 67u
#define DHCP4_CLIENT_PORT 68u
#define PXE_PROXY_PORT 4011u
#define DHCP4_MAX_MSG 576u

enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6 };

struct step {
    enum dhcp4_state state;
    uint8_t send;       /* message type sent in this state (0: none) */
    int broadcast;      /* 1: to 255.255.255.255 from 0.0.0.0 */
    const char *name;
};

static const struct step steps[] = {
    { DHCP4_SELECTING, DISCOVER, 1, "DISCOVER" },
    { DHCP4_REQUESTING, REQUEST, 1, "REQUEST" },
    { DHCP4_REBOOTING, REQUEST, 1, "REQUEST (init-reboot)" },
    { DHCP4_RENEWING, REQUEST, 0, "REQUEST (unicast)" },
    { DHCP4_PROXY_REQUESTING, REQUEST, 0, "REQUEST (proxyDHCP 4011)" },
};

static const struct step *step_of(enum dhcp4_state s)
{
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i].state == s)
            return &steps[i];
    return NULL;
}

void dhcp4_params_default(struct dhcp4_params *p)
{
    *p = (struct dhcp4_params){
        .rt_initial_ms = 4000, .rt_max_ms = 64000, .rt_jitter_ms = 1000, .max_tries = 5,
        .offer_wait_ms = 500, .probe_wait_ms = 200, .decline_wait_ms = 1000,
    };
}

static void ip4s(char out[NB_IP4_TEXT_MAX], const uint8_t a[4]) { nb_ip4_text(out, NB_IP4_TEXT_MAX, a); }

/* ---- building ------------------------------------------------------------ */

struct opt_writer {
    uint8_t *p;
    size_t cap, len;
    int overflow;
};

static void opt(struct opt_writer *w, uint8_t code, const void *data, size_t len)
{
    if (len > 255 || w->len + 2 + len + 1 > w->cap) { /* keep room for END */
        w->overflow = 1;
        return;
    }
    w->p[w->len++] = code;
    w->p[w->len++] = (uint8_t)len;
    memcpy(w->p + w->len, data, len);
    w->len += len;
}

static const uint8_t zero4[4];

size_t dhcp4_build(const struct dhcp4_client *c, uint8_t type, uint8_t *buf, size_t cap)
{
    if (cap < DHCP4_MIN_LEN + 64)
        return 0;
    memset(buf, 0, DHCP4_MIN_LEN);
    buf[0] = 1; /* BOOTREQUEST */
    buf[1] = 1; /* Ethernet */
    buf[2] = 6;
    put32(buf + 4, c->xid);
    uint64_t secs = (nb_now_us() - c->start_us) / 1000000u;
    put16(buf + 8, (uint16_t)(secs > 0xffff ? 0xffff : secs));
    int unicast = c->state == DHCP4_RENEWING || c->state == DHCP4_PROXY_REQUESTING;
    if (unicast && type == REQUEST)
        memcpy(buf + 12, c->offer.addr, 4); /* ciaddr: we hold the address */
    memcpy(buf + 28, c->id.mac, 6);
    put32(buf + 236, 0x63825363u);

    struct opt_writer w = { buf + DHCP4_MIN_LEN, cap - DHCP4_MIN_LEN, 0, 0 };
    opt(&w, 53, &type, 1);
    if ((type == REQUEST && c->state == DHCP4_REQUESTING) || type == DECLINE)
        opt(&w, 54, c->offer.server_id, 4);
    if ((type == REQUEST && (c->state == DHCP4_REQUESTING || c->state == DHCP4_REBOOTING)) ||
        type == DECLINE)
        opt(&w, 50, c->offer.addr, 4);
    if (type != DECLINE) {
        static const uint8_t prl[] = { 1, 3, 6, 15, 28, 43, 51, 54, 58, 59, 60, 66, 67, 119, 121,
                                       DHCP4_OPT_NEARBOOT };
        uint8_t maxsize[2] = { DHCP4_MAX_MSG >> 8, DHCP4_MAX_MSG & 0xff };
        uint8_t cid[7] = { 1 };
        memcpy(cid + 1, c->id.mac, 6);
        opt(&w, 55, prl, sizeof prl);
        opt(&w, 57, maxsize, 2);
        opt(&w, 61, cid, sizeof cid);
        char vci[40];
        static const char hex[] = "0123456789";
        /* "PXEClient:Arch:00007:UNDI:003016" (RFC 4578 §2.1, PXE 2.1). */
        memcpy(vci, "PXEClient:Arch:", 15);
        unsigned a = c->id.arch;
        for (int i = 4; i >= 0; i--, a /= 10)
            vci[15 + i] = hex[a % 10];
        memcpy(vci + 20, ":UNDI:003016", 12);
        opt(&w, 60, vci, 32);
        uint8_t arch[2] = { (uint8_t)(c->id.arch >> 8), (uint8_t)c->id.arch };
        opt(&w, 93, arch, 2);
        static const uint8_t nii[3] = { 1, 3, 16 }; /* UNDI 3.16 */
        opt(&w, 94, nii, 3);
        if (c->id.have_uuid) {
            uint8_t uuid[17] = { 0 };
            memcpy(uuid + 1, c->id.uuid, 16);
            opt(&w, 97, uuid, sizeof uuid);
        }
        static const uint8_t user_class[] = { 8, 'n', 'e', 'a', 'r', 'b', 'o', 'o', 't' };
        opt(&w, 77, user_class, sizeof user_class); /* RFC 3004 format */
        if (c->state == DHCP4_PROXY_REQUESTING && c->proxy_item) {
            /* PXE boot server discovery: the menu's first item, layer 0 (no
             * menu: no option 43, as EDK2 asks a dnsmasq proxy). */
            uint16_t item = c->proxy_item;
            const uint8_t pxe[7] = { 71, 4, (uint8_t)(item >> 8), (uint8_t)item, 0, 0, 255 };
            opt(&w, 43, pxe, sizeof pxe);
        }
    }
    if (w.overflow)
        return 0;
    w.p[w.len++] = 255;
    size_t len = DHCP4_MIN_LEN + w.len;
    if (len < 300) { /* BOOTP minimum: some relays drop shorter packets */
        memset(buf + len, 0, 300 - len);
        len = 300;
    }
    return len;
}

/* ---- sending and timing --------------------------------------------------- */

static uint32_t next_rt(struct dhcp4_client *c)
{
    uint32_t base = c->rt_ms;
    uint32_t j = c->params.rt_jitter_ms;
    uint32_t rt = base;
    if (j && base > j)
        rt = base - j + nb_random_below(2 * j + 1);
    c->rt_ms = base * 2 > c->params.rt_max_ms ? c->params.rt_max_ms : base * 2;
    return rt;
}

static void send_for_state(struct dhcp4_client *c)
{
    const struct step *s = step_of(c->state);
    uint8_t buf[DHCP4_MAX_MSG];
    if (!s)
        return;
    size_t len = dhcp4_build(c, s->send, buf, sizeof buf);
    struct nb_ip src, dst;
    if (s->broadcast) {
        src = nb_ip4(0, 0, 0, 0);
        dst = nb_ip4(255, 255, 255, 255);
    } else {
        src = nb_ip_from(4, c->offer.addr);
        dst = nb_ip_from(4, c->state == DHCP4_PROXY_REQUESTING ? c->proxy_server : c->unicast_to);
    }
    uint16_t port = c->state == DHCP4_PROXY_REQUESTING ? PXE_PROXY_PORT : DHCP4_SERVER_PORT;
    if (!c->first_tx_us)
        c->first_tx_us = nb_now_us();
    nb_err e = len ? udp_sendto(&c->sock, &src, &dst, port, buf, len) : NB_E_TOO_BIG;
    if (e != NB_OK && e != NB_E_NEIGHBOR_UNREACHABLE)
        nb_warn("dhcp4: %s not sent: %s", s->name, nb_strerror(e));
}

static void enter(struct dhcp4_client *c, enum dhcp4_state s);

static void fail(struct dhcp4_client *c, nb_err e, const char *why)
{
    nb_timer_cancel(&c->timer);
    c->state = DHCP4_FAILED;
    c->error = e;
    nb_snprintf(c->why, sizeof c->why, "%s", why);
}

static void on_timer(struct nb_timer *t)
{
    struct dhcp4_client *c = (struct dhcp4_client *)((uint8_t *)t - offsetof(struct dhcp4_client, timer));
    switch (c->state) {
    case DHCP4_SELECTING:
        if (c->have_offer) { /* offer_wait_ms passed: take the best we have */
            enter(c, DHCP4_REQUESTING);
            return;
        }
        /* fall through */
    case DHCP4_REQUESTING:
    case DHCP4_REBOOTING:
    case DHCP4_RENEWING:
    case DHCP4_PROXY_REQUESTING:
        if (c->tries >= c->params.max_tries || (c->state == DHCP4_PROXY_REQUESTING && c->tries >= 2)) {
            if (c->state == DHCP4_PROXY_REQUESTING) { /* keep the lease, lose the proxy */
                c->state = DHCP4_BOUND;
                return;
            }
            if (c->state == DHCP4_REQUESTING) { /* the server went away: start over */
                enter(c, DHCP4_SELECTING);
                return;
            }
            fail(c, NB_E_TIMEOUT, c->state == DHCP4_SELECTING ? "no OFFER" : "no ACK");
            return;
        }
        c->tries++;
        send_for_state(c);
        nb_timer_arm(&c->timer, (uint64_t)next_rt(c) * 1000u);
        return;
    case DHCP4_PROBING:
        if (arp_conflict_seen(c->offer.addr)) {
            char a[NB_IP4_TEXT_MAX];
            ip4s(a, c->offer.addr);
            nb_warn("dhcp4: %s is already in use on the link (ARP); declining it", a);
            uint8_t buf[DHCP4_MAX_MSG];
            size_t len = dhcp4_build(c, DECLINE, buf, sizeof buf);
            struct nb_ip src = nb_ip4(0, 0, 0, 0), dst = nb_ip4(255, 255, 255, 255);
            if (len)
                udp_sendto(&c->sock, &src, &dst, DHCP4_SERVER_PORT, buf, len);
            c->state = DHCP4_DECLINED;
            nb_timer_arm(&c->timer, (uint64_t)c->params.decline_wait_ms * 1000u);
            return;
        }
        net_ip4_configure(c->offer.addr, c->offer.mask, c->offer.router);
        if (c->proxy_needs_4011 && !c->offer.bootfile[0]) {
            enter(c, DHCP4_PROXY_REQUESTING);
            return;
        }
        c->state = DHCP4_BOUND;
        return;
    case DHCP4_DECLINED:
        enter(c, DHCP4_SELECTING);
        return;
    default:
        return;
    }
}

static void enter(struct dhcp4_client *c, enum dhcp4_state s)
{
    c->state = s;
    c->tries = 1;
    c->rt_ms = c->params.rt_initial_ms;
    if (s == DHCP4_SELECTING) {
        c->xid = nb_random_u32();
        c->have_offer = c->offer_has_boot = c->have_proxy = 0;
        c->proxy_needs_4011 = 0;
        c->proxy_item = 0;
        memset(&c->offer, 0, sizeof c->offer);
    } else if (s == DHCP4_PROXY_REQUESTING) {
        c->xid = nb_random_u32();
        c->rt_ms = 1000; /* best effort: the lease is ours already, do not wait long */
    }
    send_for_state(c);
    nb_timer_arm(&c->timer, (uint64_t)next_rt(c) * 1000u);
}

/* ---- receiving ------------------------------------------------------------- */

static int has_boot_info(const struct dhcp4_msg *m)
{
    return (m->have & (DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_SITES)) != 0;
}

static void lease_from(struct dhcp4_lease *l, const struct dhcp4_msg *m)
{
    memcpy(l->addr, m->yiaddr, 4);
    memcpy(l->mask, m->mask, 4);
    memcpy(l->router, m->router, 4);
    memcpy(l->server_id, m->server_id, 4);
    memcpy(l->next_server, m->siaddr, 4);
    memcpy(l->dns, m->dns, sizeof l->dns);
    l->ndns = m->ndns;
    l->lease_s = m->lease_s;
    l->t1_s = (m->have & DHCP4_HAVE_T1) ? m->t1_s : m->lease_s / 2;
    l->t2_s = (m->have & DHCP4_HAVE_T2) ? m->t2_s : m->lease_s / 8 * 7;
    memcpy(l->bootfile, m->bootfile, sizeof l->bootfile);
    memcpy(l->tftp_server, m->tftp_server, sizeof l->tftp_server);
    memcpy(l->domain, m->domain, sizeof l->domain);
    memcpy(l->sites, m->sites, sizeof l->sites);
    l->nsites = m->nsites;
    if (!(m->have & DHCP4_HAVE_MASK)) { /* RFC 1122: guess by class is obsolete; use /24 */
        static const uint8_t m24[4] = { 255, 255, 255, 0 };
        memcpy(l->mask, m24, 4);
    }
}

static void take_proxy(struct dhcp4_client *c, const struct dhcp4_msg *m, const struct nb_ip *src)
{
    c->have_proxy = 1;
    memcpy(c->proxy_server, (m->have & DHCP4_HAVE_SERVER_ID) ? m->server_id : src->a, 4);
    if (m->have & DHCP4_HAVE_BOOTFILE) {
        memcpy(c->proxy_bootfile, m->bootfile, sizeof c->proxy_bootfile);
        return;
    }
    /* PXE 2.1: a proxy offer without a boot file means "ask me on port 4011",
     * for the first item of its boot menu if it has one (else the bootstrap
     * server, type 0). */
    c->proxy_needs_4011 = 1;
    c->proxy_item = (m->have & DHCP4_HAVE_PXE_VENDOR) && m->pxe.has_boot_menu ? m->pxe.first_item_type : 0;
}

static void on_offer(struct dhcp4_client *c, const struct dhcp4_msg *m, const struct nb_ip *src)
{
    static const uint8_t zero[4];
    if (memcmp(m->yiaddr, zero, 4) == 0) {
        if (m->have & DHCP4_HAVE_PXECLIENT)
            take_proxy(c, m, src); /* proxyDHCP: boot info without an address */
        if (c->have_offer && c->proxy_bootfile[0])
            enter(c, DHCP4_REQUESTING); /* the address came first: now boot info is known too */
        return;
    }
    if (!(m->have & DHCP4_HAVE_SERVER_ID))
        return; /* RFC 2131: an OFFER must name its server */
    if (m->have & DHCP4_HAVE_PXECLIENT && !has_boot_info(m))
        take_proxy(c, m, src); /* a DHCP server that is also the PXE server */
    int better = !c->have_offer || (has_boot_info(m) && !c->offer_has_boot);
    if (better) {
        lease_from(&c->offer, m);
        c->have_offer = 1;
        c->offer_has_boot = has_boot_info(m);
    }
    if (c->offer_has_boot || c->proxy_bootfile[0])
        enter(c, DHCP4_REQUESTING); /* boot information known: no reason to wait */
    else if (better)
        nb_timer_arm(&c->timer, (uint64_t)c->params.offer_wait_ms * 1000u);
}

static void on_ack(struct dhcp4_client *c, const struct dhcp4_msg *m, const uint8_t *raw, size_t len)
{
    struct dhcp4_lease l = { 0 };
    lease_from(&l, m);
    if (!l.bootfile[0] && c->offer.bootfile[0] && memcmp(l.addr, c->offer.addr, 4) == 0)
        memcpy(l.bootfile, c->offer.bootfile, sizeof l.bootfile);
    if (!l.nsites && c->offer.nsites) {
        memcpy(l.sites, c->offer.sites, sizeof l.sites);
        l.nsites = c->offer.nsites;
    }
    if (!l.bootfile[0] && c->proxy_bootfile[0]) {
        memcpy(l.bootfile, c->proxy_bootfile, sizeof l.bootfile);
        l.boot_from_proxy = 1;
        memcpy(l.proxy_server, c->proxy_server, 4);
    }
    l.obtained_us = nb_now_us();
    l.ack_len = len < sizeof l.ack ? len : sizeof l.ack;
    memcpy(l.ack, raw, l.ack_len);
    c->offer = l;
    c->state = DHCP4_PROBING;
    arp_probe(l.addr);
    nb_timer_arm(&c->timer, (uint64_t)c->params.probe_wait_ms * 1000u);
}

static void on_proxy_ack(struct dhcp4_client *c, const struct dhcp4_msg *m)
{
    if (m->have & DHCP4_HAVE_BOOTFILE) {
        memcpy(c->offer.bootfile, m->bootfile, sizeof c->offer.bootfile);
        c->offer.boot_from_proxy = 1;
        memcpy(c->offer.proxy_server, c->proxy_server, 4);
    }
    nb_timer_cancel(&c->timer);
    c->state = DHCP4_BOUND;
}

static void on_packet(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                      const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    struct dhcp4_client *c = s->ctx;
    static struct dhcp4_msg m; /* large: keep it off the firmware stack */
    (void)dst;
    if (sport != DHCP4_SERVER_PORT && sport != PXE_PROXY_PORT)
        return;
    if (dhcp4_parse(data, len, &m) != NB_OK || m.op != 2 || m.xid != c->xid ||
        memcmp(m.chaddr, c->id.mac, 6) != 0 || !(m.have & DHCP4_HAVE_MSGTYPE))
        return;
    switch (c->state) {
    case DHCP4_SELECTING:
        if (m.msg_type == OFFER)
            on_offer(c, &m, src);
        break;
    case DHCP4_REQUESTING:
    case DHCP4_REBOOTING:
    case DHCP4_RENEWING:
        if (c->state == DHCP4_REQUESTING && m.msg_type == OFFER) {
            if (memcmp(m.yiaddr, zero4, 4) == 0 && (m.have & DHCP4_HAVE_PXECLIENT))
                take_proxy(c, &m, src); /* a late proxyDHCP offer still counts */
            break;
        }
        if (m.msg_type == ACK) {
            if (c->state == DHCP4_REQUESTING && memcmp(m.server_id, c->offer.server_id, 4) != 0)
                break; /* an ACK from a server we did not choose */
            on_ack(c, &m, data, len);
        } else if (m.msg_type == NAK) {
            char a[NB_IP4_TEXT_MAX];
            ip4s(a, m.server_id);
            nb_warn("dhcp4: NAK from %s", a);
            if (c->state == DHCP4_REQUESTING)
                enter(c, DHCP4_SELECTING);
            else
                fail(c, NB_E_DHCP_NAK, "NAK");
        }
        break;
    case DHCP4_PROXY_REQUESTING:
        if (m.msg_type == ACK)
            on_proxy_ack(c, &m);
        break;
    default:
        break;
    }
}

/* ---- API ------------------------------------------------------------------- */

static nb_err begin(struct dhcp4_client *c, const struct dhcp4_ident *id, const struct dhcp4_params *p)
{
    memset(c, 0, sizeof *c);
    c->id = *id;
    if (p)
        c->params = *p;
    else
        dhcp4_params_default(&c->params);
    if (!c->params.rt_initial_ms || !c->params.max_tries)
        return NB_E_INVALID;
    nb_timer_init(&c->timer, on_timer);
    c->start_us = nb_now_us();
    return udp_open(&c->sock, 4, DHCP4_CLIENT_PORT, on_packet, c);
}

nb_err dhcp4_start(struct dhcp4_client *c, const struct dhcp4_ident *id, const struct dhcp4_params *p)
{
    nb_err e = begin(c, id, p);
    if (e == NB_OK)
        enter(c, DHCP4_SELECTING);
    return e;
}

nb_err dhcp4_start_reboot(struct dhcp4_client *c, const struct dhcp4_ident *id,
                          const struct dhcp4_params *p, const struct dhcp4_lease *known)
{
    nb_err e = begin(c, id, p);
    if (e != NB_OK)
        return e;
    c->offer = *known;
    c->have_offer = 1;
    c->xid = nb_random_u32();
    enter(c, DHCP4_REBOOTING);
    return NB_OK;
}

nb_err dhcp4_start_unicast(struct dhcp4_client *c, const struct dhcp4_ident *id,
                           const struct dhcp4_params *p, const struct dhcp4_lease *known,
                           const uint8_t server[4])
{
    nb_err e = begin(c, id, p);
    if (e != NB_OK)
        return e;
    c->offer = *known;
    c->have_offer = 1;
    memcpy(c->unicast_to, server, 4);
    c->xid = nb_random_u32();
    enter(c, DHCP4_RENEWING);
    return NB_OK;
}

int dhcp4_done(const struct dhcp4_client *c)
{
    return c->state == DHCP4_BOUND || c->state == DHCP4_FAILED;
}

void dhcp4_stop(struct dhcp4_client *c)
{
    nb_timer_cancel(&c->timer);
    udp_close(&c->sock);
    if (c->state != DHCP4_BOUND)
        c->state = DHCP4_FAILED;
}

nb_err dhcp4_result(const struct dhcp4_client *c, struct dhcp4_lease *out)
{
    if (c->state != DHCP4_BOUND)
        return c->error != NB_OK ? c->error : NB_E_TIMEOUT;
    *out = c->offer;
    return NB_OK;
}
