# Dockrev: one GNU Makefile.  Every src/*.c except main.c goes into
# build/libdockrev.a; the dockrev binary, unit tests, fuzz replays and test
# tools link against it, so each links only the modules it uses.
#
#   make            build ./dockrev
#   make test       build everything and run the whole suite (tests/run)
#   make unit       unit tests and fuzz-corpus replays only (no Docker)
#   make fuzz       libFuzzer targets (clang) in build/fuzz/
#   make lint       clang-format check, banned functions, cppcheck
#   make SANITIZE=1 ...   the same with ASan + UBSan (in build-san/)
#   make web        the web UI only (web/dist, npm)
#
# The web UI: `npm ci` when web/node_modules is missing or older than the
# lock file, `npm run build` when a web source changed, then tools/embed-ui
# turns web/dist into $(B)/ui-assets.c (generated, never committed), which
# only the dockrev binary links (src/ui.c has a weak empty fallback).

CC	?= cc
PKGS	 = libcurl jansson yaml-0.1 sqlite3 openssl libpcre2-8 libmicrohttpd zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libcurl, libmicrohttpd and libcrypto are not linked: src/curl-lazy.c,
# src/mhd-lazy.c and src/crypto-lazy.c open them on first use.
PKG_LIBS   := $(filter-out -lssl -lcrypto,$(shell pkg-config --libs $(filter-out libcurl libmicrohttpd,$(PKGS))))

WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation -Werror
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Isrc $(PKG_CFLAGS)
LDLIBS	 = $(PKG_LIBS) -ldl -lpthread -lm

ifeq ($(SANITIZE),1)
B	 = build-san
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
else
B	 = build
endif

LIB_SRC	 = $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ	 = $(LIB_SRC:src/%.c=$(B)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz-*.c)
REPLAY_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/replay/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)

ifeq ($(SANITIZE),1)
DOCKREV	 = $(B)/dockrev
else
DOCKREV	 = dockrev
endif

.PHONY: all test unit fuzz lint clean install bench tests-build web
all: $(DOCKREV)

WEB_SRC	 = $(wildcard web/src/*.ts web/src/*.tsx web/src/*.css web/public/*) \
	   web/index.html web/vite.config.ts web/tsconfig.json \
	   web/package.json web/scripts/size.mjs
web: web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: $(WEB_SRC) web/node_modules/.package-lock.json
	cd web && npm run build
	touch $@

$(B)/embed-ui: tools/embed-ui.c | $(B)/obj
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $<

$(B)/ui-assets.c: web/dist/index.html $(B)/embed-ui
	$(B)/embed-ui web/dist $@

$(B)/ui-assets.o: $(B)/ui-assets.c src/ui.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/%.o: src/%.c | $(B)/obj
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libdockrev.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(DOCKREV): $(B)/obj/main.o $(B)/ui-assets.o $(B)/libdockrev.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test that calls a library itself, beyond what dockrev's lazy
# shims cover, links it first (TEST_LIBS).
$(B)/unit/test-webhook-auth: TEST_LIBS = $(shell pkg-config --libs libcrypto)
$(B)/unit/%: tests/unit/%.c tests/unit/check.h $(B)/libdockrev.a | $(B)/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(TEST_LIBS) $(B)/libdockrev.a $(LDLIBS)

$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(B)/libdockrev.a | $(B)/replay
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(B)/libdockrev.a $(LDLIBS)

# The test tools (token issuer, fault proxy...) call libcurl and
# libmicrohttpd beyond what the lazy shims cover: they link both, first.
TOOL_LIBS := $(shell pkg-config --libs libcurl libmicrohttpd libcrypto)
$(B)/tools/%: tests/tools/%.c $(B)/libdockrev.a | $(B)/tools
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIBS) $(B)/libdockrev.a $(LDLIBS)

$(B)/obj $(B)/unit $(B)/replay $(B)/tools:
	mkdir -p $@

tests-build: $(DOCKREV) $(UNIT_BIN) $(REPLAY_BIN) $(TOOL_BIN)

# The whole suite: unit, fuzz replay, integration (real Docker + registry).
test: tests-build
	B=$(B) DOCKREV=$(abspath $(DOCKREV)) tests/run

unit: $(UNIT_BIN) $(REPLAY_BIN)
	B=$(B) tests/run --no-integration

# libFuzzer builds (clang): build/fuzz/fuzz-NAME, run with its corpus dir.
FUZZ_CC	 = clang
FUZZ_FLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) \
	     -fsanitize=fuzzer,address,undefined
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

BANNED	 = strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|strncpy|system|popen
lint:
	@! grep -nE '\b($(BANNED))\s*\(' src/*.c src/*.h || \
	    { echo "lint: banned function"; exit 1; }
	@for c in src/*.c; do h=$${c%.c}.h; [ -f $$h ] || continue; \
	    first=$$(grep -m1 '^#include' $$c); \
	    case "$$first" in *"\"$$(basename $$h)\""*) ;; \
	    *) echo "lint: $$c must include $$(basename $$h) first"; exit 1;; esac; done
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -D__GNUC__ -Isrc src/*.c
	@echo "lint: ok"

bench: $(DOCKREV)
	bench/check

install: $(DOCKREV)
	install -D -m 0755 $(DOCKREV) $(DESTDIR)/usr/local/bin/dockrev

clean:
	rm -rf build build-san dockrev web/dist

-include $(wildcard $(B)/obj/*.d)
