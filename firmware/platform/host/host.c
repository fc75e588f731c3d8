/*
 * The platform as a Linux process: monotonic clock, wall clock, stdout
 * console, getrandom() entropy, and an NV store kept as one file per
 * variable in a directory. Used by the unit tests, the fuzzers and the host
 * tools; the network device lives in its own file.
 */
#include "platform/platform.h"
#include "platform/host/host.h"
#include "mbedtls/platform.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *capture_buf;
static size_t capture_size;
static char nv_dir[512];
static int64_t fake_wallclock;
static const uint8_t *fake_entropy;
static size_t fake_entropy_len;
static uint64_t fake_now_us;

/* mbedTLS is built with MBEDTLS_PLATFORM_NO_STD_FUNCTIONS (as in the
 * firmware, where its allocator is an arena): on the host it gets libc's
 * calloc/free, so ASan sees every allocation. Runs before main(). */
__attribute__((constructor)) static void host_platform_init(void)
{
    mbedtls_platform_set_calloc_free(calloc, free);
}

void host_console_capture(char *buf, size_t size)
{
    capture_buf = buf;
    capture_size = size;
    if (buf && size)
        buf[0] = 0;
}

void host_nv_dir(const char *dir)
{
    snprintf(nv_dir, sizeof nv_dir, "%s", dir);
}

void host_fake_wallclock(int64_t t) { fake_wallclock = t; }

void host_fake_entropy(const uint8_t *bytes, size_t len)
{
    fake_entropy = bytes;
    fake_entropy_len = len;
}

void host_fake_now_us(uint64_t us) { fake_now_us = us; }

uint64_t plat_now_us(void)
{
    if (fake_now_us)
        return fake_now_us;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

nb_err plat_wallclock(int64_t *out)
{
    if (fake_wallclock) {
        *out = fake_wallclock;
        return NB_OK;
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return NB_E_CLOCK;
    *out = ts.tv_sec;
    return NB_OK;
}

void plat_console_write(const char *s, size_t len)
{
    if (capture_buf) {
        size_t have = strlen(capture_buf);
        size_t room = capture_size - have - 1;
        size_t n = len < room ? len : room;
        memcpy(capture_buf + have, s, n);
        capture_buf[have + n] = 0;
        return;
    }
    fwrite(s, 1, len, stdout);
    fflush(stdout);
}

nb_err plat_entropy(uint8_t *buf, size_t len, unsigned *sources)
{
    if (fake_entropy) {
        if (fake_entropy_len < len)
            return NB_E_ENTROPY;
        memcpy(buf, fake_entropy, len);
        *sources = NB_ENTROPY_OS;
        return NB_OK;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NB_E_ENTROPY;
        got += (size_t)n;
    }
    *sources = NB_ENTROPY_OS;
    return NB_OK;
}

static nb_err nv_path(const char *name, char *out, size_t size)
{
    if (!*name || strchr(name, '/') || strstr(name, ".."))
        return NB_E_INVALID;
    const char *dir = nv_dir[0] ? nv_dir : getenv("NB_NV_DIR") ? getenv("NB_NV_DIR") : "nv";
    if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
        return NB_E_INVALID;
    mkdir(dir, 0700);
    return NB_OK;
}

nb_err plat_nv_get(const char *name, void *buf, size_t *len)
{
    char path[600];
    nb_err e = nv_path(name, path, sizeof path);
    if (e != NB_OK)
        return e;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? NB_E_NOT_FOUND : NB_E_NV;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NB_E_NV;
    }
    size_t want = (size_t)st.st_size;
    if (want > *len) {
        *len = want;
        fclose(f);
        return NB_E_TOO_BIG;
    }
    size_t n = fread(buf, 1, want, f);
    fclose(f);
    *len = n;
    return n == want ? NB_OK : NB_E_NV;
}

nb_err plat_nv_set(const char *name, const void *buf, size_t len)
{
    char path[600], tmp[620];
    nb_err e = nv_path(name, path, sizeof path);
    if (e != NB_OK)
        return e;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return NB_E_NV;
    int ok = fwrite(buf, 1, len, f) == len;
    ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) { /* atomic, as EFI SetVariable is */
        unlink(tmp);
        return NB_E_NV;
    }
    return NB_OK;
}

void *plat_alloc(size_t bytes)
{
    return bytes ? calloc(1, bytes) : NULL;
}

void plat_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}

void plat_halt(void)
{
    fprintf(stderr, "nearboot: halted\n");
    abort();
}

/* The host has no image loader to refuse anything: every verified image loads. */
nb_err plat_load_image(const uint8_t *image, size_t len)
{
    (void)image;
    (void)len;
    return NB_OK;
}

/* The host "chain-load": the verified bytes, the options and the hand-off
 * record go to files in $NB_HANDOFF_DIR (default ./handoff), for tests. */
nb_err plat_chainload(const uint8_t *image, size_t len, const uint8_t *initrd, size_t initrd_len,
                      const char *options, const uint8_t *handoff, size_t handoff_len)
{
    const char *dir = getenv("NB_HANDOFF_DIR") ? getenv("NB_HANDOFF_DIR") : "handoff";
    char path[600];
    const struct { const char *name; const void *p; size_t n; } files[] = {
        { "stage2.efi", image, len },
        { "initrd.img", initrd ? (const void *)initrd : "", initrd ? initrd_len : 0 },
        { "options.txt", options ? options : "", options ? strlen(options) : 0 },
        { "handoff.txt", handoff, handoff_len },
    };
    mkdir(dir, 0700);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(files[i].p, 1, files[i].n, f) != files[i].n || fclose(f) != 0)
            return NB_E_IO;
    }
    return NB_OK;
}
