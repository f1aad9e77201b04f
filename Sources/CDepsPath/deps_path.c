#include "kdsl_deps_path.h"
#ifndef KDSL_DEPS_DIR
#define KDSL_DEPS_DIR ".deps"
#endif
const char *kdsl_deps_path(void) { return KDSL_DEPS_DIR; }
