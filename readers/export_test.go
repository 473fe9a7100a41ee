package readers

// ParseMappingText reads a mapping from its text, for the tests.
var ParseMappingText = parseMapping
