/*
 * Release verification (boot/verify.h): CMS signature, certificate chain,
 * manifest policy, anti-rollback serial in NV, streaming artifact checks.
 *
 * The CMS path. mbedTLS 3.6's PKCS#7 parser takes at most one certificate
 * in a SignedData, while a release signature carries the signer and its
 * intermediate. So a bounded DER walk of our own goes first: it checks the
 * outer structure (ContentInfo of type signedData, detached data content,
 * exactly one SignerInfo, no signed attributes, no CRLs) and cuts out the
 * certificate set. mbedTLS then parses the SignedData without it
 * (mbedtls_pkcs7_parse_der: versions, digest algorithm set, SignerInfo
 * fields, no unsigned attributes, no trailing bytes), and each carried
 * certificate is parsed on its own. The signer certificate is the one whose
 * issuer and serial the SignerInfo names; the others are offered to
 * mbedtls_x509_crt_verify as untrusted intermediates.
 *
 * Validity periods are judged at the caller's time: the verify callback
 * replaces mbedTLS's own expired/future flags (taken from the platform
 * clock) with ones computed from `now`.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* PKCS#7 signer info, x509 times: no accessors */
#include "boot/verify.h"
#include "boot/config.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/tlv.h"
#include "platform/platform.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/pkcs7.h"
#include "mbedtls/platform.h"
#include "mbedtls/x509_crt.h"
#include <string.h>

/* ------------------------------------------------------------ DER walk */

/* One TLV in [*p, end): a low-number tag and a minimal definite length of
 * at most two bytes (everything here is under 64 KiB). */
static int der_next(const uint8_t **p, const uint8_t *end, uint8_t *tag, const uint8_t **val,
                    size_t *len)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return 0;
    uint8_t t = *q++;
    if ((t & 0x1f) == 0x1f)
        return 0;
    size_t l = *q++;
    if (l & 0x80) {
        unsigned nb = l & 0x7f;
        if (nb == 0 || nb > 2 || (size_t)(end - q) < nb)
            return 0;
        l = 0;
        for (unsigned i = 0; i < nb; i++)
            l = l << 8 | *q++;
        if (l < 0x80 || (nb == 2 && l < 0x100))
            return 0;
    }
    if (l > (size_t)(end - q))
        return 0;
    *tag = t;
    *val = q;
    *len = l;
    *p = q + l;
    return 1;
}

static size_t der_hdr_len(size_t len) { return len < 0x80 ? 2 : len < 0x100 ? 3 : 4; }

static size_t der_hdr(uint8_t *out, uint8_t tag, size_t len)
{
    out[0] = tag;
    if (len < 0x80) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len < 0x100) {
        out[1] = 0x81;
        out[2] = (uint8_t)len;
        return 3;
    }
    out[1] = 0x82;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return 4;
}

enum {
    DER_INTEGER = 0x02, DER_OID = 0x06, DER_SEQ = 0x30, DER_SET = 0x31,
    DER_CTX0 = 0xa0, DER_CTX1 = 0xa1, DER_CTX0_PRIM = 0x80,
};

static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };

static const uint8_t oid_sha256[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
/* Signature algorithms a SignerInfo may name: ecdsa-with-SHA256,
 * rsaEncryption and sha256WithRSAEncryption (both PKCS#1 v1.5). */
static const struct { const uint8_t *oid; size_t len; } sig_algs[] = {
    { (const uint8_t *)MBEDTLS_OID_ECDSA_SHA256, MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA256) },
    { (const uint8_t *)MBEDTLS_OID_PKCS1_RSA, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS1_RSA) },
    { (const uint8_t *)MBEDTLS_OID_PKCS1_SHA256, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS1_SHA256) },
};

/* An AlgorithmIdentifier's contents (v[n]) start with this OID. */
static int oid_first(const uint8_t *v, size_t n, const uint8_t *oid, size_t oid_len)
{
    const uint8_t *q = v, *val;
    size_t l;
    uint8_t t;
    return der_next(&q, v + n, &t, &val, &l) && t == DER_OID && l == oid_len &&
           memcmp(val, oid, l) == 0;
}

