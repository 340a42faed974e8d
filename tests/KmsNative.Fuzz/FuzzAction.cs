namespace KmsNative.Fuzz;

/// <summary>
/// Feeds one input to a real entry point. Returns when the input was accepted or rejected with the parser's own
/// documented error; any other exception escapes, and the fuzzer (or the CI pass) reports it as a crash.
/// </summary>
internal delegate void FuzzAction(ReadOnlySpan<byte> input);
