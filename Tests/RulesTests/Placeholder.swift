import Testing
@Test func placeholderRules() {}
