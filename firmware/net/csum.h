/* The Internet checksum (RFC 1071) and the transport pseudo-headers. */
#ifndef NB_CSUM_H
#define NB_CSUM_H
#include <stddef.h>
#include <stdint.h>
#include "net/addr.h"

/* Running one's-complement sum over bytes (not folded, not inverted). An odd
 * trailing byte is padded with zero; only the last chunk may be odd. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
/* Fold and invert: the value that goes into a header. */
uint16_t csum_fold(uint32_t sum);
/* Sum of the IPv4 or IPv6 pseudo-header for a transport segment. */
uint32_t csum_pseudo(const struct nb_ip *src, const struct nb_ip *dst, uint8_t proto, size_t len);
/* Checksum of a transport segment including its pseudo-header; a received
 * segment is valid when this returns 0. */
uint16_t csum_transport(const struct nb_ip *src, const struct nb_ip *dst, uint8_t proto,
                        const void *seg, size_t len);

#endif
