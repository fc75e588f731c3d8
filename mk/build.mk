# nearboot build rules (called by the top-level Makefile after `make deps`).
#
#   build/x86_64-efi/nearboot.efi   the first stage (PE32+, clang-14 + lld-link)
#   build/host/                     the same core/net/boot for Linux, ASan+UBSan,
#                                   with the unit tests
#   build/fuzz/                     libFuzzer targets, one per parser
BUILD ?= build
Q := $(if $(V),,@)
MBEDTLS := $(BUILD)/mbedtls
GEN := $(BUILD)/gen
CLANG := clang-14
RESOURCE_DIR := $(shell $(CLANG) -print-resource-dir)

WARN := -Wall -Wextra -Werror
INCLUDES := -Ifirmware -Ifirmware/crypto -I$(GEN) -I$(MBEDTLS)/include
MBEDTLS_DEFS := '-DMBEDTLS_CONFIG_FILE="nb_mbedtls_config.h"'

PORTABLE_SRC := $(wildcard firmware/core/*.c firmware/net/*.c firmware/boot/*.c)
UEFI_SRC := $(wildcard firmware/platform/uefi/*.c firmware/libc/*.c)
HOST_PLAT_SRC := $(wildcard firmware/platform/host/*.c)
MBEDTLS_SRC := $(wildcard $(MBEDTLS)/library/*.c)
PROBE_SRC := $(wildcard firmware/platform/host/probe/*.c)
TEST_SRC := $(wildcard firmware/tests/*/test_*.c)
FUZZ_SRC := $(wildcard firmware/fuzz/fuzz_*.c)

# ---------------------------------------------------------------- UEFI image
EFI_OUT := $(BUILD)/x86_64-efi
EFI_CFLAGS := -target x86_64-unknown-windows -fno-ms-extensions -fno-ms-compatibility \
	-U_WIN32 -U_WIN64 -ffreestanding -fno-builtin -nostdinc -isystem $(RESOURCE_DIR)/include \
	-isystem firmware/libc/include -isystem /usr/include/efi -isystem /usr/include/efi/x86_64 \
	-fshort-wchar -mno-red-zone -mgeneral-regs-only -mno-stack-arg-probe \
	-fno-stack-protector -Os -ffunction-sections -fdata-sections -std=c11 \
	$(INCLUDES) $(MBEDTLS_DEFS)
EFI_LDFLAGS := /subsystem:efi_application /entry:efi_main /nodefaultlib /opt:ref \
	/machine:x64 /dynamicbase /nxcompat

EFI_OBJ := $(patsubst %.c,$(EFI_OUT)/obj/%.o,$(PORTABLE_SRC) $(UEFI_SRC))
EFI_MBEDTLS_OBJ := $(patsubst $(MBEDTLS)/library/%.c,$(EFI_OUT)/mbedtls/%.o,$(MBEDTLS_SRC))

