/*
 * nb-link: the lab's impaired layer-2 link.
 *
 * Joins two endpoints (a TAP device it creates/attaches, or an existing
 * interface through an AF_PACKET socket) and forwards Ethernet frames between
 * them, applying per-direction impairments: blackhole, loss, duplication,
 * rate limit (token bucket + bounded FIFO, tail drop), delay with jitter, and
 * reordering. Settings change at run time through a UNIX seqpacket control
 * socket; the same binary is the control client (`nb-link ctl SOCK ...`).
 *
 * One thread, one ppoll() loop, a binary heap of frames keyed by release time
 * on CLOCK_MONOTONIC. Both endpoint kinds carry a virtio_net_hdr in front of
 * each frame (PACKET_VNET_HDR / IFF_VNET_HDR), so checksum-offloaded and GSO
 * frames pass through intact instead of arriving with bad checksums or being
 * rejected as larger than the MTU.
 *
 * See docs/link.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#define VNET_HDR_LEN   ((int)sizeof(struct virtio_net_hdr))   /* 10 */
#define RXBUF_LEN      (VNET_HDR_LEN + 4 + 262144)  /* vnet hdr + VLAN room + frame */
#define RX_BATCH       64          /* frames read per endpoint per wakeup */
#define BYTE_CAP       (64u << 20) /* hard cap of bytes in flight per direction */
#define MAX_CLIENTS    8
#define CTL_MSG_MAX    4096
#define NS_PER_MS      1000000LL
#define NS_PER_S       1000000000LL

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */

static const char *prog = "nb-link";

static void logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Append to a bounded text buffer. */
struct sbuf { char *p; size_t len, cap; };

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->len >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = (size_t)n >= b->cap - b->len ? b->cap - 1 : b->len + (size_t)n;
}

/* ------------------------------------------------------------------------ */
/* PRNG: splitmix64 (one independent stream per direction)                  */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double rnd01(uint64_t *s)
{
    return (double)(splitmix64(s) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------------------ */
/* settings, counters, frames                                               */

struct settings {
    int64_t delay_ns;
    int64_t jitter_ns;
    int64_t reorder_gap_ns;
    double loss;        /* percent */
    double dup;         /* percent */
    double reorder;     /* percent */
    uint64_t rate;      /* bits/s, 0 = unlimited */
    uint64_t burst;     /* bytes, 0 = automatic */
    uint32_t qlen;      /* rate queue bound, frames */
    uint32_t limit;     /* frames in flight in this direction, all stages */
    int blackhole;
};

static const struct settings default_settings = {
    .reorder_gap_ns = 10 * NS_PER_MS,
    .qlen = 100,
    .limit = 10000,
};

struct counters {
    uint64_t rx, rx_bytes, tx, tx_bytes;
    uint64_t dup, reordered;
    uint64_t drop_blackhole, drop_loss, drop_queue, drop_limit;
    uint64_t drop_txerr, drop_oversize;
    uint64_t gso;       /* frames that carried a GSO super-frame */
    uint64_t max_len;   /* largest frame seen, bytes (without vnet header) */
};

struct frame {
    int64_t t;              /* release time (heap key) */
    uint64_t seq;           /* tie break: FIFO among equal times */
    struct frame *next;     /* rate queue link */
    double ujit;            /* jitter draw in [0,1), taken at receive */
    uint32_t len;           /* bytes in data[], including the vnet header */
    uint8_t dir;
    uint8_t reo;            /* chosen for reordering */
    unsigned char data[];
};

enum ep_kind { EP_TAP, EP_IF };

struct endpoint {
    enum ep_kind kind;
    char name[IFNAMSIZ];
    int fd;
    int ifindex;
    const char *label;      /* "a" or "b" */
};

struct direction {
    const char *name;       /* "a2b" / "b2a" */
    struct endpoint *in, *out;
    struct settings s;
    struct counters c;
    uint64_t prng;
    /* rate stage */
    struct frame *qhead, *qtail;
    uint32_t qframes;
    uint64_t qbytes;
    double tokens;          /* bytes */
    int64_t tok_t;
    /* delay stage */
    int64_t last_release;   /* FIFO watermark for non-reordered frames */
    uint32_t inflight;      /* frames in rate queue + heap */
    uint64_t inflight_bytes;
    int last_txerr;
};

static struct endpoint ep[2];
static struct direction dirs[2];
static uint64_t seed;
static uint64_t frame_seq;
static int64_t start_ns;

/* ------------------------------------------------------------------------ */
/* timer queue: binary min-heap of frames by (t, seq)                       */

static struct frame **heap;
static size_t heap_n, heap_cap;

static bool heap_less(const struct frame *x, const struct frame *y)
{
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static bool heap_push(struct frame *f)
{
    if (heap_n == heap_cap) {
        size_t nc = heap_cap ? heap_cap * 2 : 1024;
        struct frame **nh = realloc(heap, nc * sizeof(*nh));
        if (!nh)
            return false;
        heap = nh;
        heap_cap = nc;
    }
    size_t i = heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(f, heap[p]))
            break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = f;
    return true;
}

static struct frame *heap_pop(void)
{
    struct frame *top = heap[0];
    struct frame *last = heap[--heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct frame *mv = last;
        if (l < heap_n && heap_less(heap[l], mv)) { m = l; mv = heap[l]; }
        if (r < heap_n && heap_less(heap[r], mv)) { m = r; }
        if (m == i)
            break;
        heap[i] = heap[m];
        i = m;
    }
    if (heap_n)
        heap[i] = last;
    return top;
}

/* ------------------------------------------------------------------------ */
/* settings parser (shared by the command line and the control socket)      */

static bool parse_double(const char *v, double *out, const char **rest)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || d != d)
        return false;
    *out = d;
    *rest = end;
    return true;
}

