import CJansson
@testable import JSONLines

#if canImport(Glibc)
import Glibc
#endif

/// jansson used directly (not through JSONLines) as the oracle of the property tests.
enum Jansson {
    typealias Value = UnsafeMutablePointer<json_t>

    /// `json_loadb` with the flags `Record` uses (any value at top level, `\u0000` read into strings).
    static func load(_ bytes: [UInt8]) -> Value? {
        var error = json_error_t()
        return bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { json_loadb($0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count, Int(JSON_DECODE_ANY | JSON_ALLOW_NUL), &error) }
        }
    }

    static func isObject(_ v: Value) -> Bool { v.pointee.type == JSON_OBJECT }

    /// The keys of an object, in jansson's (insertion) order.
    static func keys(_ v: Value) -> [String] {
        var out: [String] = []
        var it = json_object_iter(v)
        while let i = it {
            out.append(key(i))
            it = json_object_iter_next(v, i)
        }
        return out
    }

    static func key(_ iter: UnsafeMutableRawPointer) -> String {
        let p = json_object_iter_key(iter)!
        let n = json_object_iter_key_len(iter)
        return p.withMemoryRebound(to: UInt8.self, capacity: n) { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) }
    }

    /// The member `key` of object `v` (borrowed), or nil.
    static func get(_ v: Value, _ key: String) -> Value? {
        guard isObject(v) else { return nil }
        var k = key
        return k.withUTF8 { kb in
            kb.withMemoryRebound(to: CChar.self) { json_object_getn(v, $0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count) }
        }
    }

    /// Builds a new jansson value from Swift data (a reference the caller owns).
    static func make(_ j: JSON) -> Value {
        switch j {
        case .null: return json_null()
        case .bool(let b): return b ? json_true() : json_false()
        case .int(let i): return json_integer(json_int_t(i))
        case .double(let d): return json_real(d)
        case .string(let s):
            var s = s
            return s.withUTF8 { b in b.withMemoryRebound(to: CChar.self) { json_stringn($0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count) } }
        case .array(let items):
            let a = json_array()!
            for item in items { json_array_append_new(a, make(item)) }
            return a
        case .object(let members):
            let o = json_object()!
            for (k, v) in members { setMember(o, k, make(v)) }
            return o
        }
    }

    /// `json_object_setn_new` with a Swift key (steals `value`).
    static func setMember(_ o: Value, _ key: String, _ value: Value) {
        var k = key
        k.withUTF8 { kb in
            kb.withMemoryRebound(to: CChar.self) { _ = json_object_setn_new(o, $0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count, value) }
        }
    }

    /// Whether two jansson values are equal, object members compared in order (json_equal ignores order).
    static func equalOrdered(_ a: Value, _ b: Value) -> Bool {
        guard a.pointee.type == b.pointee.type else { return false }
        switch a.pointee.type {
        case JSON_OBJECT:
            guard json_object_size(a) == json_object_size(b) else { return false }
            var ia = json_object_iter(a), ib = json_object_iter(b)
            while let x = ia, let y = ib {
                guard key(x) == key(y), equalOrdered(json_object_iter_value(x), json_object_iter_value(y)) else { return false }
                ia = json_object_iter_next(a, x); ib = json_object_iter_next(b, y)
            }
            return ia == nil && ib == nil
        case JSON_ARRAY:
            guard json_array_size(a) == json_array_size(b) else { return false }
            for i in 0..<json_array_size(a) where !equalOrdered(json_array_get(a, i), json_array_get(b, i)) { return false }
            return true
        case JSON_STRING:
            return json_string_length(a) == json_string_length(b) && memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0
        case JSON_INTEGER: return json_integer_value(a) == json_integer_value(b)
        case JSON_REAL: return json_real_value(a).bitPattern == json_real_value(b).bitPattern
        default: return true
        }
    }

    /// Whether Swift data `j` is the same JSON value as jansson's `v`, object members in order.
    static func same(_ j: JSON, _ v: Value) -> Bool {
        switch (j, v.pointee.type) {
        case (.null, JSON_NULL): return true
        case (.bool(true), JSON_TRUE), (.bool(false), JSON_FALSE): return true
        case (.int(let i), JSON_INTEGER): return i == Int64(json_integer_value(v))
        case (.double(let d), JSON_REAL): return d.bitPattern == json_real_value(v).bitPattern
        case (.string(let s), JSON_STRING):
            let n = json_string_length(v)
            return Array(s.utf8) == json_string_value(v)!.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: n)) }
        case (.array(let items), JSON_ARRAY):
            guard items.count == json_array_size(v) else { return false }
            for (i, item) in items.enumerated() where !same(item, json_array_get(v, i)) { return false }
            return true
        case (.object(let members), JSON_OBJECT):
            guard members.count == json_object_size(v) else { return false }
            var it = json_object_iter(v)
            for (k, m) in members {
                guard let i = it, key(i) == k, same(m, json_object_iter_value(i)) else { return false }
                it = json_object_iter_next(v, i)
            }
            return it == nil
        default: return false
        }
    }
}
