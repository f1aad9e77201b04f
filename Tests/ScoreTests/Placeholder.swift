import Testing
@Test func placeholderScore() {}
