import Testing
@Test func placeholderOCR() {}
