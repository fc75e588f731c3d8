/*
 * Release verification (docs/manifest.md): the manifest's detached CMS
 * SignedData checked against the code-signing root, then the manifest's
 * syntax, then policy (not-after, serial floors); and the artifacts checked
 * while they stream in.
 *
 * The signature is what `openssl cms -sign -binary -noattr -outform DER`
 * makes (iPXE imgverify's format): SignedData version 1, one SHA-256 digest
 * algorithm, detached data content, the signer's certificate plus any
 * intermediates (at most 4 certificates), exactly one SignerInfo identified
 * by issuer and serial, no signed or unsigned attributes, an ECDSA (P-256,
 * P-384) or RSA PKCS#1 v1.5 (2048 bits and up) signature over SHA-256 of the
 * manifest bytes. The signer must chain to the root at the trusted time,
 * carry the codeSigning extended key usage (explicitly; anyExtendedKeyUsage
 * or no EKU extension is refused) and, if it has a key usage extension,
 * digitalSignature.
 *
 * Time is a parameter, never read behind the caller's back: the first stage
 * passes nb_trusted_time() (a clock below the floor is refused before any of
 * this runs), the host tool the system clock, the tests a fixed instant.
 */
#ifndef NB_VERIFY_H
#define NB_VERIFY_H
#include <stddef.h>
#include <stdint.h>
#include "boot/manifest.h"
#include "core/err.h"
#include "mbedtls/sha256.h"

#define NB_SIG_MAX_LEN 16384u    /* the DER SignedData */
#define NB_SIG_MAX_CERTS 4u      /* certificates it may carry */
#define NB_ANCHOR_MAX_LEN 16384u /* the root bundle (the config blob's size) */
#define NB_RELEASE_NV_NAME "ReleaseSerial"

/* What the signature check found: for the console and nearboot-verify. */
struct nb_sig_report {
    char signer[160];     /* the signer's subject, "" until found */
    char key[24];         /* "ECDSA P-256", "RSA 2048", "" until found */
    unsigned ncerts;      /* certificates the SignedData carries */
    unsigned chain_len;   /* the chain mbedTLS built, the root included; 0 if none */
    int fail_depth;       /* the certificate a chain error is about (0 = signer), -1 none */
    uint32_t x509_flags;  /* mbedTLS verify flags of the chain, every depth or-ed */
    int mbedtls_ret;      /* the mbedTLS error behind a failure, 0 if none */
};

/* The signature over msg[msg_len] by sig (DER) against the anchor (one or
 * more X.509 certificates: concatenated DER, or PEM with or without a
 * terminating NUL) at time now (Unix seconds). NB_OK, or one of
 * NB_E_SIG_*. rep (may be NULL) is filled either way. */
nb_err nb_verify_signature(const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len,
                           const uint8_t *anchor, size_t anchor_len, int64_t now,
                           struct nb_sig_report *rep);

/* Everything a release decision needs besides the bytes. */
struct nb_release_policy {
    const uint8_t *anchor;  /* code-signing root(s) */
    size_t anchor_len;
    int64_t now;            /* trusted time */
    uint64_t min_serial;    /* the embedded configuration's floor */
    uint64_t stored_serial; /* the highest serial booted (NV), 0 if none */
};

struct nb_config;
/* From the embedded configuration (code_ca, min_release_serial), the
 * trusted clock (NB_E_CLOCK_BEFORE_FLOOR or NB_E_CLOCK: refuse, naming the
 * clock) and NV (nb_release_stored_serial's errors). */
nb_err nb_release_policy_load(struct nb_release_policy *pol, const struct nb_config *cfg);

/* Policy on a parsed manifest: NB_E_RELEASE_EXPIRED if now is past
 * not-after, NB_E_RELEASE_BELOW_FLOOR below min_serial,
 * NB_E_RELEASE_ROLLBACK below stored_serial (equal is fine: a machine may
 * boot the same release again). */
nb_err nb_release_check_policy(const struct nb_manifest *m, const struct nb_release_policy *pol);

/* Which step refused a release. */
enum nb_release_stage { NB_STAGE_SIGNATURE = 1, NB_STAGE_MANIFEST, NB_STAGE_POLICY, NB_STAGE_DONE };

/* What a policy refusal compared: the release's own values (the manifest is
 * zeroed on failure, so they are kept here) against the machine's. */
struct nb_policy_report {
    uint64_t serial;      /* the refused release's serial */
    int64_t not_after;    /* and its not-after */
    int64_t now;          /* the trusted time it was judged at */
    uint64_t min_serial;  /* the embedded configuration's floor */
    uint64_t stored_serial; /* the highest serial booted here (NV) */
};

struct nb_release_report {
    enum nb_release_stage stage; /* the step that failed, NB_STAGE_DONE on success */
    struct nb_sig_report sig;
    struct nb_manifest_error manifest;
    struct nb_policy_report policy;
};

/* One operator line for a policy refusal e (NB_E_RELEASE_EXPIRED, _BELOW_FLOOR,
 * _ROLLBACK): the two values compared, e.g. "release serial 41 is below the
 * highest serial booted here (42)". */
void nb_policy_report_text(nb_err e, const struct nb_policy_report *p, char *out, size_t len);

/* The whole decision, in this order: the signature over the exact manifest
 * bytes (nothing of an unsigned manifest is parsed), the manifest's syntax,
 * the policy. On NB_OK *m is the verified manifest; on failure it is zeroed
 * and rep (may be NULL) says where it failed. */
nb_err nb_release_verify(const uint8_t *manifest, size_t manifest_len, const uint8_t *sig,
                         size_t sig_len, const struct nb_release_policy *pol, struct nb_manifest *m,
                         struct nb_release_report *rep);

/* The highest serial this machine booted, from NV (NB_RELEASE_NV_NAME, a
 * sealed record, core/tlv.h): 0 when there is none; NB_E_RELEASE_NV_CORRUPT
 * when there is one that does not open (fail closed: clearing the variable
 * is an operator's decision); NB_E_NV for a platform error. */
nb_err nb_release_stored_serial(uint64_t *serial);

/* After a verified release was handed over (LoadImage succeeded): raise the
 * stored serial to serial. Never lowers it (a lower or equal serial is a
 * no-op, NB_OK). Reads the record back to confirm the write. */
nb_err nb_release_commit(uint64_t serial);

/* Streaming artifact check: feed the bytes in order as they arrive; more
 * than the manifest size is refused at the update that overruns, a short
 * or altered artifact at final. Errors stick: after one, every call
 * returns it. */
struct nb_artifact_check {
    mbedtls_sha256_context sha;
    uint64_t size, got;
    uint8_t want[32];
    nb_err err;
    int done;
};

void nb_artifact_check_init(struct nb_artifact_check *c, const struct nb_artifact *a);
nb_err nb_artifact_check_update(struct nb_artifact_check *c, const void *p, size_t n);
/* NB_OK, NB_E_ARTIFACT_TRUNCATED, NB_E_ARTIFACT_TOO_LONG or
 * NB_E_ARTIFACT_SHA256. Frees the hash state; call it exactly once. */
nb_err nb_artifact_check_final(struct nb_artifact_check *c);
/* The same in one call for bytes already in memory. */
nb_err nb_artifact_check_buffer(const struct nb_artifact *a, const void *p, size_t n);

#endif