/* Where the parts of a SignedData sit in the caller's bytes. */
struct cms_layout {
    const uint8_t *oid_tlv;     /* ContentInfo.contentType, whole TLV */
    size_t oid_tlv_len;
    const uint8_t *sd;          /* SignedData contents (inside its SEQUENCE) */
    size_t sd_len;
    const uint8_t *certs_field; /* the [0] certificates TLV inside sd, NULL if absent */
    size_t certs_field_len;
    const uint8_t *cert[NB_SIG_MAX_CERTS];
    size_t cert_len[NB_SIG_MAX_CERTS];
    unsigned ncerts;
};

static nb_err cms_walk(const uint8_t *der, size_t len, struct cms_layout *L)
{
    const uint8_t *p = der, *end = der + len, *v, *q, *qe;
    size_t n;
    uint8_t t;
    memset(L, 0, sizeof *L);
    /* ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT } */
    if (!der_next(&p, end, &t, &v, &n) || t != DER_SEQ || p != end)
        return NB_E_SIG_NOT_SIGNED_DATA;
    const uint8_t *ci_end = v + n;
    p = v;
    L->oid_tlv = p;
    if (!der_next(&p, ci_end, &t, &v, &n) || t != DER_OID || n != sizeof oid_signed_data ||
        memcmp(v, oid_signed_data, n) != 0)
        return NB_E_SIG_NOT_SIGNED_DATA;
    L->oid_tlv_len = (size_t)(p - L->oid_tlv);
    if (!der_next(&p, ci_end, &t, &v, &n) || t != DER_CTX0 || p != ci_end)
        return NB_E_SIG_MALFORMED;
    p = v;
    end = v + n;
    if (!der_next(&p, end, &t, &v, &n) || t != DER_SEQ || p != end)
        return NB_E_SIG_MALFORMED;
    L->sd = v;
    L->sd_len = n;
    p = v;
    end = v + n;
    /* SignedData ::= SEQUENCE { version, digestAlgorithms SET,
     *   encapContentInfo SEQUENCE { eContentType OID [eContent] },
     *   [0] certificates, [1] crls, signerInfos SET } */
    if (!der_next(&p, end, &t, &v, &n) || t != DER_INTEGER)
        return NB_E_SIG_MALFORMED;
    if (!der_next(&p, end, &t, &v, &n) || t != DER_SET)
        return NB_E_SIG_MALFORMED;
    if (!der_next(&p, end, &t, &v, &n) || t != DER_SEQ)
        return NB_E_SIG_MALFORMED;
    q = v;
    qe = v + n;
    const uint8_t *iv;
    size_t in;
    if (!der_next(&q, qe, &t, &iv, &in) || t != DER_OID)
        return NB_E_SIG_MALFORMED;
    if (q != qe)
        return NB_E_SIG_NOT_DETACHED;
    if (p < end && *p == DER_CTX0) {
        L->certs_field = p;
        if (!der_next(&p, end, &t, &v, &n))
            return NB_E_SIG_MALFORMED;
        L->certs_field_len = (size_t)(p - L->certs_field);
        q = v;
        qe = v + n;
        while (q < qe) {
            const uint8_t *c = q;
            if (!der_next(&q, qe, &t, &iv, &in) || t != DER_SEQ)
                return NB_E_SIG_CERT_PARSE; /* not a plain X.509 certificate */
            if (L->ncerts == NB_SIG_MAX_CERTS)
                return NB_E_SIG_TOO_MANY_CERTS;
            L->cert[L->ncerts] = c;
            L->cert_len[L->ncerts++] = (size_t)(q - c);
        }
    }
    if (p < end && *p == DER_CTX1)
        return NB_E_SIG_MALFORMED; /* CRLs */
    if (!der_next(&p, end, &t, &v, &n) || t != DER_SET || p != end)
        return NB_E_SIG_MALFORMED;
    q = v;
    qe = v + n;
    const uint8_t *si = NULL;
    size_t si_len = 0;
    unsigned nsigners = 0;
    while (q < qe) {
        if (!der_next(&q, qe, &t, &iv, &in) || t != DER_SEQ)
            return NB_E_SIG_MALFORMED;
        if (nsigners++ == 0) {
            si = iv;
            si_len = in;
        }
    }
    if (nsigners != 1)
        return NB_E_SIG_SIGNER_COUNT;
    /* SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm,
     *   [0] signedAttrs OPTIONAL, signatureAlgorithm, signature, ... } */
    q = si;
    qe = si + si_len;
    if (!der_next(&q, qe, &t, &iv, &in) || t != DER_INTEGER)
        return NB_E_SIG_MALFORMED;
    if (!der_next(&q, qe, &t, &iv, &in) || t != DER_SEQ)
        return NB_E_SIG_MALFORMED; /* also a subjectKeyIdentifier sid ([0]) */
    if (!der_next(&q, qe, &t, &iv, &in) || t != DER_SEQ)
        return NB_E_SIG_MALFORMED;
    if (!oid_first(iv, in, oid_sha256, sizeof oid_sha256))
        return NB_E_SIG_ALGORITHM;
    if (q < qe && *q == DER_CTX0)
        return NB_E_SIG_SIGNED_ATTRS;
    if (!der_next(&q, qe, &t, &iv, &in) || t != DER_SEQ)
        return NB_E_SIG_MALFORMED;
    for (unsigned i = 0; i < sizeof sig_algs / sizeof sig_algs[0]; i++)
        if (oid_first(iv, in, sig_algs[i].oid, sig_algs[i].len))
            return NB_OK;
    return NB_E_SIG_ALGORITHM; /* RSA-PSS, other digests, other key types */
}

