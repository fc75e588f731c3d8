/* The list of nearboot error codes with their sentences. Included by
 * core/err.h and core/err.c; add new codes at the end of their group. */
NB_ERR(NB_OK, "success")
/* generic */
NB_ERR(NB_E_INVALID, "invalid argument")
NB_ERR(NB_E_NO_MEMORY, "out of memory")
NB_ERR(NB_E_NOT_FOUND, "not found")
NB_ERR(NB_E_TOO_BIG, "does not fit in the buffer given")
NB_ERR(NB_E_TIMEOUT, "deadline passed with no answer")
NB_ERR(NB_E_UNSUPPORTED, "not supported on this platform")
NB_ERR(NB_E_IO, "platform I/O error")
/* parsers: every byte from the network is hostile */
NB_ERR(NB_E_TRUNCATED, "packet shorter than its header or a length field says")
NB_ERR(NB_E_MALFORMED, "malformed field in packet")
NB_ERR(NB_E_BAD_MAGIC, "wrong magic cookie or protocol identifier")
NB_ERR(NB_E_BAD_OPTION, "option length runs past the end of its container")
/* platform */
NB_ERR(NB_E_CLOCK, "no usable wall clock")
NB_ERR(NB_E_CLOCK_BEFORE_FLOOR, "the real-time clock is earlier than the trusted floor (build time); set the clock")
NB_ERR(NB_E_ENTROPY, "no entropy source delivered enough randomness")
NB_ERR(NB_E_ENTROPY_HEALTH, "entropy source failed its health test")
NB_ERR(NB_E_DRBG_SELFTEST, "DRBG known-answer self-test failed")
NB_ERR(NB_E_DRBG, "DRBG failure")
NB_ERR(NB_E_NV, "NV storage error")
NB_ERR(NB_E_NO_NIC, "no network interface found for the boot device")
NB_ERR(NB_E_NIC_BUSY, "network interface in use by another driver")
/* crypto */
NB_ERR(NB_E_CRYPTO_SELFTEST, "cryptographic power-on self-test failed")
NB_ERR(NB_E_TLS_SETUP, "TLS client could not be set up")
