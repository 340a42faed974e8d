namespace KmsNative.KeyVaultEmulator.Faults;

/// <summary>
/// One injected fault, as posted to <c>POST /_emulator/faults</c>. Applies to requests whose operation equals
/// <see cref="Operation"/> ("*" matches all). <see cref="Count"/> null or 0 means until <c>DELETE /_emulator/faults</c>.
/// A rule with only <see cref="LatencyMs"/> delays the request and then lets it through.
/// </summary>
internal sealed class FaultRule
{
    public string Operation { get; init; } = "*";

    /// <summary>HTTP status to answer with (e.g. 429, 500, 503, 403); null lets the request through after the latency.</summary>
    public int? Status { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public int? Count { get; init; }

    public int LatencyMs { get; init; }

    /// <summary>Abort the connection without a response (a TCP reset after the request was read).</summary>
    public bool DropConnection { get; init; }

    /// <summary>Error code in the body; defaults by status (Throttled, InternalServerError, ServiceUnavailable, Forbidden).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Remaining applications; guarded by the <see cref="FaultInjector"/> lock.</summary>
    internal int Remaining { get; set; }

    public bool Matches(string operation) => Operation == "*" || string.Equals(Operation, operation, StringComparison.OrdinalIgnoreCase);
}
