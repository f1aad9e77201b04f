// kdsl's binding of OpenVINO's C API (openvino/c/openvino.h, from the `openvino` PyPI wheel that
// deps/fetch.sh unpacks). The library is opened at run time with dlopen, not linked: a machine
// without the runtime still runs every other stage and `kdsl-ocr --engine tesseract`, and
// `--engine ppocr` can say what is missing (a setup error) instead of the loader refusing to start
// the program. The functions kdsl calls are resolved into one table whose types come from
// OpenVINO's own headers, so a signature that changes between versions fails to compile.
#ifndef KDSL_OPENVINO_H
#define KDSL_OPENVINO_H

#if !__has_include(<openvino/c/openvino.h>)
#error "OpenVINO's C headers are missing: run `make deps` (deps/fetch.sh unpacks them into .deps/openvino/include)"
#endif
#include <openvino/c/openvino.h>
#include <stddef.h>

/// The OpenVINO C functions kdsl uses, resolved from libopenvino_c.
typedef struct {
    __typeof__(ov_get_openvino_version) *get_openvino_version;
    __typeof__(ov_version_free) *version_free;
    __typeof__(ov_get_last_err_msg) *get_last_err_msg;
    __typeof__(ov_free) *free;
    __typeof__(ov_get_error_info) *get_error_info;
    __typeof__(ov_core_create) *core_create;
    __typeof__(ov_core_free) *core_free;
    __typeof__(ov_core_read_model) *core_read_model;
    __typeof__(ov_core_compile_model) *core_compile_model;
    __typeof__(ov_model_free) *model_free;
    __typeof__(ov_compiled_model_create_infer_request) *compiled_model_create_infer_request;
    __typeof__(ov_compiled_model_free) *compiled_model_free;
    __typeof__(ov_infer_request_set_input_tensor) *infer_request_set_input_tensor;
    __typeof__(ov_infer_request_infer) *infer_request_infer;
    __typeof__(ov_infer_request_get_output_tensor) *infer_request_get_output_tensor;
    __typeof__(ov_infer_request_free) *infer_request_free;
    __typeof__(ov_tensor_create_from_host_ptr) *tensor_create_from_host_ptr;
    __typeof__(ov_tensor_get_shape) *tensor_get_shape;
    __typeof__(ov_tensor_data) *tensor_data;
    __typeof__(ov_tensor_free) *tensor_free;
    __typeof__(ov_shape_create) *shape_create;
    __typeof__(ov_shape_free) *shape_free;
} kdsl_openvino_api;

/// Opens libopenvino_c at `library_path` and fills `api`. Returns NULL on success, else a message
/// (dlopen's or dlsym's reason) that stays valid until the next call.
const char *kdsl_openvino_open(const char *library_path, kdsl_openvino_api *api);

/// Compiles `model` for the CPU with `threads` inference threads, one stream, and f32 inference
/// precision (the CPU plugin would otherwise pick bf16 where the CPU has it, and results would
/// differ between machines). `ov_core_compile_model` is variadic, which Swift cannot call.
ov_status_e kdsl_openvino_compile_cpu(const kdsl_openvino_api *api, const ov_core_t *core, const ov_model_t *model,
                                      int threads, ov_compiled_model_t **compiled);

#endif
