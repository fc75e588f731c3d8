/* IP addresses of either family, as transports and DNS hand them around. */
#ifndef NB_ADDR_H
#define NB_ADDR_H
#include <stdint.h>
#include <string.h>

struct nb_ip {
    uint8_t family; /* 4 or 6; 0 = unset */
    uint8_t a[16];  /* IPv4 uses a[0..3] */
};

static inline struct nb_ip nb_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct nb_ip ip = { .family = 4, .a = { a, b, c, d } };
    return ip;
}

static inline struct nb_ip nb_ip_from(uint8_t family, const uint8_t *bytes)
{
    struct nb_ip ip = { .family = family };
    memcpy(ip.a, bytes, family == 4 ? 4 : 16);
    return ip;
}

static inline int nb_ip_eq(const struct nb_ip *x, const struct nb_ip *y)
{
    return x->family == y->family && memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

/* Text form (dotted quad or RFC 5952). */
void nb_ip_text(char *out, unsigned size, const struct nb_ip *ip);
/* Parse a literal: "198.18.0.1", "fd00:b007::1" (no brackets). 0 on error. */
int nb_ip_parse(const char *s, struct nb_ip *out);

#endif