/* time in ms by default; suffixes us, ms, s */
static bool parse_time_ns(const char *v, int64_t *out)
{
    double d;
    const char *r;
    if (!parse_double(v, &d, &r))
        return false;
    double mul = 1e6;
    if (!strcmp(r, "") || !strcmp(r, "ms")) mul = 1e6;
    else if (!strcmp(r, "us")) mul = 1e3;
    else if (!strcmp(r, "s")) mul = 1e9;
    else return false;
    d *= mul;
    if (d < 0 || d > 600e9)
        return false;
    *out = (int64_t)(d + 0.5);
    return true;
}

static bool parse_percent(const char *v, double *out)
{
    double d;
    const char *r;
    if (!parse_double(v, &d, &r) || (*r && strcmp(r, "%")) || d < 0 || d > 100)
        return false;
    *out = d;
    return true;
}

/* decimal SI suffixes k, M, G (case-insensitive); optional "bit"/"bps" */
static bool parse_scaled(const char *v, double max, uint64_t *out)
{
    double d;
    const char *r;
    if (!parse_double(v, &d, &r))
        return false;
    if (*r == 'k' || *r == 'K') { d *= 1e3; r++; }
    else if (*r == 'm' || *r == 'M') { d *= 1e6; r++; }
    else if (*r == 'g' || *r == 'G') { d *= 1e9; r++; }
    if (*r && strcasecmp(r, "bit") && strcasecmp(r, "bps") && strcasecmp(r, "b"))
        return false;
    if (d < 0 || d > max)
        return false;
    *out = (uint64_t)(d + 0.5);
    return true;
}

static bool parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"))
        *out = 1;
    else if (!strcmp(v, "0") || !strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcasecmp(v, "no"))
        *out = 0;
    else
        return false;
    return true;
}

/*
 * Apply "key=value key=value ..." to *s. Whitespace-separated (commas also
 * accepted). On error, writes a message to err and returns false; *s may be
 * partially modified, so callers parse into a copy.
 */
static bool parse_settings(const char *spec, struct settings *s, char *err, size_t errlen)
{
    char buf[CTL_MSG_MAX];
    if (strlen(spec) >= sizeof(buf)) {
        snprintf(err, errlen, "settings too long");
        return false;
    }
    strcpy(buf, spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t\r\n,", &save); tok; tok = strtok_r(NULL, " \t\r\n,", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "expected key=value, got '%s'", tok);
            return false;
        }
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        bool ok;
        uint64_t u = 0;
        if (!strcmp(k, "delay"))
            ok = parse_time_ns(v, &s->delay_ns);
        else if (!strcmp(k, "jitter"))
            ok = parse_time_ns(v, &s->jitter_ns);
        else if (!strcmp(k, "reorder_gap"))
            ok = parse_time_ns(v, &s->reorder_gap_ns);
        else if (!strcmp(k, "loss"))
            ok = parse_percent(v, &s->loss);
        else if (!strcmp(k, "dup"))
            ok = parse_percent(v, &s->dup);
        else if (!strcmp(k, "reorder"))
            ok = parse_percent(v, &s->reorder);
        else if (!strcmp(k, "rate"))
            ok = parse_scaled(v, 1e12, &s->rate);
        else if (!strcmp(k, "burst"))
            ok = parse_scaled(v, (double)BYTE_CAP, &s->burst);
        else if (!strcmp(k, "qlen")) {
            ok = parse_scaled(v, 1e6, &u) && u >= 1;
            if (ok) s->qlen = (uint32_t)u;
        } else if (!strcmp(k, "limit")) {
            ok = parse_scaled(v, 1e6, &u) && u >= 1;
            if (ok) s->limit = (uint32_t)u;
        } else if (!strcmp(k, "blackhole"))
            ok = parse_bool(v, &s->blackhole);
        else {
            snprintf(err, errlen, "unknown setting '%s' (delay jitter loss dup reorder reorder_gap "
                     "rate burst qlen limit blackhole)", k);
            return false;
        }
        if (!ok) {
            snprintf(err, errlen, "bad value for %s: '%s'", k, v);
            return false;
        }
    }
    return true;
}

