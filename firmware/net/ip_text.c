/* Text forms of IP addresses (net/ip_text.h). */
#include "net/ip_text.h"
#include "core/fmt.h"

void nb_ip4_text(char *out, size_t size, const uint8_t a[4])
{
    nb_snprintf(out, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 text form of an IPv6 address: longest run of 2+ zero groups
 * becomes "::", lower-case hex, no leading zeros. */
void nb_ip6_text(char *out, size_t size, const uint8_t a[16])
{
    uint16_t g[8];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t n = 0;
    if (size)
        out[0] = 0;
    for (int i = 0; i < 8 && n < size; i++) {
        if (i == best) {
            n += (size_t)nb_snprintf(out + n, size - n, "::");
            i += best_len - 1;
            continue;
        }
        int sep = i > 0 && i != best + best_len;
        n += (size_t)nb_snprintf(out + n, size - n, "%s%x", sep ? ":" : "", g[i]);
    }
}
