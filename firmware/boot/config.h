/*
 * The embedded configuration: what an operator sets in a released image
 * (with the nearboot-config host tool, before Secure Boot signing) instead
 * of rebuilding it. Every field has an RFC-sane default; the blob only
 * carries what differs. The blob format is a sealed TLV record (core/tlv.h)
 * in the image's .nbcfg section; see docs/config.md.
 */
#ifndef NB_CONFIG_H
#define NB_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "net/addr.h"

#define NB_CFG_MAX_SITES 8u
#define NB_CFG_URL_MAX 256u
#define NB_CFG_MAX_FALLBACK 4u
#define NB_CFG_BLOB_SIZE 16384u /* the .nbcfg section: room for CA bundles */

enum nb_family_pref { NB_FAM_RACE, NB_FAM_V6_FIRST, NB_FAM_V4_FIRST, NB_FAM_V4_ONLY, NB_FAM_V6_ONLY };

struct nb_site {
    char url[NB_CFG_URL_MAX];   /* https://host[:port]/base/ */
    uint8_t weight;             /* 0..255, higher preferred on a tie */
    uint8_t anycast;            /* the address is anycast (informational) */
};

struct nb_config {
    /* Where to boot from. */
    struct nb_site sites[NB_CFG_MAX_SITES];
    unsigned nsites;
    /* Hard-coded DHCP servers (anycast or unicast) for when broadcast DHCP
     * gets no answer, and boot servers for when DHCP says nothing useful. */
    struct nb_ip dhcp_servers[NB_CFG_MAX_FALLBACK];
    unsigned ndhcp_servers;
    struct nb_ip boot_servers[NB_CFG_MAX_FALLBACK];
    unsigned nboot_servers;
    enum nb_family_pref family;
    /* Timeouts, milliseconds. */
    uint32_t dhcp_timeout_ms;     /* broadcast DHCP before the fallbacks start */
    uint32_t connect_timeout_ms;
    uint32_t tls_timeout_ms;
    uint32_t idle_timeout_ms;     /* a transfer with no progress for this long fails over */
    uint32_t overall_timeout_ms;  /* the whole boot attempt, before backoff and restart */
    uint32_t race_stagger_ms;     /* RFC 8305 connection attempt delay */
    uint32_t min_release_serial;  /* anti-rollback floor */
    uint8_t verbosity;            /* 0 quiet, 1 normal, 2 verbose */
    /* Trust anchors (DER or PEM bundles). */
    const uint8_t *tls_ca;
    size_t tls_ca_len;
    const uint8_t *code_ca;
    size_t code_ca_len;
};

void nb_config_default(struct nb_config *c);
/* Decode a blob over the defaults; a bad blob is refused as a whole
 * (NB_E_CONFIG_INVALID, *why names the field), an absent one (no record
 * magic) is NB_E_NOT_FOUND. The CA pointers point into blob. */
nb_err nb_config_decode(const uint8_t *blob, size_t len, struct nb_config *c, char *why,
                        size_t why_size);
/* The blob for c (only what differs from the defaults); 0 if it does not fit. */
size_t nb_config_encode(const struct nb_config *c, uint8_t *buf, size_t cap);
const char *nb_family_name(enum nb_family_pref f);

/* The section an image carries: an 8-byte marker, then the record, then
 * zeros up to NB_CFG_BLOB_SIZE. The marker lets the host tool check it found
 * the right bytes. */
#define NB_CFG_SECTION ".nbcfg"
#define NB_CFG_MARKER "NBCFGSEC"
#define NB_CFG_MARKER_LEN 8u

#endif