/* The same SignedData without its certificate set, for mbedtls_pkcs7_parse_der. */
static size_t cms_without_certs(const struct cms_layout *L, uint8_t *out)
{
    size_t before = L->certs_field ? (size_t)(L->certs_field - L->sd) : L->sd_len;
    size_t after = L->sd_len - before - L->certs_field_len;
    size_t sd_body = before + after;
    size_t sd_tlv = der_hdr_len(sd_body) + sd_body;
    size_t exp_tlv = der_hdr_len(sd_tlv) + sd_tlv;
    size_t ci_body = L->oid_tlv_len + exp_tlv;
    size_t o = der_hdr(out, DER_SEQ, ci_body);
    memcpy(out + o, L->oid_tlv, L->oid_tlv_len);
    o += L->oid_tlv_len;
    o += der_hdr(out + o, DER_CTX0, sd_tlv);
    o += der_hdr(out + o, DER_SEQ, sd_body);
    memcpy(out + o, L->sd, before);
    o += before;
    memcpy(out + o, L->sd + before + L->certs_field_len, after);
    return o + after;
}

/* ------------------------------------------------------------ anchors */

static nb_err load_anchor(mbedtls_x509_crt *a, const uint8_t *p, size_t n, int *ret)
{
    if (!p || n == 0 || n > NB_ANCHOR_MAX_LEN)
        return NB_E_SIG_NO_ANCHOR;
    if (p[0] == DER_SEQ) {
        /* one DER certificate or several back to back */
        const uint8_t *q = p, *e = p + n, *v;
        size_t l;
        uint8_t t;
        while (q < e) {
            const uint8_t *c = q;
            if (!der_next(&q, e, &t, &v, &l) || t != DER_SEQ)
                return NB_E_SIG_NO_ANCHOR;
            if ((*ret = mbedtls_x509_crt_parse_der(a, c, (size_t)(q - c))) != 0)
                return NB_E_SIG_NO_ANCHOR;
        }
        return NB_OK;
    }
    /* PEM: mbedTLS wants the terminating NUL counted. */
    if (p[n - 1] == 0) {
        *ret = mbedtls_x509_crt_parse(a, p, n);
    } else {
        uint8_t *z = mbedtls_calloc(1, n + 1);
        if (!z)
            return NB_E_NO_MEMORY;
        memcpy(z, p, n);
        *ret = mbedtls_x509_crt_parse(a, z, n + 1);
        mbedtls_free(z);
    }
    return *ret == 0 ? NB_OK : NB_E_SIG_NO_ANCHOR;
}

/* ------------------------------------------------------------ chain */

#define MAX_DEPTH (MBEDTLS_X509_MAX_INTERMEDIATE_CA + 2)

struct chain_ctx {
    int64_t now;
    unsigned len;
    uint32_t flags[MAX_DEPTH];
};

