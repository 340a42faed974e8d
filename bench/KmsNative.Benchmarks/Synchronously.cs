namespace KmsNative.Benchmarks;

internal static class Synchronously
{
    /// <summary>The in-memory backend with no delay completes synchronously; take the result without a Task.</summary>
    public static T Wait<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