static uint64_t effective_burst(const struct settings *s)
{
    if (s->burst)
        return s->burst;
    uint64_t b = s->rate / 8 / 200;     /* 5 ms worth */
    return b < 3028 ? 3028 : b;         /* at least two full-size frames */
}

/* ------------------------------------------------------------------------ */
/* endpoints                                                                */

static void set_up(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        die("SIOCGIFFLAGS %s: %s", name, strerror(errno));
    if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            die("bringing %s up: %s", name, strerror(errno));
    }
    close(s);
}

static bool is_up(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
    if (s >= 0)
        close(s);
    return up;
}

static void parse_endpoint(const char *spec, struct endpoint *e)
{
    const char *name;
    if (!strncmp(spec, "tap:", 4)) {
        e->kind = EP_TAP;
        name = spec + 4;
    } else if (!strncmp(spec, "if:", 3)) {
        e->kind = EP_IF;
        name = spec + 3;
    } else {
        die("endpoint '%s': expected tap:NAME or if:NAME", spec);
    }
    if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') || strchr(name, ' '))
        die("endpoint '%s': bad interface name", spec);
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->fd = -1;
}

static void open_tap(struct endpoint *e)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die("open /dev/net/tun: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", e->name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        die("TUNSETIFF %s: %s", e->name, strerror(errno));
    int hl = VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hl) < 0)
        die("TUNSETVNETHDRSZ %s: %s", e->name, strerror(errno));
    snprintf(e->name, sizeof(e->name), "%s", ifr.ifr_name);
    e->fd = fd;
    e->ifindex = (int)if_nametoindex(e->name);
    set_up(e->name);
}

static void open_if(struct endpoint *e)
{
    e->ifindex = (int)if_nametoindex(e->name);
    if (!e->ifindex)
        die("interface %s: %s", e->name, strerror(errno));
    /* protocol 0: receive nothing until bound to the interface */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket(AF_PACKET): %s", strerror(errno));
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
        die("PACKET_VNET_HDR: %s", strerror(errno));
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
        die("PACKET_AUXDATA: %s", strerror(errno));
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
        die("PACKET_IGNORE_OUTGOING: %s", strerror(errno));
    int sz = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = e->ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        die("bind AF_PACKET to %s: %s", e->name, strerror(errno));
    struct packet_mreq mr;
    memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = e->ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
        die("promiscuous mode on %s: %s", e->name, strerror(errno));
    if (!is_up(e->name))
        logmsg("warning: %s is down; frames flow once it is up", e->name);
    e->fd = fd;
}

static const char *kind_str(const struct endpoint *e)
{
    return e->kind == EP_TAP ? "tap" : "if";
}

/* ------------------------------------------------------------------------ */
/* pipeline                                                                 */

static void frame_done(struct direction *d, struct frame *f)
{
    d->inflight--;
    d->inflight_bytes -= f->len;
    free(f);
}

static void transmit(struct direction *d, struct frame *f)
{
    uint32_t wire = f->len - VNET_HDR_LEN;
    if (d->s.blackhole) {               /* link cut while the frame was in flight */
        d->c.drop_blackhole++;
    } else {
        ssize_t n = write(d->out->fd, f->data, f->len);
        if (n == (ssize_t)f->len) {
            d->c.tx++;
            d->c.tx_bytes += wire;
        } else {
            d->c.drop_txerr++;
            d->last_txerr = n < 0 ? errno : EMSGSIZE;
        }
    }
    frame_done(d, f);
}

/* Delay stage: schedule the frame's release at t0 + delay ± jitter. */
static void delay_stage(struct direction *d, struct frame *f, int64_t t0)
{
    const struct settings *s = &d->s;
    int64_t t = t0 + s->delay_ns;
    if (s->jitter_ns)
        t += (int64_t)((2.0 * f->ujit - 1.0) * (double)s->jitter_ns);
    if (t < t0)
        t = t0;
    if (f->reo) {
        /* held back; frames behind it may pass; does not move the watermark */
        t += s->reorder_gap_ns;
        d->c.reordered++;
    } else {
        /* jitter alone never reorders: a frame leaves no earlier than the last one */
        if (t < d->last_release)
            t = d->last_release;
        d->last_release = t;
    }
    f->t = t;
    f->seq = frame_seq++;
    if (!heap_push(f)) {
        d->c.drop_limit++;
        frame_done(d, f);
    }
}

/* Bytes the head of the queue needs before it may leave. */
static double head_need(const struct direction *d)
{
    return (double)(d->qhead->len - VNET_HDR_LEN);
}

/*
 * The bucket holds up to `burst` bytes, or, while a frame larger than that
 * waits at the head, up to that frame's size: a frame leaves once all of its
 * bytes have been paid for at the configured rate, so a 64 KiB GSO frame
 * takes as long as the segments it stands for would.
 */
static double bucket_cap(const struct direction *d)
{
    double cap = (double)effective_burst(&d->s);
    if (d->qhead && head_need(d) > cap)
        cap = head_need(d);
    return cap;
}

