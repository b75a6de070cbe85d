# hannoy — PGXS build.  See src/README for the layout.

EXTENSION    = hannoy
MODULE_big   = hannoy
DATA         = $(wildcard src/sql/hannoy--*.sql)

OBJS = \
	src/hannoy.o \
	src/vector_common.o \
	src/vector.o \
	src/halfvec.o \
	src/bit.o \
	src/sparsevec.o \
	src/distance.o \
	src/distance_avx2.o \
	src/distance_avx512.o \
	src/kmeans.o \
	src/ivf.o \
	src/ivf_route.o \
	src/shard_fetch.o \
	src/array_conds.o \
	src/pq.o \
	src/codebook.o \
	src/opclass.o \
	src/page.o \
	src/attrs.o \
	src/value_keys.o \
	src/value_sets.o \
	src/value_check.o \
	src/meta.o \
	src/graph.o \
	src/element.o \
	src/element_write.o \
	src/build.o \
	src/build_graph.o \
	src/build_parallel.o \
	src/build_write.o \
	src/build_spill.o \
	src/insert.o \
	src/scan.o \
	src/rerank.o \
	src/vacuum.o \
	src/cost.o \
	src/validate.o \
	src/inspect.o

SHLIB_LINK += -lroaring -lm
# PostgreSQL headers are system headers: -Wextra judges only our code.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CFLAGS   = -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

# pg_regress suites, in run order (sql/*.sql against expected/*.out).
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=.

# No LLVM bitcode: clang is not part of the build dependencies.  (Set
# before the include: pgxs.mk decides its targets when it is read.)
override with_llvm = no

# Rebuild objects when a header they include changes (PGXS tracks header
# dependencies only when PostgreSQL was configured with --enable-depend).
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# SIMD kernels: only these objects get ISA flags; the rest of the library
# runs on any CPU of the architecture.  The kernels are chosen at load time.
ifeq ($(host_cpu),x86_64)
src/distance_avx2.o: CFLAGS += -mavx2 -mfma -mf16c -mpopcnt
src/distance_avx512.o: CFLAGS += -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma -mf16c -mpopcnt
endif
