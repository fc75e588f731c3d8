/* nb-probe's command table. Each command lives in its own probe_*.c file;
 * add new ones here. */
#include "platform/host/probe/probe.h"

int probe_cmd_serve(int argc, char **argv);
int probe_cmd_ping(int argc, char **argv);
int probe_cmd_dhcp4(int argc, char **argv);
int probe_cmd_dhcp6(int argc, char **argv);
int probe_cmd_resolve(int argc, char **argv);
int probe_cmd_tftp(int argc, char **argv);
int probe_cmd_ip6_up(int argc, char **argv);
int probe_cmd_ping6(int argc, char **argv);
int probe_cmd_connect(int argc, char **argv);
int probe_cmd_get(int argc, char **argv);
int probe_cmd_put(int argc, char **argv);

const struct probe_cmd probe_cmds[] = {
    { "serve", "SECONDS            run the stack (answer ARP, ping, NDP)", probe_cmd_serve },
    { "ping", "ADDR [COUNT]        ICMP echo; prints each RTT", probe_cmd_ping },
    { "resolve", "NAME [a|aaaa|both] [MS]  DNS A/AAAA lookup (--dns servers)", probe_cmd_resolve },
    { "dhcp4", "[--timeout S] [--rt MS] [--tries N]  DHCPv4 DISCOVER..ACK; prints the lease", probe_cmd_dhcp4 },
    { "dhcp6", "[--stateless|--stateful] [--timeout S] [--uuid U] [--no-rapid-commit] [--max-delay MS] [--irt MS] [--mrt MS] [--ra-wait MS] [--no-apply]  DHCPv6 (follows the RA M/O flags unless forced); prints the lease", probe_cmd_dhcp6 },
    { "ip6-up", "[SECONDS] [ll|global]  wait for IPv6 (DAD, SLAAC); prints addresses, router, DNS", probe_cmd_ip6_up },
    { "ping6", "ADDR [COUNT]       ICMPv6 echo; prints each RTT", probe_cmd_ping6 },
    { "connect", "ADDR PORT [MS]    TCP connect; prints ok/refused/timeout and the time", probe_cmd_connect },
    { "get", "URL [--out F] [--offset N] [--if-range V] [--max B] [--timeout S] [--idle S] [--rxbuf KIB] [--tls-timeout MS]  HTTP(S) GET (boot/http, boot/xport_tls: redirects, resume, keep-alive); sha256", probe_cmd_get },
    { "tftp", "SERVER FILE [--blksize N] [--windowsize N] [--out F] [...]  TFTP read; sha256", probe_cmd_tftp },
    { "put", "ADDR PORT BYTES    send BYTES over TCP to a sink that answers \"COUNT SHA256\"", probe_cmd_put },
    { 0, 0, 0 },
};
