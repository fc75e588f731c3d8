/* nb-probe's command table. Each command lives in its own probe_*.c file;
 * add new ones here. */
#include "platform/host/probe/probe.h"

int probe_cmd_serve(int argc, char **argv);
int probe_cmd_ping(int argc, char **argv);
int probe_cmd_dhcp4(int argc, char **argv);
int probe_cmd_resolve(int argc, char **argv);

const struct probe_cmd probe_cmds[] = {
    { "serve", "SECONDS            run the stack (answer ARP, ping, NDP)", probe_cmd_serve },
    { "ping", "ADDR [COUNT]        ICMP echo; prints each RTT", probe_cmd_ping },
    { "resolve", "NAME [a|aaaa|both] [MS]  DNS A/AAAA lookup (--dns servers)", probe_cmd_resolve },
    { "dhcp4", "[--timeout S] [--rt MS] [--tries N]  DHCPv4 DISCOVER..ACK; prints the lease", probe_cmd_dhcp4 },
    { 0, 0, 0 },
};