static void tokens_refill(struct direction *d, int64_t now)
{
    if (now > d->tok_t) {
        d->tokens += (double)(now - d->tok_t) * (double)d->s.rate / 8e9;
        double cap = bucket_cap(d);
        if (d->tokens > cap)
            d->tokens = cap;
    }
    d->tok_t = now;
}

/* Move frames whose tokens are available from the rate queue to the delay stage. */
static void rate_service(struct direction *d, int64_t now)
{
    if (!d->qhead)
        return;
    if (!d->s.rate) {                   /* limit removed: flush */
        while (d->qhead) {
            struct frame *f = d->qhead;
            d->qhead = f->next;
            d->qframes--;
            d->qbytes -= f->len;
            delay_stage(d, f, now);
        }
        d->qtail = NULL;
        return;
    }
    tokens_refill(d, now);
    while (d->qhead) {
        struct frame *f = d->qhead;
        double need = head_need(d);
        if (d->tokens < need)
            break;
        d->tokens -= need;
        d->qhead = f->next;
        if (!d->qhead)
            d->qtail = NULL;
        d->qframes--;
        d->qbytes -= f->len;
        delay_stage(d, f, now);
    }
}

/* When the rate queue head may next leave; INT64_MAX if none. */
static int64_t rate_next(const struct direction *d)
{
    if (!d->qhead)
        return INT64_MAX;
    if (!d->s.rate)
        return d->tok_t;
    double missing = head_need(d) - d->tokens;
    if (missing <= 0)
        return d->tok_t;
    double wait = missing * 8e9 / (double)d->s.rate;
    return d->tok_t + (int64_t)wait + 1;
}

static void enqueue_copy(struct direction *d, struct frame *f, int64_t now)
{
    if (d->inflight >= d->s.limit || d->inflight_bytes + f->len > BYTE_CAP) {
        d->c.drop_limit++;
        free(f);
        return;
    }
    if (d->s.rate && d->qframes >= d->s.qlen) {
        d->c.drop_queue++;
        free(f);
        return;
    }
    d->inflight++;
    d->inflight_bytes += f->len;
    if (d->s.rate) {
        if (!d->qhead)
            tokens_refill(d, now);      /* idle bucket fills up to the burst */
        f->next = NULL;
        if (d->qtail)
            d->qtail->next = f;
        else
            d->qhead = f;
        d->qtail = f;
        d->qframes++;
        d->qbytes += f->len;
        rate_service(d, now);
    } else {
        delay_stage(d, f, now);
    }
}

/* A frame arrived on d->in; buf holds vnet header + frame. */
static void ingress(struct direction *d, const unsigned char *buf, uint32_t len, int64_t now)
{
    uint32_t wire = len - VNET_HDR_LEN;
    d->c.rx++;
    d->c.rx_bytes += wire;
    if (wire > d->c.max_len)
        d->c.max_len = wire;
    if (((const struct virtio_net_hdr *)buf)->gso_type != VIRTIO_NET_HDR_GSO_NONE)
        d->c.gso++;

    /* Fixed draw order per received frame, so a seed reproduces decisions. */
    double r_loss = rnd01(&d->prng) * 100.0;
    double r_dup = rnd01(&d->prng) * 100.0;

    if (d->s.blackhole) {
        d->c.drop_blackhole++;
        return;
    }
    if (r_loss < d->s.loss) {
        d->c.drop_loss++;
        return;
    }
    int copies = r_dup < d->s.dup ? 2 : 1;
    if (copies == 2)
        d->c.dup++;
    for (int i = 0; i < copies; i++) {
        double r_reo = rnd01(&d->prng) * 100.0;
        double r_jit = rnd01(&d->prng);
        struct frame *f = malloc(sizeof(*f) + len);
        if (!f) {
            d->c.drop_limit++;
            continue;
        }
        memcpy(f->data, buf, len);
        f->len = len;
        f->dir = (uint8_t)(d - dirs);
        f->ujit = r_jit;
        f->reo = r_reo < d->s.reorder;
        f->next = NULL;
        enqueue_copy(d, f, now);
    }
}

static unsigned char *rxbuf;

/* Read one frame from e into rxbuf; returns length incl. vnet header, 0 if
 * nothing to read, -1 if the frame was dropped (oversize), -2 on error. */
