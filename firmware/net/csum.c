/* The Internet checksum (net/csum.h). */
#include "net/csum.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t s = sum;
    while (len >= 2) {
        s += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        len -= 2;
    }
    if (len)
        s += (uint32_t)(p[0] << 8);
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t csum_pseudo(const struct nb_ip *src, const struct nb_ip *dst, uint8_t proto, size_t len)
{
    unsigned alen = src->family == 4 ? 4 : 16;
    uint8_t tail[8] = { 0 };
    uint32_t sum = csum_add(0, src->a, alen);
    sum = csum_add(sum, dst->a, alen);
    if (src->family == 4) {
        tail[1] = proto;
        tail[2] = (uint8_t)(len >> 8);
        tail[3] = (uint8_t)len;
        return csum_add(sum, tail, 4);
    }
    tail[0] = (uint8_t)(len >> 24);
    tail[1] = (uint8_t)(len >> 16);
    tail[2] = (uint8_t)(len >> 8);
    tail[3] = (uint8_t)len;
    tail[7] = proto;
    return csum_add(sum, tail, 8);
}

uint16_t csum_transport(const struct nb_ip *src, const struct nb_ip *dst, uint8_t proto,
                        const void *seg, size_t len)
{
    return csum_fold(csum_add(csum_pseudo(src, dst, proto, len), seg, len));
}
