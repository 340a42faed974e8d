using Grpc.Core;

namespace KmsNative.Kms.Observability;

/// <summary>
/// The bounded set of <c>error_class</c> label values: one per gRPC code a failed call can end with. The Go plugin
/// puts the whole error message in a label (unbounded series); this keeps the cause and drops the cardinality.
/// </summary>
internal static class ErrorClass
{
    public static readonly string[] Names =
    [
        "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
        "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented",
        "internal", "unavailable", "data_loss", "unauthenticated",
    ];

    /// <summary>Index into <see cref="Names"/> for a failed call's code (StatusCode.OK is not an error).</summary>
    public static int IndexOf(StatusCode code) => code is > StatusCode.OK and <= StatusCode.Unauthenticated ? (int)code - 1 : 1;
}
