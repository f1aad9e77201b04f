import Testing
@Test func placeholderShared() {}