static int64_t x509_unix(const mbedtls_x509_time *t)
{
    return nb_unix_from_civil(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* Called for every certificate of the chain mbedTLS built, root first. */
static int chain_cb(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct chain_ctx *c = arg;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (x509_unix(&crt->valid_to) < c->now)
        *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    if (x509_unix(&crt->valid_from) > c->now)
        *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    if (depth >= 0 && depth < MAX_DEPTH) {
        c->flags[depth] = *flags;
        if ((unsigned)depth + 1 > c->len)
            c->len = (unsigned)depth + 1;
    }
    return 0;
}

static const mbedtls_x509_crt_profile code_profile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    2048,
};

static nb_err verify_chain(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchor, int64_t now,
                           struct nb_sig_report *rep)
{
    struct chain_ctx c;
    uint32_t flags = 0;
    memset(&c, 0, sizeof c);
    c.now = now;
    int r = mbedtls_x509_crt_verify_with_profile(chain, anchor, NULL, &code_profile, NULL, &flags,
                                                 chain_cb, &c);
    rep->chain_len = c.len;
    rep->x509_flags = flags;
    if (r != 0 && r != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        rep->mbedtls_ret = r;
        return NB_E_SIG_CHAIN;
    }
    if (r == 0 && flags == 0)
        return NB_OK;
    rep->mbedtls_ret = r;
    /* The most basic finding wins: no trust at all, then time, then the rest. */
    static const struct { uint32_t mask; nb_err err; } order[] = {
        { MBEDTLS_X509_BADCERT_NOT_TRUSTED, NB_E_SIG_UNTRUSTED },
        { MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE, NB_E_SIG_CERT_EXPIRED },
        { 0xffffffffu, NB_E_SIG_CHAIN },
    };
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(flags & order[i].mask))
            continue;
        for (unsigned d = 0; d < c.len; d++)
            if (c.flags[d] & order[i].mask) {
                rep->fail_depth = (int)d;
                break;
            }
        return order[i].err;
    }
    return NB_E_SIG_CHAIN;
}

/* ------------------------------------------------------------ signer */

static int same_buf(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* The codeSigning EKU, present by name: mbedTLS's check alone also passes a
 * certificate with no EKU extension or with anyExtendedKeyUsage. */
static int has_code_signing(const mbedtls_x509_crt *crt)
{
    if (!mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) ||
        mbedtls_x509_crt_check_extended_key_usage(crt, MBEDTLS_OID_CODE_SIGNING,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)) != 0)
        return 0;
    for (const mbedtls_x509_sequence *s = &crt->ext_key_usage; s; s = s->next)
        if (s->buf.tag == MBEDTLS_ASN1_OID && MBEDTLS_OID_CMP(MBEDTLS_OID_CODE_SIGNING, &s->buf) == 0)
            return 1;
    return 0;
}

/* Signature algorithm consistent with the signer's key, and the key's name. */
static nb_err check_key(const mbedtls_x509_crt *crt, const mbedtls_x509_buf *sig_alg,
                        struct nb_sig_report *rep)
{
    mbedtls_pk_type_t type = mbedtls_pk_get_type(&crt->pk);
    size_t bits = mbedtls_pk_get_bitlen(&crt->pk);
    if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
        nb_snprintf(rep->key, sizeof rep->key, "ECDSA P-%u", (unsigned)bits);
        return MBEDTLS_OID_CMP(MBEDTLS_OID_ECDSA_SHA256, sig_alg) == 0 ? NB_OK : NB_E_SIG_ALGORITHM;
    }
    if (type == MBEDTLS_PK_RSA) {
        nb_snprintf(rep->key, sizeof rep->key, "RSA %u", (unsigned)bits);
        return MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS1_RSA, sig_alg) == 0 ||
                       MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS1_SHA256, sig_alg) == 0
                   ? NB_OK
                   : NB_E_SIG_ALGORITHM;
    }
    nb_snprintf(rep->key, sizeof rep->key, "unsupported");
    return NB_E_SIG_ALGORITHM;
}

