/* nb-probe commands: serve, ping. */
#include "platform/host/probe/probe.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/log.h"
#include "net/addr.h"
#include "net/ip4.h"
#include "net/stack.h"
#include <stdio.h>
#include <stdlib.h>

int probe_cmd_serve(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    unsigned secs = (unsigned)strtoul(argv[1], NULL, 10);
    nb_say("probe: serving for %u s", secs);
    probe_serve_ms(secs * 1000u);
    return 0;
}

struct echo_wait {
    uint16_t id, seq;
};

static int echo_done(void *ctx)
{
    struct echo_wait *w = ctx;
    return icmp4_echo_answered(w->id, w->seq) != 0;
}

int probe_cmd_ping(int argc, char **argv)
{
    struct nb_ip dst;
    if (argc < 2 || !nb_ip_parse(argv[1], &dst))
        return 2;
    unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3;
    if (dst.family != 4) {
        nb_say("probe: ping over IPv6 is the 'ping6' command");
        return 2;
    }
    struct echo_wait w = { (uint16_t)nb_random_u32(), 0 };
    unsigned answered = 0;
    for (unsigned i = 0; i < count; i++) {
        w.seq = (uint16_t)(i + 1);
        uint64_t start = nb_now_us();
        nb_err e = icmp4_echo_send(dst.a, w.id, w.seq, 56);
        if (e == NB_OK)
            e = net_run_until(echo_done, &w, start + 2000000u);
        if (e == NB_OK) {
            uint64_t rtt = icmp4_echo_answered(w.id, w.seq);
            answered++;
            nb_say("probe: ping %s seq %u rtt %u.%03u ms", argv[1], w.seq, (unsigned)(rtt / 1000),
                   (unsigned)(rtt % 1000));
        } else {
            nb_say("probe: ping %s seq %u: %s", argv[1], w.seq, nb_strerror(e));
        }
        /* pace at ~100 ms between requests, serving the stack meanwhile */
        probe_serve_ms(100);
    }
    nb_say("probe: ping %s: %u/%u answered", argv[1], answered, count);
    return answered == count ? 0 : 1;
}
