import Testing
@Test func placeholderMerge() {}
