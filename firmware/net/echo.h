/*
 * Echo requests in flight, for the probe's ping over ICMPv4 and ICMPv6
 * alike: each request we send is remembered by (id, seq) with its send
 * time, and the first matching reply turns that into a round-trip time.
 * A small ring per protocol, sized for a ping's handful of outstanding
 * requests: the newest request takes the oldest slot.
 */
#ifndef NB_NET_ECHO_H
#define NB_NET_ECHO_H
#include <stdint.h>

#define ECHO_RING_SLOTS 8u

struct echo_ring {
    struct echo_slot {
        uint16_t id, seq;
        uint64_t sent_us; /* 0: slot unused */
        uint64_t rtt_us;  /* 0: not answered yet (an answer is at least 1 µs) */
    } slot[ECHO_RING_SLOTS];
    unsigned next;
};

/* A request (id, seq) leaves now. */
void echo_ring_sent(struct echo_ring *r, uint16_t id, uint16_t seq);
/* A reply (id, seq) arrived now: answers the matching request, if any, once. */
void echo_ring_reply(struct echo_ring *r, uint16_t id, uint16_t seq);
/* The round-trip time in µs of request (id, seq), 0 while unanswered or unknown. */
uint64_t echo_ring_rtt(const struct echo_ring *r, uint16_t id, uint16_t seq);

#endif
