# rocker - one static binary container engine. See README.md.
#
#   make                 build ./rocker (static, musl)
#   make check           install test dependencies, build, run all tests
#                        (then the integration suite again with ASan/UBSan)
#   make bench           benchmarks against peer tools, printed as a table
#   make size            binary size and its largest contributors
#   make install         PREFIX=/usr/local: binary plus rocker-APPLET links
#   make build2remote    HOST=user@host [DIR=/usr/local/bin]
#   make fuzz            FUZZ_SECONDS=N per libFuzzer target
#   make vm-test         rocker in an initramfs VM (tests/integration/vm.test)
#   make ARCH=aarch64    static arm64 build/aarch64/rocker (cross gcc + musl);
#                        `make ARCH=aarch64 all cross-unit` adds its unit tests
#   make check-asan      the integration suite on a host-libc ASan/UBSan build

include config/config.mk

VERSION := 0.1.0
GITREV := $(shell git rev-parse --short HEAD 2>/dev/null)
FULLVERSION := $(VERSION)$(if $(GITREV), (git $(GITREV)))

VENDOR := vendor/build
VMUSL := $(VENDOR)/musl
VHOST := $(VENDOR)/host
VSTAMP := $(VENDOR)/src/.fetched

# Cross builds (ARCH=aarch64): Debian's cross gcc with musl built from
# Debian's source package (vendor/musl.sh), objects under build/ARCH.
HOSTARCH := $(shell uname -m)
# Only the command line picks it (ARCH in the environment often means
# something else, e.g. a kernel build's).
ifneq ($(origin ARCH),command line)
ARCH := $(HOSTARCH)
endif
MDIR := build/musl
STRIP := strip
MUSL_WRAP :=
ifneq ($(ARCH),$(HOSTARCH))
ifneq ($(ARCH),aarch64)
$(error ARCH=$(ARCH): only aarch64 cross builds are supported)
endif
CROSS ?= aarch64-linux-gnu-
MDIR := build/$(ARCH)
VMUSL := $(VENDOR)/$(ARCH)
MUSL_WRAP := $(VENDOR)/$(ARCH)-musl/bin/musl-gcc
CC_MUSL := $(MUSL_WRAP)
STRIP := $(CROSS)strip
BIN ?= $(MDIR)/rocker
endif

WARN := -Wall -Wextra
INC := -Icore -Iapplets -Iconfig -Ibuild/gen
CFLAGS ?= -Os
MUSL_CFLAGS := -std=gnu99 $(WARN) $(CFLAGS) -ffunction-sections \
	-fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-stack-protector $(INC) -I$(VMUSL)/include -MMD -MP
# The build ID lets exec tell that a monitor's sealed copy is this binary
# without comparing every byte (core/sealexe.c).
MUSL_LDFLAGS := -static -Wl,--gc-sections -Wl,--build-id=sha1
HOST_CFLAGS := -std=gnu99 $(WARN) -g -O1 -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined $(INC) \
	-I$(VHOST)/include
VLIBS_MUSL := $(VMUSL)/lib/libbearssl.a $(VMUSL)/lib/libz.a
VLIBS_HOST := $(VHOST)/lib/libbearssl.a $(VHOST)/lib/libz.a

