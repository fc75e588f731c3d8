/*
 * Echo requests in flight and their round-trip times (net/echo.h), shared
 * by ICMPv4 and ICMPv6.
 */
#include "net/echo.h"
#include "core/clock.h"

void echo_ring_sent(struct echo_ring *r, uint16_t id, uint16_t seq)
{
    struct echo_slot *s = &r->slot[r->next++ % ECHO_RING_SLOTS];
    *s = (struct echo_slot){ .id = id, .seq = seq, .sent_us = nb_now_us() };
}

void echo_ring_reply(struct echo_ring *r, uint16_t id, uint16_t seq)
{
    for (unsigned i = 0; i < ECHO_RING_SLOTS; i++) {
        struct echo_slot *s = &r->slot[i];
        if (s->id == id && s->seq == seq && s->sent_us && !s->rtt_us) {
            uint64_t rtt = nb_now_us() - s->sent_us;
            s->rtt_us = rtt ? rtt : 1;
        }
    }
}

uint64_t echo_ring_rtt(const struct echo_ring *r, uint16_t id, uint16_t seq)
{
    for (unsigned i = 0; i < ECHO_RING_SLOTS; i++)
        if (r->slot[i].id == id && r->slot[i].seq == seq && r->slot[i].rtt_us)
            return r->slot[i].rtt_us;
    return 0;
}
