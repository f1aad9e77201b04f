#include "kdsl_install_layout.h"

#ifndef KDSL_DEPS_DIR
#define KDSL_DEPS_DIR ".deps"
#endif

const char *kdsl_build_deps_dir(void) { return KDSL_DEPS_DIR; }
