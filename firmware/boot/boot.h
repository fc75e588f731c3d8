/*
 * The boot itself, after the network is up: from the candidate sites to the
 * chain-load of verified bytes.
 *
 *   candidates -> race (nearest first) -> for each site in rank order:
 *     manifest + signature -> verify (signature, syntax, policy) -> artifacts
 *     streamed into memory and checked (size, sha256) while they arrive;
 *     a transfer that stalls or breaks resumes at the same byte offset from
 *     the next site (HTTP Range; the manifest's sha256 is the end-to-end
 *     check, bytes already held are kept)
 *   -> caches updated (last good site, ranking, signed site list, release
 *      serial) -> hand-off record -> chain-load.
 * A site that refuses, times out, fails TLS, answers an HTTP error, serves a
 * manifest that fails verification or an artifact whose hash fails is
 * marked with the reason and the next one is used at once.
 */
#ifndef NB_BOOT_H
#define NB_BOOT_H
#include "boot/config.h"
#include "boot/netup.h"
#include "boot/stage1.h"
#include "core/err.h"

/* One attempt over every candidate. Returns only if nothing could be booted
 * (or, on a platform whose chain-load returns, after handing over: NB_OK). */
nb_err nb_boot_attempt(const struct nb_env *env, const struct nb_config *cfg, const struct nb_netup *net);

/* Jittered exponential backoff before attempt k+1 (1 s doubling to 60 s,
 * each ±50%): a site outage must not turn a rack into a DHCP storm. */
uint32_t nb_boot_backoff_ms(unsigned attempt);

/* A phase line for the boot report ("phase: NAME DUR ms at START s", START
 * on the console's clock): the waterfall is drawn from these. */
void nb_phase(const char *name, uint64_t start_us, uint64_t end_us);

#endif
