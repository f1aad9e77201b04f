#include "kdsl_openvino.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static char kdsl_openvino_error[1024];

const char *kdsl_openvino_open(const char *library_path, kdsl_openvino_api *api) {
    // RTLD_LOCAL: OpenVINO's own symbols (and its TBB) stay out of the global namespace.
    void *lib = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(kdsl_openvino_error, sizeof kdsl_openvino_error, "%s", why ? why : "dlopen failed");
        return kdsl_openvino_error;
    }
#define RESOLVE(field, symbol)                                                                      \
    do {                                                                                            \
        void *p = dlsym(lib, #symbol);                                                              \
        if (!p) {                                                                                   \
            snprintf(kdsl_openvino_error, sizeof kdsl_openvino_error, "%s has no %s", library_path, \
                     #symbol);                                                                      \
            dlclose(lib);                                                                           \
            return kdsl_openvino_error;                                                             \
        }                                                                                           \
        memcpy(&api->field, &p, sizeof p);                                                          \
    } while (0)
    RESOLVE(get_openvino_version, ov_get_openvino_version);
    RESOLVE(version_free, ov_version_free);
    RESOLVE(get_last_err_msg, ov_get_last_err_msg);
    RESOLVE(free, ov_free);
    RESOLVE(get_error_info, ov_get_error_info);
    RESOLVE(core_create, ov_core_create);
    RESOLVE(core_free, ov_core_free);
    RESOLVE(core_read_model, ov_core_read_model);
    RESOLVE(core_compile_model, ov_core_compile_model);
    RESOLVE(model_free, ov_model_free);
    RESOLVE(compiled_model_create_infer_request, ov_compiled_model_create_infer_request);
    RESOLVE(compiled_model_free, ov_compiled_model_free);
    RESOLVE(infer_request_set_input_tensor, ov_infer_request_set_input_tensor);
    RESOLVE(infer_request_infer, ov_infer_request_infer);
    RESOLVE(infer_request_get_output_tensor, ov_infer_request_get_output_tensor);
    RESOLVE(infer_request_free, ov_infer_request_free);
    RESOLVE(tensor_create_from_host_ptr, ov_tensor_create_from_host_ptr);
    RESOLVE(tensor_get_shape, ov_tensor_get_shape);
    RESOLVE(tensor_data, ov_tensor_data);
    RESOLVE(tensor_free, ov_tensor_free);
    RESOLVE(shape_create, ov_shape_create);
    RESOLVE(shape_free, ov_shape_free);
#undef RESOLVE
    return NULL;
}

ov_status_e kdsl_openvino_compile_cpu(const kdsl_openvino_api *api, const ov_core_t *core, const ov_model_t *model,
                                      int threads, ov_compiled_model_t **compiled) {
    char thread_count[16];
    snprintf(thread_count, sizeof thread_count, "%d", threads);
    // Property names as OpenVINO spells them (ov_property_key_* in openvino/c/ov_property.h).
    // No pinning: the workers' networks are compiled separately, and pinned, each would take the first core.
    // The CPU plugin keeps the kernels it prepared for each input shape (5,000 by default); every
    // image and every batch of lines has a shape of its own, so the cache grew to gigabytes over a
    // data set (3.7 GB at 400 screenshots, 2 jobs) while saving no measurable time: keep it small.
    return api->core_compile_model(core, model, "CPU", 12, compiled,
                                   "CPU_RUNTIME_CACHE_CAPACITY", "100",
                                   "INFERENCE_NUM_THREADS", thread_count,
                                   "NUM_STREAMS", "1",
                                   "INFERENCE_PRECISION_HINT", "f32",
                                   "ENABLE_HYPER_THREADING", "NO",
                                   "ENABLE_CPU_PINNING", "NO");
}
