// jemalloc (Debian libjemalloc-dev, built unprefixed): linking it replaces malloc for the whole
// process; mallctl reads its statistics.
#include <jemalloc/jemalloc.h>
