import Testing
import TestSupport

@Suite struct SmokeTests {
    @Test func runsAToolAndSeesItsOutput() throws {
        let run = try runShell("printf 'a\\nb\\n' | head -1")
        #expect(run.status == 0)
        #expect(run.out == "a\n")
    }
}
