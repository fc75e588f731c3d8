/* Configuration defaults (boot/config.h). The blob decoder is added with
 * the nearboot-config tool. */
#include "boot/config.h"
#include <string.h>

void nb_config_default(struct nb_config *c)
{
    memset(c, 0, sizeof *c);
    c->family = NB_FAM_RACE;
    c->dhcp_timeout_ms = 6000;     /* covers the first two RFC 2131 retransmissions */
    c->connect_timeout_ms = 3000;
    c->tls_timeout_ms = 10000;
    c->idle_timeout_ms = 2000;
    c->overall_timeout_ms = 300000;
    c->race_stagger_ms = 250;      /* RFC 8305 §5 recommends 250 ms */
    c->verbosity = 1;
}
