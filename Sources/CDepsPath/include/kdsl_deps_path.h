#ifndef KDSL_DEPS_PATH_H
#define KDSL_DEPS_PATH_H
/// The deps folder this build was configured with (KDSL_DEPS at build time, else .deps/ in the
/// checkout): where `make deps` unpacks the e5 weights kdsl-embed loads by default.
const char *kdsl_deps_path(void);
#endif