static ssize_t ep_read(struct endpoint *e, struct direction *d)
{
    if (e->kind == EP_TAP) {
        ssize_t n = read(e->fd, rxbuf, RXBUF_LEN);
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -2;
        if (n <= VNET_HDR_LEN)
            return -1;
        return n;
    }
    /* AF_PACKET: leave 4 bytes after the vnet header to reinsert a VLAN tag */
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; } cbuf;
    struct iovec iov[2] = {
        { .iov_base = rxbuf, .iov_len = VNET_HDR_LEN },
        { .iov_base = rxbuf + VNET_HDR_LEN + 4, .iov_len = RXBUF_LEN - VNET_HDR_LEN - 4 },
    };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
                         .msg_control = &cbuf, .msg_controllen = sizeof(cbuf) };
    ssize_t n = recvmsg(e->fd, &mh, MSG_TRUNC);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -2;
    if (n > RXBUF_LEN - 4 || (mh.msg_flags & MSG_TRUNC)) {
        d->c.rx++;
        d->c.drop_oversize++;
        return -1;
    }
    if (n < VNET_HDR_LEN + ETH_HLEN)
        return -1;
    unsigned char *fr = rxbuf + VNET_HDR_LEN + 4;
    size_t flen = (size_t)n - VNET_HDR_LEN;
    struct tpacket_auxdata *aux = NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
            aux = (struct tpacket_auxdata *)CMSG_DATA(c);
    if (aux && (aux->tp_status & TP_STATUS_VLAN_VALID) && aux->tp_vlan_tci) {
        /* the kernel took the tag out of the data (VLAN offload): put it back */
        uint16_t tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux->tp_vlan_tpid : ETH_P_8021Q;
        fr -= 4;
        memmove(fr, fr + 4, 12);
        fr[12] = (unsigned char)(tpid >> 8);
        fr[13] = (unsigned char)tpid;
        fr[14] = (unsigned char)(aux->tp_vlan_tci >> 8);
        fr[15] = (unsigned char)aux->tp_vlan_tci;
        flen += 4;
        struct virtio_net_hdr *vh = (struct virtio_net_hdr *)rxbuf;
        if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
            vh->csum_start = (uint16_t)(vh->csum_start + 4);
        if (vh->hdr_len)
            vh->hdr_len = (uint16_t)(vh->hdr_len + 4);
    }
    if (fr != rxbuf + VNET_HDR_LEN)
        memmove(rxbuf + VNET_HDR_LEN, fr, flen);
    /* DATA_VALID is a receive-side hint; do not carry it to transmit */
    ((struct virtio_net_hdr *)rxbuf)->flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
    return (ssize_t)(VNET_HDR_LEN + flen);
}

