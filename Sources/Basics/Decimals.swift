/// Numbers with a fixed count of decimals, rounded half away from zero: kdsl's one rule for the
/// numbers people read (F1 tables, rule reports, timings, rates) and the numbers files keep at a
/// fixed precision (probabilities, rule rewards), so every machine writes the same bytes.
public enum Decimals {
    /// 10^`places` (exact as a Double for the places kdsl uses, 0...15).
    @inlinable public static func scale(_ places: Int) -> Double {
        var s = 1
        for _ in 0..<places { s *= 10 }
        return Double(s)
    }

    /// `x` × 10^`places` rounded half away from zero: the whole number of units of the last place.
    @inlinable public static func scaled(_ x: Double, places: Int) -> Double { (x * scale(places)).rounded() }

    /// `x` rounded to `places` decimals, as a Double: what a file keeps (JSON then prints it in its
    /// shortest form, `0.5`, `0.1234`).
    @inlinable public static func rounded(_ x: Double, places: Int) -> Double { scaled(x, places: places) / scale(places) }

    /// `x` written with exactly `places` decimals for people: `fixed(0.72727, places: 4)` is
    /// `0.7273`, `fixed(3, places: 1)` is `3.0`, `fixed(250.4, places: 0)` is `250`; a negative
    /// number that rounds to zero prints without its sign.
    public static func fixed(_ x: Double, places: Int) -> String {
        let scaled = (abs(x) * scale(places)).rounded(.toNearestOrAwayFromZero)
        let units = Int(scaled), one = Int(scale(places))
        let sign = x < 0 && scaled > 0 ? "-" : ""
        if places == 0 { return sign + "\(units)" }
        let digits = String(units % one)
        return sign + "\(units / one)." + String(repeating: "0", count: places - digits.count) + digits
    }
}