$(EFI_OUT)/obj/%.o: %.c | gen
	@mkdir -p $(dir $@)
	@echo '  CC   [efi]  $<'
	$(Q)$(CLANG) $(EFI_CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(EFI_OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c firmware/crypto/nb_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(CLANG) $(EFI_CFLAGS) -I$(MBEDTLS)/library -w -c $< -o $@

$(EFI_OUT)/libmbedtls.a: $(EFI_MBEDTLS_OBJ)
	@rm -f $@
	$(Q)llvm-ar-14 rcs $@ $^

$(EFI_OUT)/nearboot.efi: $(EFI_OBJ) $(EFI_OUT)/libmbedtls.a
	@echo '  LINK $@'
	$(Q)lld-link-14 $(EFI_LDFLAGS) /map:$(EFI_OUT)/nearboot.map /out:$@ $(EFI_OBJ) $(EFI_OUT)/libmbedtls.a

# stage2/hello: the example second stage (same toolchain, no mbedTLS).
HELLO := $(EFI_OUT)/stage2-hello.efi
$(EFI_OUT)/stage2/hello.o: stage2/hello/hello.c firmware/boot/handoff.h
	@mkdir -p $(dir $@)
	@echo '  CC   [efi]  $<'
	$(Q)$(CLANG) $(EFI_CFLAGS) $(WARN) -c $< -o $@
$(HELLO): $(EFI_OUT)/stage2/hello.o
	@echo '  LINK $@'
	$(Q)lld-link-14 $(EFI_LDFLAGS) /out:$@ $<

# stage2/linux: the Linux second stage, a UKI (Debian kernel + busybox initramfs + systemd-stub).
# The script fetches (apt-get download, never installs) and rebuilds only when its inputs changed.
STAGE2_LINUX := $(BUILD)/stage2/linux/nearboot-linux.efi
.PHONY: stage2-linux test-stage2-linux
stage2-linux:
	@bash stage2/linux/build-uki.sh $(BUILD)/stage2/linux
# Boots it under QEMU+OVMF twice (direct, and chain-loaded from memory as nearboot does): ~35 s under TCG.
test-stage2-linux: stage2-linux
	@bash qemu-tests/stage2/test-linux-uki.sh $(STAGE2_LINUX)

# The boot report: phase table + SVG waterfall from a serial log (LOG=..., default the demo's);
# the picture goes to $(BUILD)/boot-waterfall.svg (SVG=... for another path).
.PHONY: boot-report
boot-report:
	@python3 qemu-tests/report/boot-report.py --svg $(or $(SVG),$(BUILD)/boot-waterfall.svg) \
		$(or $(LOG),$(BUILD)/qemu-tests/demo/serial.log)

# ---------------------------------------------------------------- host build
HOST_OUT := $(BUILD)/host
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
HOST_CFLAGS := -std=c11 -g -O1 -D_DEFAULT_SOURCE $(SANITIZE) $(INCLUDES) $(MBEDTLS_DEFS)

HOST_OBJ := $(patsubst %.c,$(HOST_OUT)/obj/%.o,$(PORTABLE_SRC) $(HOST_PLAT_SRC))
HOST_MBEDTLS_OBJ := $(patsubst $(MBEDTLS)/library/%.c,$(HOST_OUT)/mbedtls/%.o,$(MBEDTLS_SRC))

$(HOST_OUT)/obj/%.o: %.c | gen
	@mkdir -p $(dir $@)
	@echo '  CC   [host] $<'
	$(Q)$(CLANG) $(HOST_CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(HOST_OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c firmware/crypto/nb_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(CLANG) $(HOST_CFLAGS) -I$(MBEDTLS)/library -w -c $< -o $@

$(HOST_OUT)/libnearboot.a: $(HOST_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(HOST_OUT)/libmbedtls.a: $(HOST_MBEDTLS_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

HOST_LIBS := $(HOST_OUT)/libnearboot.a $(HOST_OUT)/libmbedtls.a
# nearboot and mbedTLS call each other (time, RNG, snprintf hooks): link as a group.
HOST_LINK := -Wl,--start-group $(HOST_LIBS) -Wl,--end-group

TESTS := $(patsubst firmware/tests/%.c,$(HOST_OUT)/tests/%,$(TEST_SRC))
$(HOST_OUT)/tests/%: firmware/tests/%.c $(HOST_LIBS)
	@mkdir -p $(dir $@)
	@echo '  TEST $@'
	$(Q)$(CLANG) $(HOST_CFLAGS) $(WARN) -MMD -MP -Ifirmware/tests $< $(HOST_LINK) -lcmocka -o $@

# nb-probe: the stack as a Linux process, for host integration tests.
PROBE := $(HOST_OUT)/nb-probe
PROBE_OBJ := $(patsubst %.c,$(HOST_OUT)/obj/%.o,$(PROBE_SRC))
$(PROBE): $(PROBE_OBJ) $(HOST_LIBS)
	@echo '  LINK $@'
	$(Q)$(CLANG) $(HOST_CFLAGS) $(PROBE_OBJ) $(HOST_LINK) -o $@

# nearboot-config: the embedded configuration tool (the firmware's own codec).
CONFIG_TOOL := $(HOST_OUT)/nearboot-config
CONFIG_TOOL_OBJ := $(HOST_OUT)/obj/firmware/platform/host/tools/nearboot_config.o
$(CONFIG_TOOL): $(CONFIG_TOOL_OBJ) $(HOST_LIBS)
	@echo '  LINK $@'
	$(Q)$(CLANG) $(HOST_CFLAGS) $(CONFIG_TOOL_OBJ) $(HOST_LINK) -o $@

# nearboot-verify: checks a release directory (manifest, signature, artifacts)
# with the firmware's own boot/verify.c and boot/manifest.c.
VERIFY_TOOL := $(HOST_OUT)/nearboot-verify
VERIFY_TOOL_OBJ := $(HOST_OUT)/obj/stage2/tools/nearboot_verify.o
$(VERIFY_TOOL): $(VERIFY_TOOL_OBJ) $(HOST_LIBS)
	@echo '  LINK $@'
	$(Q)$(CLANG) $(HOST_CFLAGS) $(VERIFY_TOOL_OBJ) $(HOST_LINK) -o $@

# ---------------------------------------------------------------- fuzzing
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_CFLAGS := -std=c11 -g -O1 -D_DEFAULT_SOURCE -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined $(INCLUDES) $(MBEDTLS_DEFS)
FUZZ_OBJ := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(PORTABLE_SRC) $(HOST_PLAT_SRC))
$(FUZZ_OUT)/obj/%.o: %.c | gen
	@mkdir -p $(dir $@)
	@echo '  CC   [fuzz] $<'
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(WARN) -MMD -MP -c $< -o $@
$(FUZZ_OUT)/libnearboot.a: $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^
FUZZERS := $(patsubst firmware/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRC))
# mbedTLS with coverage instrumentation too, so fuzz_cms and fuzz_tls_trust
# explore the X.509/PKCS#7 parsers they drive, not only our side.
FUZZ_MBEDTLS_OBJ := $(patsubst $(MBEDTLS)/library/%.c,$(FUZZ_OUT)/mbedtls/%.o,$(MBEDTLS_SRC))
$(FUZZ_OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c firmware/crypto/nb_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(CLANG) $(FUZZ_CFLAGS) -I$(MBEDTLS)/library -w -c $< -o $@
$(FUZZ_OUT)/libmbedtls.a: $(FUZZ_MBEDTLS_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^
$(FUZZ_OUT)/fuzz_%: firmware/fuzz/fuzz_%.c $(FUZZ_OUT)/libnearboot.a $(FUZZ_OUT)/libmbedtls.a
	@mkdir -p $(dir $@)
	@echo '  FUZZ $@'
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(WARN) -MMD -MP -fsanitize=fuzzer $< -Wl,--start-group $(FUZZ_OUT)/libnearboot.a \
		$(FUZZ_OUT)/libmbedtls.a -Wl,--end-group -o $@

# ---------------------------------------------------------------- fast host build
# nb-probe with -O2 and no sanitizers, for benchmarks (the sanitized build
# would measure ASan): build/host-fast/nb-probe. Same sources and flags
# otherwise, its own objects (mbedTLS included).
FAST_OUT := $(BUILD)/host-fast
FAST_CFLAGS := -std=c11 -g -O2 -D_DEFAULT_SOURCE $(INCLUDES) $(MBEDTLS_DEFS)
FAST_OBJ := $(patsubst %.c,$(FAST_OUT)/obj/%.o,$(PORTABLE_SRC) $(HOST_PLAT_SRC) $(PROBE_SRC))
FAST_MBEDTLS_OBJ := $(patsubst $(MBEDTLS)/library/%.c,$(FAST_OUT)/mbedtls/%.o,$(MBEDTLS_SRC))
$(FAST_OUT)/obj/%.o: %.c | gen
	@mkdir -p $(dir $@)
	@echo '  CC   [fast] $<'
	$(Q)$(CLANG) $(FAST_CFLAGS) $(WARN) -MMD -MP -c $< -o $@
$(FAST_OUT)/mbedtls/%.o: $(MBEDTLS)/library/%.c firmware/crypto/nb_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(CLANG) $(FAST_CFLAGS) -I$(MBEDTLS)/library -w -c $< -o $@
$(FAST_OUT)/nb-probe: $(FAST_OBJ) $(FAST_MBEDTLS_OBJ)
	@echo '  LINK $@'
	$(Q)$(CLANG) $(FAST_CFLAGS) $(FAST_OBJ) $(FAST_MBEDTLS_OBJ) -o $@
-include $(FAST_OBJ:.o=.d)

.PHONY: probe-fast bench-net
probe-fast: $(FAST_OUT)/nb-probe

# TCP download throughput, nb-probe vs curl on the same link (root).
bench-net: probe-fast $(LINK_PROG)
	@NB_PROBE=$(FAST_OUT)/nb-probe NB_LINK=$(LINK_PROG) bash qemu-tests/bench/bench-net.sh

# TFTP windowsize 1 vs 16 at 2 and 40 ms RTT, 16 MiB from atftpd (root; one
# part of bench-transfer).
.PHONY: bench-transfer-tftp
bench-transfer-tftp: probe-fast $(LINK_PROG)
	@NB_PROBE=$(FAST_OUT)/nb-probe NB_LINK=$(LINK_PROG) bash qemu-tests/bench/bench-transfer-tftp.sh

# HTTPS (TLS 1.3) nb-probe vs curl at 2 and 40 ms RTT, 16 MiB from nginx (root;
# one part of bench-transfer).
.PHONY: bench-transfer-https
bench-transfer-https: probe-fast $(LINK_PROG)
	@NB_PROBE=$(FAST_OUT)/nb-probe NB_LINK=$(LINK_PROG) bash qemu-tests/bench/bench-transfer-https.sh

# DHCP in the lab (root; QEMU + OVMF): first DHCP packet to boot information
# known, for nearboot's paths and OVMF's/iPXE's own DHCP as peers. BENCH_RUNS
# (default 3) runs of the fast paths.
.PHONY: bench-dhcp
bench-dhcp: efi $(CONFIG_TOOL)
	@bash qemu-tests/bench/bench-dhcp.sh

# The boot policy in the lab (root; QEMU + OVMF, issue 7): first-stage start to a
# 4 MiB signed stage2, happy path / nearest site blackholed before the boot /
# blackholed mid-download, against Debian's iPXE doing the same as a script.
# BENCH_RUNS (default 3), BENCH_IPXE=0 skips iPXE.
.PHONY: bench-boot
bench-boot: efi $(CONFIG_TOOL) $(LINK_PROG)
	@bash qemu-tests/bench/bench-boot.sh

# What verification costs under QEMU (root; QEMU + OVMF, issue 6): a release
# with a 64 MiB artifact from siteA; transfer, sha256, signature and total
# from nearboot's console. BENCH_RUNS (default 1), BENCH_VERIFY_MIB (64).
.PHONY: bench-verify
bench-verify: efi $(CONFIG_TOOL)
	@bash qemu-tests/bench/bench-verify.sh

# TFTP under QEMU against the firmware peers (root; QEMU + OVMF; one part of
# bench-transfer): 1 MiB at 40 ms RTT (BENCH_RTT) by OVMF's PXE (tftpd-hpa,
# and atftpd granting its windowsize 4), Debian's iPXE and nearboot
# (lock-step from tftpd-hpa, windowsize 16 from atftpd), timed from the capture.
.PHONY: bench-transfer-qemu
bench-transfer-qemu: efi $(LINK_PROG)
	@bash qemu-tests/bench/bench-transfer-qemu.sh

# The whole transfer benchmark of the transfers issue: TFTP windowsize and
# HTTPS vs curl on the host build, TFTP against the firmware peers under QEMU.
.PHONY: bench-transfer
bench-transfer: bench-transfer-tftp bench-transfer-https bench-transfer-qemu

# ---------------------------------------------------------------- lab tools
LINK_PROG := $(HOST_OUT)/nb-link
$(LINK_PROG): $(wildcard qemu-tests/link/*.c qemu-tests/link/*.h)
	@$(MAKE) --no-print-directory -C qemu-tests/link BUILD=$(abspath $(HOST_OUT))

# ---------------------------------------------------------------- targets
.PHONY: all gen efi host size fuzz test test-unit test-fuzz test-host test-lab demo
all: efi host $(TESTS) $(PROBE) $(CONFIG_TOOL) $(VERIFY_TOOL) $(LINK_PROG)
efi: $(EFI_OUT)/nearboot.efi $(HELLO)
host: $(HOST_LIBS)
fuzz: $(FUZZERS)

gen:
	@mkdir -p $(GEN)
	@sh mk/version.sh $(GEN)/nb_version.h

size: $(EFI_OUT)/nearboot.efi
	@python3 mk/size.py $(EFI_OUT)/nearboot.efi $(EFI_OUT)/nearboot.map

# Unit tests: every test binary, one summary line.
test-unit: $(TESTS)
	@bash mk/run-unit-tests.sh $(TESTS)

# Each fuzz target for a few seconds (FUZZ_SECONDS), as a smoke test.
FUZZ_SECONDS ?= 5
test-fuzz: $(FUZZERS)
	@bash mk/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

# Extended fuzzing (not part of make test): FUZZ_LONG_SECONDS per target.
FUZZ_LONG_SECONDS ?= 600
.PHONY: fuzz-long
fuzz-long: $(FUZZERS)
	@bash mk/run-fuzz.sh $(FUZZ_LONG_SECONDS) $(FUZZERS)

test-host: $(PROBE) $(LINK_PROG) $(VERIFY_TOOL)
	@bash qemu-tests/host/run-all.sh

test-lab: efi $(LINK_PROG) $(CONFIG_TOOL)
	@bash qemu-tests/run-all.sh

test: all
	@bash mk/run-suite.sh

demo: efi $(CONFIG_TOOL) stage2-linux
	@bash qemu-tests/demo.sh

-include $(EFI_OBJ:.o=.d) $(HOST_OBJ:.o=.d) $(PROBE_OBJ:.o=.d) $(CONFIG_TOOL_OBJ:.o=.d) $(VERIFY_TOOL_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) \
	$(TESTS:=.d) $(FUZZERS:=.d) $(FUZZ_OBJ:.o=.d)