/* Drain up to RX_BATCH frames from endpoint i. Returns false if it failed hard. */
static bool ep_service(int i, int64_t now)
{
    struct endpoint *e = &ep[i];
    struct direction *d = &dirs[i];     /* a feeds a2b, b feeds b2a */
    for (int k = 0; k < RX_BATCH; k++) {
        ssize_t n = ep_read(e, d);
        if (n == 0)
            return true;
        if (n == -1)
            continue;
        if (n == -2) {
            int err = errno;
            if (err == ENETDOWN || err == ENXIO || err == ENODEV || err == EIO || err == EBADFD) {
                if (e->kind == EP_IF && (int)if_nametoindex(e->name) == e->ifindex)
                    return true;        /* down for now; resumes when it comes back */
                logmsg("endpoint %s (%s:%s) is gone: %s", e->label, kind_str(e), e->name, strerror(err));
                return false;
            }
            logmsg("read %s:%s: %s", kind_str(e), e->name, strerror(err));
            return true;
        }
        ingress(d, rxbuf, (uint32_t)n, now);
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* control                                                                  */

static void fmt_ms(struct sbuf *b, const char *k, int64_t ns)
{
    if (ns % NS_PER_MS == 0)
        sb_printf(b, " %s=%" PRId64, k, ns / NS_PER_MS);
    else
        sb_printf(b, " %s=%.3f", k, (double)ns / 1e6);
}

static void show(struct sbuf *b)
{
    sb_printf(b, "seed=%" PRIu64 " uptime=%.3f a=%s:%s b=%s:%s\n", seed,
              (double)(now_ns() - start_ns) / 1e9,
              kind_str(&ep[0]), ep[0].name, kind_str(&ep[1]), ep[1].name);
    for (int i = 0; i < 2; i++) {
        const struct direction *d = &dirs[i];
        const struct settings *s = &d->s;
        sb_printf(b, "%s settings", d->name);
        fmt_ms(b, "delay", s->delay_ns);
        fmt_ms(b, "jitter", s->jitter_ns);
        sb_printf(b, " loss=%g dup=%g reorder=%g", s->loss, s->dup, s->reorder);
        fmt_ms(b, "reorder_gap", s->reorder_gap_ns);
        sb_printf(b, " rate=%" PRIu64 " burst=%" PRIu64 " qlen=%" PRIu32 " limit=%" PRIu32
                  " blackhole=%d\n", s->rate, effective_burst(s), s->qlen, s->limit, s->blackhole);
    }
    for (int i = 0; i < 2; i++) {
        const struct direction *d = &dirs[i];
        const struct counters *c = &d->c;
        sb_printf(b, "%s counters rx=%" PRIu64 " rx_bytes=%" PRIu64 " tx=%" PRIu64 " tx_bytes=%" PRIu64
                  " dup=%" PRIu64 " reordered=%" PRIu64 " gso=%" PRIu64 " max_len=%" PRIu64 "\n",
                  d->name, c->rx, c->rx_bytes, c->tx, c->tx_bytes, c->dup, c->reordered,
                  c->gso, c->max_len);
        sb_printf(b, "%s drops blackhole=%" PRIu64 " loss=%" PRIu64 " queue=%" PRIu64
                  " limit=%" PRIu64 " txerr=%" PRIu64 " oversize=%" PRIu64 "%s%s\n",
                  d->name, c->drop_blackhole, c->drop_loss, c->drop_queue, c->drop_limit,
                  c->drop_txerr, c->drop_oversize,
                  d->last_txerr ? " last_txerr=" : "", d->last_txerr ? strerror(d->last_txerr) : "");
        sb_printf(b, "%s now queued=%" PRIu32 " queued_bytes=%" PRIu64 " inflight=%" PRIu32 "\n",
                  d->name, d->qframes, d->qbytes - (uint64_t)d->qframes * VNET_HDR_LEN, d->inflight);
    }
}

static void apply_settings(struct direction *d, const struct settings *ns, int64_t now)
{
    if (d->s.rate)
        tokens_refill(d, now);          /* account the old rate up to now */
    bool was_limited = d->s.rate != 0;
    d->s = *ns;
    if (!was_limited && d->s.rate) {
        d->tok_t = now;
        d->tokens = (double)effective_burst(&d->s);
    }
    double cap = bucket_cap(d);
    if (d->tokens > cap)
        d->tokens = cap;
    d->tok_t = now;
    rate_service(d, now);               /* flushes the queue if the limit was removed */
}

/* Handle one control request; writes the reply into b. */
static void ctl_handle(char *req, struct sbuf *b)
{
    char *save = NULL;
    char *cmd = strtok_r(req, " \t\r\n", &save);
    if (!cmd) {
        sb_printf(b, "error: empty request\n");
        return;
    }
    if (!strcmp(cmd, "show")) {
        show(b);
        return;
    }
    if (!strcmp(cmd, "reset")) {
        for (int i = 0; i < 2; i++) {
            memset(&dirs[i].c, 0, sizeof(dirs[i].c));
            dirs[i].last_txerr = 0;
        }
        sb_printf(b, "ok\n");
        return;
    }
    if (!strcmp(cmd, "set")) {
        char *which = strtok_r(NULL, " \t\r\n", &save);
        int lo, hi;
        if (which && !strcmp(which, "a2b")) lo = hi = 0;
        else if (which && !strcmp(which, "b2a")) lo = hi = 1;
        else if (which && !strcmp(which, "both")) { lo = 0; hi = 1; }
        else {
            sb_printf(b, "error: set needs a direction: a2b, b2a or both\n");
            return;
        }
        const char *rest = save ? save : "";
        struct settings ns[2];
        char err[256];
        for (int i = lo; i <= hi; i++) {
            ns[i] = dirs[i].s;
            if (!parse_settings(rest, &ns[i], err, sizeof(err))) {
                sb_printf(b, "error: %s\n", err);
                return;
            }
        }
        int64_t now = now_ns();
        for (int i = lo; i <= hi; i++)
            apply_settings(&dirs[i], &ns[i], now);
        sb_printf(b, "ok\n");
        return;
    }
    if (!strcmp(cmd, "help")) {
        sb_printf(b, "commands: show | reset | set a2b|b2a|both key=value...\n"
                     "keys: delay jitter reorder_gap (ms; us/ms/s suffix) loss dup reorder (%%) "
                     "rate (bit/s; k/M/G) burst (bytes) qlen limit (frames) blackhole (0/1)\n");
        return;
    }
    sb_printf(b, "error: unknown command '%s' (show, reset, set, help)\n", cmd);
}

static int ctl_listen(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path))
        die("control socket path too long: %s", path);
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            die("%s exists and is not a socket", path);
        /* refuse to steal a live instance's socket */
        int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            die("%s is in use by a running instance", path);
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket(AF_UNIX): %s", strerror(errno));
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0)
        die("bind %s: %s", path, strerror(errno));
    if (listen(fd, 8) < 0)
        die("listen %s: %s", path, strerror(errno));
    return fd;
}

static int ctl_client(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ctl SOCK show|reset|help|set a2b|b2a|both key=value...\n", prog);
        return 2;
    }
    char req[CTL_MSG_MAX];
    size_t len = 0;
    for (int i = 1; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (len + l + 2 > sizeof(req)) {
            fprintf(stderr, "%s: request too long\n", prog);
            return 2;
        }
        if (len)
            req[len++] = ' ';
        memcpy(req + len, argv[i], l);
        len += l;
    }
    req[len] = '\0';
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(argv[0]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "%s: socket path too long\n", prog);
        return 2;
    }
    strcpy(sa.sun_path, argv[0]);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "%s: connect %s: %s\n", prog, argv[0], strerror(errno));
        return 2;
    }
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (send(fd, req, len, 0) < 0) {
        fprintf(stderr, "%s: send: %s\n", prog, strerror(errno));
        return 2;
    }
    static char reply[65536];
    ssize_t n = recv(fd, reply, sizeof(reply) - 1, 0);
    if (n <= 0) {
        fprintf(stderr, "%s: no reply: %s\n", prog, n < 0 ? strerror(errno) : "connection closed");
        return 2;
    }
    reply[n] = '\0';
    close(fd);
    bool err = !strncmp(reply, "error", 5);
    fputs(reply, err ? stderr : stdout);
    return err ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */

