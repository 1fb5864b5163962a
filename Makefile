# PGXS build of the backfill extension: the C++ core (src/core) and the
# PostgreSQL layer (src/pg) linked into one shared library.
EXTENSION = backfill
MODULE_big = backfill
DATA = $(wildcard sql/backfill--*.sql)

CORE_SRCS = $(wildcard src/core/*.cpp)
PG_SRCS = $(wildcard src/pg/*.cpp)
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