nb_err nb_verify_signature(const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len,
                           const uint8_t *anchor, size_t anchor_len, int64_t now,
                           struct nb_sig_report *rep)
{
    struct nb_sig_report dummy;
    struct cms_layout L;
    mbedtls_pkcs7 p7;
    mbedtls_x509_crt anchors, chain;
    uint8_t *stripped = NULL;
    uint8_t hash[32];
    nb_err e;
    int r;

    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    rep->fail_depth = -1;
    mbedtls_pkcs7_init(&p7);
    mbedtls_x509_crt_init(&anchors);
    mbedtls_x509_crt_init(&chain);

    if ((e = load_anchor(&anchors, anchor, anchor_len, &rep->mbedtls_ret)) != NB_OK)
        goto out;
    if (sig_len > NB_SIG_MAX_LEN) {
        e = NB_E_SIG_TOO_BIG;
        goto out;
    }
    if (!sig || sig_len == 0 || (!msg && msg_len)) {
        e = NB_E_SIG_NOT_SIGNED_DATA;
        goto out;
    }
    if ((e = cms_walk(sig, sig_len, &L)) != NB_OK)
        goto out;
    rep->ncerts = L.ncerts;

    /* mbedTLS parses the rest, the certificate set cut out. */
    stripped = mbedtls_calloc(1, sig_len);
    if (!stripped) {
        e = NB_E_NO_MEMORY;
        goto out;
    }
    size_t slen = cms_without_certs(&L, stripped);
    r = mbedtls_pkcs7_parse_der(&p7, stripped, slen);
    if (r != MBEDTLS_PKCS7_SIGNED_DATA || p7.signed_data.no_of_signers != 1 ||
        p7.signed_data.no_of_certs != 0) {
        rep->mbedtls_ret = r < 0 ? r : 0;
        e = NB_E_SIG_MALFORMED;
        goto out;
    }
    const mbedtls_pkcs7_signer_info *si = &p7.signed_data.signers;
    mbedtls_md_type_t md;
    if (mbedtls_oid_get_md_alg(&p7.signed_data.digest_alg_identifiers, &md) != 0 ||
        md != MBEDTLS_MD_SHA256) {
        e = NB_E_SIG_ALGORITHM;
        goto out;
    }

    /* The carried certificates; the signer is the one the SignerInfo names. */
    int signer = -1;
    for (unsigned i = 0; i < L.ncerts; i++) {
        mbedtls_x509_crt one;
        mbedtls_x509_crt_init(&one);
        r = mbedtls_x509_crt_parse_der(&one, L.cert[i], L.cert_len[i]);
        if (r == 0 && signer < 0 && same_buf(&one.issuer_raw, &si->issuer_raw) &&
            same_buf(&one.serial, &si->serial))
            signer = (int)i;
        mbedtls_x509_crt_free(&one);
        if (r != 0) {
            rep->mbedtls_ret = r;
            e = NB_E_SIG_CERT_PARSE;
            goto out;
        }
    }
    if (signer < 0) {
        e = NB_E_SIG_NO_SIGNER_CERT;
        goto out;
    }
    /* The chain for mbedTLS: the signer first, then the intermediates. */
    if ((r = mbedtls_x509_crt_parse_der(&chain, L.cert[signer], L.cert_len[signer])) != 0) {
        rep->mbedtls_ret = r;
        e = NB_E_SIG_CERT_PARSE;
        goto out;
    }
    for (unsigned i = 0; i < L.ncerts; i++)
        if ((int)i != signer && (r = mbedtls_x509_crt_parse_der(&chain, L.cert[i], L.cert_len[i])) != 0) {
            rep->mbedtls_ret = r;
            e = NB_E_SIG_CERT_PARSE;
            goto out;
        }
    mbedtls_x509_dn_gets(rep->signer, sizeof rep->signer, &chain.subject);