CORE_SRC := $(wildcard core/*.c)
LIB_SRC := $(filter-out core/main.c,$(CORE_SRC))
APPLET_SRC := applets/xwrap.c $(foreach a,$(APPLETS),applets/$(a).c)
OBJ := $(patsubst %.c,$(MDIR)/%.o,$(CORE_SRC) $(APPLET_SRC))
UNIT_SRC := $(wildcard tests/unit/*_test.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/host/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

# The binary to build: `make APPLETS="a b" BIN=path` makes a reduced one
# elsewhere without disturbing ./rocker.
BIN ?= rocker
DBG := $(if $(filter rocker,$(BIN)),build/rocker.debug,$(BIN).debug)
ASTAMP := build/applets-$(subst /,_,$(BIN)).stamp

# Relink when the applet selection changes; recompile main.c when the
# version does; rebuild the vendor libraries when the recipe's content (not
# its files' times) changes.
$(shell mkdir -p build $(VENDOR); \
	cat vendor/versions vendor/fetch.sh vendor/build.sh | cksum | \
	cmp -s - $(VENDOR)/recipe.stamp || \
	cat vendor/versions vendor/fetch.sh vendor/build.sh | cksum \
	> $(VENDOR)/recipe.stamp; \
	echo '$(APPLETS)' | cmp -s - '$(ASTAMP)' || \
	echo '$(APPLETS)' > '$(ASTAMP)'; \
	echo '$(FULLVERSION)' | cmp -s - build/version.stamp || \
	echo '$(FULLVERSION)' > build/version.stamp)

.PHONY: all check unit bench size install build2remote fuzz lint clean \
	distclean vendor vm-test cross-unit check-asan

all: $(BIN)

$(BIN): $(DBG)
	$(STRIP) -o $@ $<

$(DBG): $(OBJ) $(VLIBS_MUSL) $(ASTAMP)
	@mkdir -p $(dir $@)
	$(CC_MUSL) $(MUSL_LDFLAGS) -o $@ $(OBJ) $(VLIBS_MUSL)

$(MDIR)/%.o: %.c $(VLIBS_MUSL)
	@mkdir -p $(dir $@)
	$(CC_MUSL) $(MUSL_CFLAGS) -c -o $@ $<

$(MDIR)/core/main.o: build/version.stamp
$(MDIR)/core/main.o: MUSL_CFLAGS += -DROCKER_VERSION='"$(FULLVERSION)"'

# Third-party libraries: fetched once (pinned sha256), built per flavour.
vendor: $(VLIBS_MUSL)

$(VSTAMP): $(VENDOR)/recipe.stamp
	sh vendor/fetch.sh $(VENDOR)/src
	touch $@

$(VMUSL)/lib/libbearssl.a: $(VSTAMP) $(MUSL_WRAP)
	sh vendor/build.sh $(VENDOR)/src $(VMUSL) $(CC_MUSL) -Os \
		-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
$(VMUSL)/lib/libz.a: $(VMUSL)/lib/libbearssl.a

$(VENDOR)/aarch64-musl/bin/musl-gcc: $(VSTAMP)
	sh vendor/musl.sh $(VENDOR)/src $(VENDOR)/aarch64-musl aarch64 $(CROSS)

$(VHOST)/lib/libbearssl.a: $(VSTAMP)
	sh vendor/build.sh $(VENDOR)/src $(VHOST) $(HOSTCC) -O2 -g -fPIC
$(VHOST)/lib/libz.a: $(VHOST)/lib/libbearssl.a

# Unit tests: host compiler, sanitizers, core/ without main.c.
unit: $(UNIT_BIN)

# Core objects for the host flavours, compiled once and shared by every
# unit test (ASan/UBSan) and every fuzz target (libFuzzer).
HOST_OBJ := $(patsubst core/%.c,build/host/obj/%.o,$(LIB_SRC))
FUZZ_OBJ := $(patsubst core/%.c,build/fuzz/obj/%.o,$(LIB_SRC))
FUZZ_CFLAGS := -std=gnu99 -g -O1 $(INC) -I$(VHOST)/include

build/host/obj/%.o: core/%.c $(wildcard core/*.h) $(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -c -o $@ $<

build/host/%_test: tests/unit/%_test.c $(HOST_OBJ) $(wildcard core/*.h) \
		$(wildcard tests/unit/*.h) $(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_OBJ) $(VLIBS_HOST)

# Runs a command as on an older kernel (tests/compat/oldkernel.c).
build/host/oldkernel: tests/compat/oldkernel.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu99 $(WARN) -O2 -o $@ $<

build/host/benchrun: tests/bench/benchrun.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu99 $(WARN) -O2 -o $@ $<

# The kernel work of one Docker-default container alone (the run bench's
# lower bound for rocker; static, as rocker is).
build/host/kfloor: tests/bench/kfloor.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu99 $(WARN) -O2 -static -o $@ $<

# Unit tests of the pure modules, built static for ARCH (no sanitizers):
# run under qemu-user by tests/integration/cross.test.
CROSS_UNIT := json sha256
cross-unit: $(patsubst %,$(MDIR)/%_test,$(CROSS_UNIT))
$(MDIR)/%_test: tests/unit/%_test.c $(filter-out $(MDIR)/core/main.o,\
		$(filter $(MDIR)/core/%,$(OBJ))) $(VLIBS_MUSL)
	$(CC_MUSL) $(MUSL_CFLAGS) $(MUSL_LDFLAGS) -o $@ $(filter %.c %.o,$^) \
		$(VLIBS_MUSL)

# FUZZ_SMOKE: seconds each fuzz target runs inside `make check`.
FUZZ_SMOKE ?= 5
# Builds run in parallel (JOBS, default: the number of CPUs).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The ASan stage runs only when the rest took less than ASAN_BUDGET seconds
# (a machine far slower than usual would otherwise overrun CI's 90 minutes);
# it says so when it is left out.
ASAN_BUDGET ?= 2700
check:
	@mkdir -p build && date +%s > build/check.start
	sh tests/deps.sh check
	$(MAKE) -j$(JOBS) all unit $(FUZZ_BIN) build/host/oldkernel $(VG_BIN) \
		$(ASAN_BIN)
	$(MAKE) -j$(JOBS) ARCH=aarch64 all cross-unit
	FUZZ_SMOKE=$(FUZZ_SMOKE) sh tests/run.sh
	@t=$$(( $$(date +%s) - $$(cat build/check.start) )); \
	if [ $$t -lt $(ASAN_BUDGET) ]; then \
		echo "sh tests/asan.sh $(ASAN_BIN)"; sh tests/asan.sh $(ASAN_BIN); \
	else \
		echo "ASan stage left out: the rest took $$t s (ASAN_BUDGET $(ASAN_BUDGET) s)"; \
	fi

vm-test:
	sh tests/deps.sh check
	$(MAKE) all
	sh tests/run.sh tests/integration/vm.test

bench:
	sh tests/deps.sh bench
	$(MAKE) all build/host/benchrun build/host/kfloor
	sh tests/bench/run.sh

fuzz: $(FUZZ_BIN)
	sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60) $(FUZZ_BIN)

build/fuzz/obj/%.o: core/%.c $(wildcard core/*.h) $(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-c -o $@ $<

build/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(FUZZ_OBJ) $(wildcard core/*.h) \
		$(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(FUZZ_OBJ) $(VLIBS_HOST)

# The whole program for the host libc with ASan and UBSan (musl and ASan do
# not mix): core objects shared with the unit tests, plus main and applets.
# check-asan runs the integration suite with it (tests/asan.sh sets the
# sanitizer options so that any report fails the test).
ASAN_BIN := build/asan/rocker
ASAN_OBJ := $(patsubst %.c,build/asan/%.o,core/main.c $(APPLET_SRC))

build/asan/%.o: %.c $(wildcard core/*.h) $(wildcard applets/*.h) \
		$(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -c -o $@ $<

build/asan/core/main.o: build/version.stamp
build/asan/core/main.o: HOST_CFLAGS += -DROCKER_VERSION='"$(FULLVERSION)"'

$(ASAN_BIN): $(ASAN_OBJ) $(HOST_OBJ) $(VLIBS_HOST) $(ASTAMP)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(ASAN_OBJ) $(HOST_OBJ) $(VLIBS_HOST)

# The same for valgrind (tests/integration/valgrind.test): host libc, no
# sanitizers, so that memcheck sees every malloc.
VG_BIN := build/vg/rocker
VG_OBJ := $(patsubst %.c,build/vg/%.o,$(CORE_SRC) $(APPLET_SRC))
VG_CFLAGS := -std=gnu99 $(WARN) -g -O1 $(INC) -I$(VHOST)/include

build/vg/%.o: %.c $(wildcard core/*.h) $(wildcard applets/*.h) \
		$(VLIBS_HOST)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(VG_CFLAGS) -c -o $@ $<

build/vg/core/main.o: build/version.stamp
build/vg/core/main.o: VG_CFLAGS += -DROCKER_VERSION='"$(FULLVERSION)"'
build/vg/core/seccomp.o: build/gen/seccomp_bpf.h

$(VG_BIN): $(VG_OBJ) $(VLIBS_HOST) $(ASTAMP)
	$(HOSTCC) -o $@ $(VG_OBJ) $(VLIBS_HOST)

check-asan:
	sh tests/deps.sh check
	$(MAKE) all $(ASAN_BIN)
	sh tests/asan.sh $(ASAN_BIN)

lint: build/gen/seccomp_bpf.h
	sh tests/lint.sh

# Seccomp (docs/seccomp.md): config/*.txt -> C tables -> the default
# profile's BPF, compiled by core/seccomp.c itself built for the host.
SC_TXT := config/seccomp_default.txt $(wildcard config/syscalls_*.txt)
build/gen/seccomp_tables.h: config/seccomp_gen.c core/seccomp.h $(SC_TXT)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu99 $(WARN) -O1 -Icore -o build/gen/seccomp_gen $<
	build/gen/seccomp_gen $(SC_TXT) > $@.tmp && mv $@.tmp $@
build/gen/seccomp_bpf.h: config/seccomp_bpfgen.c core/seccomp.c core/err.c \
		build/gen/seccomp_tables.h $(wildcard core/*.h)
	$(HOSTCC) -std=gnu99 $(WARN) -O1 -DSECCOMP_GEN $(INC) \
		-o build/gen/seccomp_bpfgen $(filter %.c,$^)
	build/gen/seccomp_bpfgen > $@.tmp && mv $@.tmp $@
$(MDIR)/core/seccomp.o build/host/obj/seccomp.o \
	build/fuzz/obj/seccomp.o: build/gen/seccomp_bpf.h

size: rocker
	@echo "rocker: $$(stat -c %s rocker) bytes (stripped)"
	@echo "largest symbols:"
	@nm --size-sort -S -r build/rocker.debug | head -20 | \
		awk '{ printf "  %8d  %s %s\n", strtonum("0x" $$2), $$3, $$4 }'

install: rocker
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 rocker $(DESTDIR)$(BINDIR)/rocker
	for a in $$(./rocker --list); do \
		ln -sf rocker $(DESTDIR)$(BINDIR)/rocker-$$a || exit 1; \
	done

DIR ?= /usr/local/bin
build2remote: rocker
	@test -n "$(HOST)" || { \
		echo "usage: make build2remote HOST=user@host [DIR=...]"; \
		exit 2; }
	scp $(SSHFLAGS) rocker $(HOST):$(DIR)/rocker.new
	ssh $(SSHFLAGS) $(HOST) 'set -e; cd $(DIR); mv -f rocker.new rocker; \
		for a in $$(./rocker --list); do ln -sf rocker rocker-$$a; done'

clean:
	rm -rf build rocker

distclean: clean
	rm -rf $(VENDOR)

-include $(OBJ:.o=.d)