static void usage(FILE *to)
{
    fprintf(to,
        "usage: %s --a tap:NAME|if:NAME --b tap:NAME|if:NAME [--ctl PATH] [--pidfile PATH]\n"
        "               [--seed N] [--a2b 'key=value ...'] [--b2a '...'] [--both '...']\n"
        "       %s ctl PATH show | reset | help | set a2b|b2a|both key=value ...\n"
        "keys: delay=MS jitter=MS loss=PCT dup=PCT reorder=PCT reorder_gap=MS\n"
        "      rate=BITS/S[k|M|G] burst=BYTES qlen=FRAMES limit=FRAMES blackhole=0|1\n",
        prog, prog);
}

static const char *pidfile_path, *ctl_path;

static void cleanup_files(void)
{
    if (ctl_path)
        unlink(ctl_path);
    if (pidfile_path) {
        FILE *f = fopen(pidfile_path, "r");
        long p = 0;
        if (f) {
            if (fscanf(f, "%ld", &p) != 1)
                p = 0;
            fclose(f);
        }
        if (p == (long)getpid())
            unlink(pidfile_path);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "ctl"))
        return ctl_client(argc - 2, argv + 2);

    const char *spec_a = NULL, *spec_b = NULL;
    const char *init[3] = { NULL, NULL, NULL };     /* a2b, b2a, both */
    bool have_seed = false;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            die("option %s needs a value (or unknown option)", o);
        }
        const char *v = argv[++i];
        if (!strcmp(o, "--a")) spec_a = v;
        else if (!strcmp(o, "--b")) spec_b = v;
        else if (!strcmp(o, "--ctl")) ctl_path = v;
        else if (!strcmp(o, "--pidfile")) pidfile_path = v;
        else if (!strcmp(o, "--a2b")) init[0] = v;
        else if (!strcmp(o, "--b2a")) init[1] = v;
        else if (!strcmp(o, "--both")) init[2] = v;
        else if (!strcmp(o, "--seed")) {
            char *end;
            errno = 0;
            seed = strtoull(v, &end, 0);
            if (errno || *end || end == v)
                die("bad --seed '%s'", v);
            have_seed = true;
        } else {
            usage(stderr);
            die("unknown option %s", o);
        }
    }
    if (!spec_a || !spec_b) {
        usage(stderr);
        die("--a and --b are required");
    }
    parse_endpoint(spec_a, &ep[0]);
    parse_endpoint(spec_b, &ep[1]);
    ep[0].label = "a";
    ep[1].label = "b";
    if (!strcmp(ep[0].name, ep[1].name))
        die("--a and --b name the same interface");

    start_ns = now_ns();
    if (!have_seed)
        seed = (uint64_t)start_ns ^ ((uint64_t)getpid() << 32);
    for (int i = 0; i < 2; i++) {
        struct direction *d = &dirs[i];
        d->name = i == 0 ? "a2b" : "b2a";
        d->in = &ep[i];
        d->out = &ep[1 - i];
        d->s = default_settings;
        /* --both first, then the direction's own settings override it */
        char err[256];
        if (init[2] && !parse_settings(init[2], &d->s, err, sizeof(err)))
            die("--both: %s", err);
        if (init[i] && !parse_settings(init[i], &d->s, err, sizeof(err)))
            die("--%s: %s", d->name, err);
        uint64_t sm = seed ^ (i ? 0xb2ab2ab2ab2ab2a1ULL : 0xa2ba2ba2ba2ba2b1ULL);
        d->prng = splitmix64(&sm);
        d->tok_t = start_ns;
        d->tokens = (double)effective_burst(&d->s);
    }

    rxbuf = malloc(RXBUF_LEN);
    if (!rxbuf)
        die("out of memory");

    /* signals: delivered through a signalfd so the loop handles them in order */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        die("sigprocmask: %s", strerror(errno));
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0)
        die("signalfd: %s", strerror(errno));

    for (int i = 0; i < 2; i++) {
        if (ep[i].kind == EP_TAP)
            open_tap(&ep[i]);
        else
            open_if(&ep[i]);
    }
    int lfd = ctl_path ? ctl_listen(ctl_path) : -1;
    atexit(cleanup_files);

    if (pidfile_path) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile_path);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0 || rename(tmp, pidfile_path) < 0)
            die("writing pidfile %s: %s", pidfile_path, strerror(errno));
    }
    logmsg("running: a=%s:%s b=%s:%s seed=%" PRIu64 "%s%s", kind_str(&ep[0]), ep[0].name,
           kind_str(&ep[1]), ep[1].name, seed, ctl_path ? " ctl=" : "", ctl_path ? ctl_path : "");

    int clients[MAX_CLIENTS];
    int nclients = 0;
    static char req[CTL_MSG_MAX + 1];
    static char replybuf[16384];
    int exit_code = 0;

    for (;;) {
        int64_t now = now_ns();
        for (int i = 0; i < 2; i++)
            rate_service(&dirs[i], now);
        while (heap_n && heap[0]->t <= now) {
            struct frame *f = heap_pop();
            transmit(&dirs[f->dir], f);
        }

        int64_t next = INT64_MAX;
        if (heap_n)
            next = heap[0]->t;
        for (int i = 0; i < 2; i++) {
            int64_t r = rate_next(&dirs[i]);
            if (r < next)
                next = r;
        }
        struct timespec ts, *tsp = NULL;
        if (next != INT64_MAX) {
            int64_t w = next - now;
            if (w < 0)
                w = 0;
            ts.tv_sec = (time_t)(w / NS_PER_S);
            ts.tv_nsec = (long)(w % NS_PER_S);
            tsp = &ts;
        }

        struct pollfd pfd[4 + MAX_CLIENTS];
        int np = 0;
        pfd[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        pfd[np++] = (struct pollfd){ .fd = ep[0].fd, .events = POLLIN };
        pfd[np++] = (struct pollfd){ .fd = ep[1].fd, .events = POLLIN };
        pfd[np++] = (struct pollfd){ .fd = lfd, .events = POLLIN };   /* -1 is ignored */
        for (int i = 0; i < nclients; i++)
            pfd[np++] = (struct pollfd){ .fd = clients[i], .events = POLLIN };

        int r = ppoll(pfd, (nfds_t)np, tsp, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("ppoll: %s", strerror(errno));
        }
        if (r == 0)
            continue;
        now = now_ns();

        if (pfd[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                logmsg("signal %u, exiting", si.ssi_signo);
                break;
            }
        }
        bool gone = false;
        for (int i = 0; i < 2; i++) {
            short re = pfd[1 + i].revents;
            if (re & (POLLNVAL | POLLHUP)) {
                logmsg("endpoint %s (%s:%s) closed", ep[i].label, kind_str(&ep[i]), ep[i].name);
                gone = true;
                continue;
            }
            if (re & POLLERR) {
                int soerr = 0;
                socklen_t sl = sizeof(soerr);
                if (ep[i].kind == EP_IF)
                    getsockopt(ep[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
                if (ep[i].kind != EP_IF || (int)if_nametoindex(ep[i].name) != ep[i].ifindex) {
                    logmsg("endpoint %s (%s:%s) is gone%s%s", ep[i].label, kind_str(&ep[i]), ep[i].name,
                           soerr ? ": " : "", soerr ? strerror(soerr) : "");
                    gone = true;
                    continue;
                }
            }
            if ((re & POLLIN) && !ep_service(i, now))
                gone = true;
        }
        if (gone) {
            exit_code = 1;
            break;
        }

        /* control: serve readable clients, then accept new ones */
        for (int i = 0; i < nclients; ) {
            short re = pfd[4 + i].revents;
            if (!re) {
                i++;
                continue;
            }
            ssize_t n = recv(clients[i], req, CTL_MSG_MAX, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                i++;
                continue;
            }
            if (n > 0) {
                req[n] = '\0';
                struct sbuf b = { replybuf, 0, sizeof(replybuf) };
                replybuf[0] = '\0';
                ctl_handle(req, &b);
                (void)send(clients[i], replybuf, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
            }
            close(clients[i]);
            clients[i] = clients[--nclients];
            memmove(&pfd[4 + i], &pfd[4 + nclients], sizeof(pfd[0]));
        }
        if (lfd >= 0 && (pfd[3].revents & POLLIN)) {
            for (;;) {
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                    break;
                if (nclients == MAX_CLIENTS) {      /* drop the oldest idle client */
                    close(clients[0]);
                    memmove(clients, clients + 1, sizeof(int) * (MAX_CLIENTS - 1));
                    nclients--;
                }
                clients[nclients++] = c;
            }
        }
    }

    /* orderly shutdown: frames still in flight are discarded */
    while (heap_n) {
        struct frame *f = heap_pop();
        frame_done(&dirs[f->dir], f);
    }
    for (int i = 0; i < 2; i++) {
        while (dirs[i].qhead) {
            struct frame *f = dirs[i].qhead;
            dirs[i].qhead = f->next;
            frame_done(&dirs[i], f);
        }
    }
    free(heap);
    free(rxbuf);
    for (int i = 0; i < nclients; i++)
        close(clients[i]);
    if (lfd >= 0)
        close(lfd);
    for (int i = 0; i < 2; i++)
        close(ep[i].fd);
    close(sfd);
    return exit_code;
}
