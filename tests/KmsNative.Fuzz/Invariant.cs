namespace KmsNative.Fuzz;

/// <summary>A property the harness checks on accepted inputs; a violation is a crash like an unexpected exception.</summary>
internal static class Invariant
{
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolationException(what);
        }
    }
}

/// <summary>Thrown by a harness when an accepted input produced a result that breaks the entry point's contract.</summary>
internal sealed class InvariantViolationException(string message) : Exception(message);
