/*
 * The plain TCP transport (boot/xport.h over net/tcp.h). The caller owns the
 * struct and the buffers, which must outlive the connection (a closed
 * connection lingers in FIN_WAIT/TIME_WAIT; opening again aborts it).
 */
#ifndef NB_XPORT_TCP_H
#define NB_XPORT_TCP_H
#include <stddef.h>
#include <stdint.h>
#include "boot/xport.h"
#include "net/tcp.h"

struct nb_xport_tcp {
    struct nb_xport base;
    struct tcp_conn conn;
    struct tcp_params params;
    uint8_t *rx, *tx;
    size_t rxcap, txcap;
    int used; /* conn was set up by tcp_connect at least once */
};

/* params NULL: tcp_params_default. */
void nb_xport_tcp_init(struct nb_xport_tcp *t, uint8_t *rx, size_t rxcap, uint8_t *tx,
                       size_t txcap, const struct tcp_params *params);

#endif
