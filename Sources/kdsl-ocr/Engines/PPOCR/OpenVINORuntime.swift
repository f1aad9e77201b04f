internal import COpenVINO
import InstallLayout
import Basics
import JSONLines

#if canImport(Glibc)
import Glibc
#endif

/// OpenVINO, opened once per process: the resolved C API and one `ov_core` (thread-safe: every
/// worker compiles its own network from it).
///
/// The library is found, in order, at `KDSL_OPENVINO_LIB` (the file libopenvino_c.so or its
/// folder), then in `openvino/lib/` of the data folder (`DataDirectory`: the installed
/// share/kdsl/, else the deps folder `make deps` fills). The C side is given that path.
final class OpenVINORuntime: @unchecked Sendable {
    let api: kdsl_openvino_api
    let core: OpaquePointer
    /// The runtime's own version string, e.g. `2026.4.1-22982-...`.
    let version: String

    private init(api: kdsl_openvino_api, core: OpaquePointer, version: String) {
        self.api = api; self.core = core; self.version = version
    }

    /// Where libopenvino_c is looked for.
    static func libraryPath() -> String {
        let path = DataDirectory.locate("openvino/lib/libopenvino_c.so", override: "KDSL_OPENVINO_LIB")
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return path + "/libopenvino_c.so" }
        return path
    }

    private static let lock = Mutex()
    nonisolated(unsafe) private static var loaded: Result<OpenVINORuntime, EngineSetupError>?

    /// The process's runtime, opened on first use; a missing or broken library is a setup error
    /// that says where it was looked for and how to install it.
    static func shared() throws(EngineSetupError) -> OpenVINORuntime {
        let result = lock.locked { () -> Result<OpenVINORuntime, EngineSetupError> in
            if let loaded { return loaded }
            let r = open()
            loaded = r
            return r
        }
        return try result.get()
    }

    private static func open() -> Result<OpenVINORuntime, EngineSetupError> {
        let path = libraryPath()
        // A library cut short would be mapped past its end: SIGBUS, and no message.
        do { try PinnedFiles.checkRuntime(libraryPath: path) } catch { return .failure(error) }
        var api = kdsl_openvino_api()
        if let why = kdsl_openvino_open(path, &api) {
            return .failure(EngineSetupError("the OpenVINO runtime cannot be loaded from \(path): \(String(cString: why)); "
                + "\(DataDirectory.remedy)\(DataDirectory.isInstalled ? "" : " (it fetches the pinned openvino wheel from PyPI)"), or point "
                + "KDSL_OPENVINO_LIB at libopenvino_c.so from an openvino wheel, or use --engine tesseract"))
        }
        var core: OpaquePointer?
        let status = api.core_create(&core)
        guard status == OK, let core else {
            return .failure(EngineSetupError("OpenVINO could not start: \(describe(api, status))"))
        }
        var v = ov_version_t()
        var version = "unknown"
        if api.get_openvino_version(&v) == OK {
            if let b = v.buildNumber { version = String(cString: b) }
            _ = api.version_free(&v)
        }
        return .success(OpenVINORuntime(api: api, core: core, version: version))
    }

    /// OpenVINO's message for a failed call: the status name and its last error text.
    static func describe(_ api: kdsl_openvino_api, _ status: ov_status_e) -> String {
        var text = api.get_error_info(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        if let last = api.get_last_err_msg() {
            let m = String(cString: last)
            // A copy the runtime allocated with new[]: it is released by the runtime's own ov_free.
            api.free(last)
            let firstLines = m.split(separator: "\n").prefix(3).joined(separator: " ")
            if !firstLines.isEmpty { text += ": " + firstLines }
        }
        return text
    }
}

/// A network compiled for the CPU with one inference thread, and its one inference request: what
/// one worker runs. Not thread-safe (one per worker).
final class CompiledNetwork {
    private let runtime: OpenVINORuntime
    private let compiled: OpaquePointer
    private let request: OpaquePointer
    let path: String

    /// Reads the ONNX (or IR) file at `path` and compiles it with `threads` inference threads.
    init(runtime: OpenVINORuntime, path: String, threads: Int = 1) throws(EngineSetupError) {
        self.runtime = runtime
        self.path = path
        let api = runtime.api
        var model: OpaquePointer?
        var status = api.core_read_model(runtime.core, path, nil, &model)
        guard status == OK, let model else {
            throw EngineSetupError("OpenVINO cannot read the model \(path): \(OpenVINORuntime.describe(api, status))")
        }
        defer { _ = api.model_free(model) }
        var compiled: OpaquePointer?
        var api2 = api
        status = kdsl_openvino_compile_cpu(&api2, runtime.core, model, Int32(threads), &compiled)
        guard status == OK, let compiled else {
            throw EngineSetupError("OpenVINO cannot compile \(path) for the CPU: \(OpenVINORuntime.describe(api, status))")
        }
        var request: OpaquePointer?
        status = api.compiled_model_create_infer_request(compiled, &request)
        guard status == OK, let request else {
            _ = api.compiled_model_free(compiled)
            throw EngineSetupError("OpenVINO cannot create an inference request for \(path): \(OpenVINORuntime.describe(api, status))")
        }
        self.compiled = compiled
        self.request = request
    }

    deinit {
        _ = runtime.api.infer_request_free(request)
        _ = runtime.api.compiled_model_free(compiled)
    }

    /// Runs the network on one f32 input of `shape` (e.g. [1, 3, H, W]); calls `body` with the first
    /// output's values and shape, valid only inside `body`.
    func infer<T>(_ input: inout [Float], shape: [Int], _ body: (UnsafeBufferPointer<Float>, [Int]) throws -> T) throws -> T {
        let api = runtime.api
        var dims = shape.map { Int64($0) }
        var ovShape = ov_shape_t()
        guard api.shape_create(Int64(dims.count), &dims, &ovShape) == OK else { throw InferenceError("cannot create a tensor shape") }
        defer { _ = api.shape_free(&ovShape) }
        // The tensor wraps the array's storage, so it is created, set and run while that storage
        // is pinned, and freed before the pin ends.
        var status = input.withUnsafeMutableBytes { buf -> ov_status_e in
            var tensor: OpaquePointer?
            var s = api.tensor_create_from_host_ptr(F32, ovShape, buf.baseAddress, &tensor)
            guard s == OK, let tensor else { return s }
            defer { _ = api.tensor_free(tensor) }
            s = api.infer_request_set_input_tensor(request, tensor)
            return s == OK ? api.infer_request_infer(request) : s
        }
        guard status == OK else { throw InferenceError("inference failed: \(OpenVINORuntime.describe(api, status))") }
        var output: OpaquePointer?
        status = api.infer_request_get_output_tensor(request, &output)
        guard status == OK, let output else { throw InferenceError("no output: \(OpenVINORuntime.describe(api, status))") }
        defer { _ = api.tensor_free(output) }
        var outShape = ov_shape_t()
        guard api.tensor_get_shape(output, &outShape) == OK else { throw InferenceError("cannot read the output shape") }
        defer { _ = api.shape_free(&outShape) }
        let rank = Int(outShape.rank)
        let outDims = (0..<rank).map { Int(outShape.dims[$0]) }
        var data: UnsafeMutableRawPointer?
        guard api.tensor_data(output, &data) == OK, let data else { throw InferenceError("cannot read the output") }
        let count = outDims.reduce(1, *)
        return try body(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: count), outDims)
    }
}

/// A failed inference on one image (reported in that image's entry, not a setup error).
struct InferenceError: Error { let message: String; init(_ m: String) { message = m } }
