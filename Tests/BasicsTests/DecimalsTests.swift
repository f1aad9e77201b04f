import Testing
@testable import Basics

@Suite struct DecimalsTests {
    @Test func fixedPlaces() {
        #expect(Decimals.fixed(0, places: 4) == "0.0000")
        #expect(Decimals.fixed(2.0 / 3, places: 4) == "0.6667")
        #expect(Decimals.fixed(0.00005, places: 4) == "0.0001")
        #expect(Decimals.fixed(0.12344999, places: 4) == "0.1234")
        #expect(Decimals.fixed(0.9095, places: 3) == "0.910")
        #expect(Decimals.fixed(1, places: 3) == "1.000")
        #expect(Decimals.fixed(3.04, places: 1) == "3.0")
        #expect(Decimals.fixed(12.46, places: 1) == "12.5")
        #expect(Decimals.fixed(250.4, places: 0) == "250")
        #expect(Decimals.fixed(0.42, places: 2) == "0.42")
    }

    @Test func negativesKeepTheirSignUnlessTheyRoundToZero() {
        #expect(Decimals.fixed(-0.25, places: 1) == "-0.3")
        #expect(Decimals.fixed(-1.5, places: 0) == "-2")
        #expect(Decimals.fixed(-0.00004, places: 4) == "0.0000")
    }

    /// What a file keeps (`rounded`) is what a person reads (`fixed`), at every step of 1/10000.
    @Test func roundedAgreesWithFixed() {
        for k in 0...10_000 {
            let x = Double(k) / 10_000 + 0.000_03
            #expect(Decimals.rounded(x, places: 4) == Double(Decimals.fixed(x, places: 4))!, "\(k)")
            #expect(Decimals.scaled(x, places: 4) == Double(k))
        }
        #expect(Decimals.scale(0) == 1 && Decimals.scale(4) == 10_000)
    }
}
