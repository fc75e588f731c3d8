/*
 * UDP (RFC 768), both families. Checksums are always sent and always
 * checked; a zero checksum is refused on IPv6 (RFC 8200 §8.1). Ephemeral
 * ports come from the DRBG.
 */
#ifndef NB_UDP_H
#define NB_UDP_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "net/addr.h"

struct udp_sock;
typedef void (*udp_rx_fn)(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                          const struct nb_ip *dst, const uint8_t *data, size_t len);

struct udp_sock {
    struct udp_sock *next;
    uint16_t lport;
    uint8_t family;       /* 4, 6, or 0 for both */
    udp_rx_fn rx;
    void *ctx;            /* the owner's state */
    nb_err icmp_error;    /* last ICMP error reported for this socket */
};

/* lport 0: a random free port in 49152..65535. */
nb_err udp_open(struct udp_sock *s, uint8_t family, uint16_t lport, udp_rx_fn rx, void *ctx);
void udp_close(struct udp_sock *s);
/* src NULL: the stack's source address for dst. DHCPv4 passes 0.0.0.0 and
 * 255.255.255.255 explicitly. */
nb_err udp_sendto(struct udp_sock *s, const struct nb_ip *src, const struct nb_ip *dst,
                  uint16_t dport, const void *data, size_t len);

#endif
