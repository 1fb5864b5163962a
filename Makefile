# PGXS build of the backfill extension: the C++ core (src/core) and the
# PostgreSQL layer (src/pg) linked into one shared library.
EXTENSION = backfill
MODULE_big = backfill
# Install scripts that read backfill's advisory lock spaces are generated
# from sql/*.sql.in (see src/core/lock_space.hpp); the others are as written.
SQL_TEMPLATES = $(wildcard sql/backfill--*.sql.in)
DATA_built = $(SQL_TEMPLATES:.sql.in=.sql)
DATA = $(filter-out $(DATA_built),$(wildcard sql/backfill--*.sql))

# Each mode keeps its code in its own folders (src/core/<mode>/,
# src/pg/<mode>/; see docs/design.md).
CORE_SRCS = $(wildcard src/core/*.cpp src/core/*/*.cpp)
PG_SRCS = $(wildcard src/pg/*.cpp src/pg/*/*.cpp)
OBJS = src/backfill.o $(PG_SRCS:.cpp=.o) $(CORE_SRCS:.cpp=.o)

REGRESS = $(patsubst sql/%.sql,%,$(filter-out sql/backfill--%,$(wildcard sql/*.sql)))

# No LLVM bitcode: JIT inlining of C++ code buys nothing here (and must be
# decided before PGXS is read).
override with_llvm = no

# Rebuild objects when a header they include changes (.deps/).
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Server headers are system headers to us: -Wall -Wextra stay about our code.
# WERROR=1 (set by the test command) turns every warning into an error.
WERROR ?= 0
override CPPFLAGS := -I$(srcdir)/src -isystem $(includedir_server) -isystem $(includedir_internal) $(CPPFLAGS)
override CXXFLAGS += -std=c++17 -Wall -Wextra -fPIC -fno-omit-frame-pointer
ifeq ($(WERROR),1)
override CXXFLAGS += -Werror
endif
SHLIB_LINK += -lstdc++

# @lock_space::kName@ in a template becomes the number of kName in
# src/core/lock_space.hpp; a placeholder left unreplaced fails the build.
# The result is read-only: an edit belongs in the template.
LOCK_SPACE_HEADER = src/core/lock_space.hpp
sql/%.sql: sql/%.sql.in $(LOCK_SPACE_HEADER)
	sed -n 's/^inline constexpr std::uint16_t \(k[A-Za-z]*\) = \([0-9][0-9]*\);$$/s|@lock_space::\1@|\2|g/p' \
		$(LOCK_SPACE_HEADER) >$@.sed
	{ echo "-- Generated from $< by the Makefile: edit that file instead."; \
		sed -f $@.sed $<; } >$@.tmp
	rm -f $@.sed
	@if grep -n '@lock_space::' $@.tmp; then \
		echo "$<: unknown lock space (not in $(LOCK_SPACE_HEADER))" >&2; rm -f $@.tmp; exit 1; fi
	chmod a-w $@.tmp
	mv -f $@.tmp $@
