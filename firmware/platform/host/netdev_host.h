/* Host network devices: a TAP device (created or attached by name) or an
 * existing interface through an AF_PACKET socket. */
#ifndef NB_NETDEV_HOST_H
#define NB_NETDEV_HOST_H
#include "core/err.h"
#include "net/netdev.h"

/* spec: "tap:NAME" or "if:NAME" (a bare name means tap). mac NULL: the
 * interface's own for if:, a random locally administered one for tap:. */
nb_err host_netdev_open(struct netdev *dev, const char *spec, const uint8_t *mac);
void host_netdev_close(struct netdev *dev);

#endif
