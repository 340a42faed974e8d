namespace KmsNative.Fuzz;

/// <summary>One fuzz target: its name (the folder of its seeds and regressions, and build/fuzz.sh's argument) and entry.</summary>
internal sealed record FuzzTarget(string Name, string Description, FuzzAction Run);
