#ifndef KDSL_INSTALL_LAYOUT_H
#define KDSL_INSTALL_LAYOUT_H

/// The deps folder this build was configured with (KDSL_DEPS at build time, else .deps/ in the
/// package): where deps/fetch.sh puts the runtime and the models. InstallLayout's DataDirectory
/// falls back to it when the executable is not installed beside a share/kdsl/.
const char *kdsl_build_deps_dir(void);

#endif
