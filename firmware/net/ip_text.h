/* Text forms of IP addresses for console lines and logs. */
#ifndef NB_IP_TEXT_H
#define NB_IP_TEXT_H
#include <stddef.h>
#include <stdint.h>

#define NB_IP4_TEXT_MAX 16u
#define NB_IP6_TEXT_MAX 40u

/* Dotted quad. */
void nb_ip4_text(char *out, size_t size, const uint8_t a[4]);
/* RFC 5952 canonical form: lower-case hex, longest run of two or more zero
 * groups shortened to "::" (the first such run on a tie). */
void nb_ip6_text(char *out, size_t size, const uint8_t a[16]);

#endif
