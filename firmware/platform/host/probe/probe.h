/*
 * nb-probe: the portable stack as a Linux process, for host integration
 * tests, benchmarks and debugging. Global options set up the interface, then
 * commands run in order, separated by "--":
 *   nb-probe --dev tap:nb0 --ip4 198.18.1.10/24 --gw4 198.18.1.1 -- ping 198.18.1.1 3 -- serve 5
 * Each command prints result lines ("probe: ...") and returns 0 on success;
 * the process exits with the first failing command's status.
 */
#ifndef NB_PROBE_H
#define NB_PROBE_H

struct probe_cmd {
    const char *name;
    const char *usage;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* The command table (probe_cmds.c), ended by a zero entry. */
extern const struct probe_cmd probe_cmds[];

/* Run the stack for ms milliseconds. */
void probe_serve_ms(unsigned ms);

#endif