    /* The signature over the manifest bytes. */
    if ((e = check_key(&chain, &si->sig_alg_identifier, rep)) != NB_OK)
        goto out;
    if ((r = mbedtls_sha256(msg, msg_len, hash, 0)) != 0 ||
        (r = mbedtls_pk_verify(&chain.pk, MBEDTLS_MD_SHA256, hash, sizeof hash, si->sig.p,
                               si->sig.len)) != 0) {
        rep->mbedtls_ret = r;
        e = NB_E_SIG_BAD;
        goto out;
    }
    /* Who signed it: a chain to the root at `now`, and a code-signing key. */
    if ((e = verify_chain(&chain, &anchors, now, rep)) != NB_OK)
        goto out;
    if (!has_code_signing(&chain)) {
        e = NB_E_SIG_NOT_CODESIGNING;
        goto out;
    }
    if (mbedtls_x509_crt_check_key_usage(&chain, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
        e = NB_E_SIG_KEY_USAGE;
        goto out;
    }
    e = NB_OK;
out:
    mbedtls_free(stripped);
    mbedtls_pkcs7_free(&p7);
    mbedtls_x509_crt_free(&anchors);
    mbedtls_x509_crt_free(&chain);
    return e;
}

/* ------------------------------------------------------------ policy */

nb_err nb_release_check_policy(const struct nb_manifest *m, const struct nb_release_policy *pol)
{
    if (pol->now > m->not_after)
        return NB_E_RELEASE_EXPIRED;
    if (m->serial < pol->min_serial)
        return NB_E_RELEASE_BELOW_FLOOR;
    if (m->serial < pol->stored_serial)
        return NB_E_RELEASE_ROLLBACK;
    return NB_OK;
}

void nb_policy_report_text(nb_err e, const struct nb_policy_report *p, char *out, size_t len)
{
    char na[21], now[21];
    switch (e) {
    case NB_E_RELEASE_EXPIRED:
        nb_manifest_time_text(p->not_after, na);
        nb_manifest_time_text(p->now, now);
        nb_snprintf(out, len, "release serial %llu expired at %s; trusted time is %s", (unsigned long long)p->serial,
                    na, now);
        break;
    case NB_E_RELEASE_BELOW_FLOOR:
        nb_snprintf(out, len, "release serial %llu is below the configured floor %llu (min-serial)",
                    (unsigned long long)p->serial, (unsigned long long)p->min_serial);
        break;
    case NB_E_RELEASE_ROLLBACK:
        nb_snprintf(out, len, "release serial %llu is below the highest serial booted here (%llu, NV)",
                    (unsigned long long)p->serial, (unsigned long long)p->stored_serial);
        break;
    default:
        nb_snprintf(out, len, "release serial %llu", (unsigned long long)p->serial);
        break;
    }
}

nb_err nb_release_policy_load(struct nb_release_policy *pol, const struct nb_config *cfg)
{
    memset(pol, 0, sizeof *pol);
    pol->anchor = cfg->code_ca;
    pol->anchor_len = cfg->code_ca_len;
    pol->min_serial = cfg->min_release_serial;
    nb_err e = nb_trusted_time(&pol->now);
    if (e != NB_OK)
        return e;
    return nb_release_stored_serial(&pol->stored_serial);
}

nb_err nb_release_verify(const uint8_t *manifest, size_t manifest_len, const uint8_t *sig,
                         size_t sig_len, const struct nb_release_policy *pol, struct nb_manifest *m,
                         struct nb_release_report *rep)
{
    struct nb_release_report dummy;
    nb_err e;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    rep->sig.fail_depth = -1;
    memset(m, 0, sizeof *m);
    rep->stage = NB_STAGE_MANIFEST;
    if (manifest_len > NB_MANIFEST_MAX_LEN)
        return NB_E_MANIFEST_TOO_BIG;
    rep->stage = NB_STAGE_SIGNATURE;
    e = nb_verify_signature(manifest, manifest_len, sig, sig_len, pol->anchor, pol->anchor_len,
                            pol->now, &rep->sig);
    if (e != NB_OK)
        return e;
    rep->stage = NB_STAGE_MANIFEST;
    e = nb_manifest_parse(manifest, manifest_len, m, &rep->manifest);
    if (e != NB_OK)
        return e;
    rep->stage = NB_STAGE_POLICY;
    rep->policy = (struct nb_policy_report){ .serial = m->serial, .not_after = m->not_after, .now = pol->now,
                                             .min_serial = pol->min_serial, .stored_serial = pol->stored_serial };
    e = nb_release_check_policy(m, pol);
    if (e != NB_OK) {
        memset(m, 0, sizeof *m);
        return e;
    }
    rep->stage = NB_STAGE_DONE;
    return NB_OK;
}

/* ------------------------------------------------------------ NV serial */

static const char nv_magic[4] = { 'N', 'B', 'R', 'S' };
#define NV_VERSION 1
#define NV_TAG_SERIAL 1

nb_err nb_release_stored_serial(uint64_t *serial)
{
    uint8_t buf[64];
    size_t len = sizeof buf;
    struct tlv_reader r;
    uint8_t version, tag;
    const uint8_t *v;
    size_t vlen;
    int k, found = 0;
    uint64_t s = 0;

    *serial = 0;
    nb_err e = plat_nv_get(NB_RELEASE_NV_NAME, buf, &len);
    if (e == NB_E_NOT_FOUND)
        return NB_OK;
    if (e == NB_E_TOO_BIG)
        return NB_E_RELEASE_NV_CORRUPT;
    if (e != NB_OK)
        return e;
    if (tlv_open(&r, buf, len, nv_magic, &version) != NB_OK || version != NV_VERSION)
        return NB_E_RELEASE_NV_CORRUPT;
    while ((k = tlv_next(&r, &tag, &v, &vlen)) == 1) {
        if (tag != NV_TAG_SERIAL)
            continue; /* a newer first stage's field */
        if (found || !tlv_u64(v, vlen, &s))
            return NB_E_RELEASE_NV_CORRUPT;
        found = 1;
    }
    if (k < 0 || !found)
        return NB_E_RELEASE_NV_CORRUPT;
    *serial = s;
    return NB_OK;
}

nb_err nb_release_commit(uint64_t serial)
{
    uint64_t cur, back;
    uint8_t buf[64];
    struct tlv_writer w;
    nb_err e = nb_release_stored_serial(&cur);
    if (e != NB_OK)
        return e;
    if (serial <= cur)
        return NB_OK;
    tlv_begin(&w, buf, sizeof buf);
    tlv_put_u64(&w, NV_TAG_SERIAL, serial);
    size_t len = tlv_seal(&w, nv_magic, NV_VERSION);
    if (len == 0)
        return NB_E_TOO_BIG;
    if ((e = plat_nv_set(NB_RELEASE_NV_NAME, buf, len)) != NB_OK)
        return e;
    if ((e = nb_release_stored_serial(&back)) != NB_OK)
        return e;
    return back == serial ? NB_OK : NB_E_NV;
}

/* ------------------------------------------------------------ artifacts */

void nb_artifact_check_init(struct nb_artifact_check *c, const struct nb_artifact *a)
{
    memset(c, 0, sizeof *c);
    c->size = a->size;
    memcpy(c->want, a->sha256, sizeof c->want);
    mbedtls_sha256_init(&c->sha);
    if (mbedtls_sha256_starts(&c->sha, 0) != 0)
        c->err = NB_E_CRYPTO_SELFTEST;
}

nb_err nb_artifact_check_update(struct nb_artifact_check *c, const void *p, size_t n)
{
    if (c->err != NB_OK || c->done)
        return c->err != NB_OK ? c->err : NB_E_INVALID;
    if (n > c->size - c->got) {
        c->err = NB_E_ARTIFACT_TOO_LONG;
        return c->err;
    }
    if (n && mbedtls_sha256_update(&c->sha, p, n) != 0) {
        c->err = NB_E_CRYPTO_SELFTEST;
        return c->err;
    }
    c->got += n;
    return NB_OK;
}

nb_err nb_artifact_check_final(struct nb_artifact_check *c)
{
    uint8_t d[32];
    if (c->done)
        return c->err;
    c->done = 1;
    if (c->err == NB_OK && c->got != c->size)
        c->err = NB_E_ARTIFACT_TRUNCATED;
    if (c->err == NB_OK && mbedtls_sha256_finish(&c->sha, d) != 0)
        c->err = NB_E_CRYPTO_SELFTEST;
    if (c->err == NB_OK && memcmp(d, c->want, sizeof d) != 0)
        c->err = NB_E_ARTIFACT_SHA256;
    mbedtls_sha256_free(&c->sha);
    return c->err;
}

nb_err nb_artifact_check_buffer(const struct nb_artifact *a, const void *p, size_t n)
{
    struct nb_artifact_check c;
    nb_artifact_check_init(&c, a);
    nb_err e = nb_artifact_check_update(&c, p, n);
    nb_err f = nb_artifact_check_final(&c);
    return e != NB_OK ? e : f;
}
