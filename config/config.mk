# config.mk - build-time configuration (override on the make command line)

# Applets compiled into the binary: all listed in applets/applets.def by
# default; `make APPLETS="digest info"` builds a binary with just those.
lparen := (
APPLETS ?= $(shell sed -n 's/^APPLET[$(lparen)]\([a-z0-9_]*\),.*/\1/p' \
	applets/applets.def)

# The musl toolchain for the static binary and the host one for tests.
CC_MUSL ?= musl-gcc
HOSTCC ?= gcc
FUZZCC ?= clang

# Where `make install` puts the binary and its applet links.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
