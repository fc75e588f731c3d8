# nearboot — top-level Makefile. The real build rules are in mk/build.mk;
# every target first makes sure the dependencies are present (make deps is
# quiet and quick when they are), then runs the build in a second make so
# the mbedTLS source list is read after it was unpacked.
BUILD ?= build
export BUILD

SUBMAKE = $(MAKE) --no-print-directory -f mk/build.mk

.PHONY: all deps efi host size test test-unit test-fuzz test-host test-lab fuzz demo clean \
        stage2-linux test-stage2-linux boot-report \
        bench-net bench-dhcp bench-transfer bench-transfer-tftp bench-transfer-https bench-transfer-qemu bench-boot \
        bench-verify

all: deps
	@$(SUBMAKE) all

deps:
	@bash mk/deps.sh

efi host size fuzz fuzz-long test-unit test-fuzz test-host stage2-linux test-stage2-linux: deps
	@$(SUBMAKE) $@

# The whole suite, as CI runs it: build, unit tests, short fuzz runs, lab.
test: deps
	@$(SUBMAKE) test

test-lab: deps
	@$(SUBMAKE) test-lab

demo: deps
	@$(SUBMAKE) demo

# TCP throughput of nb-probe (-O2 build) vs curl through nb-link (root).
bench-net bench-transfer bench-transfer-tftp bench-transfer-https bench-transfer-qemu bench-dhcp bench-boot bench-verify \
	probe-fast: deps
	@$(SUBMAKE) $@

# Phase table + SVG waterfall from a serial log (LOG=..., SVG=...); needs nothing but python3.
boot-report:
	@$(SUBMAKE) $@

clean:
	rm -rf $(BUILD)/x86_64-efi $(BUILD)/host $(BUILD)/host-fast $(BUILD)/fuzz $(BUILD)/gen $(BUILD)/qemu-tests $(BUILD)/stage2
