using Grpc.Core;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// Collects the unary methods of generated services, through their <c>BindService(ServiceBinderBase, …)</c>,
/// so binding needs no reflection. KMS has only unary methods: the streaming overloads refuse.
/// </summary>
internal sealed class UnaryServiceBinder : ServiceBinderBase
{
    private readonly Dictionary<string, IUnaryMethod> _methods = new(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        _methods.Add(method.FullName, new UnaryMethod<TRequest, TResponse>(method, handler));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw NotUnary(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw NotUnary(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw NotUnary(method);

    public MethodTable Build() => new(_methods);

    private static NotSupportedException NotUnary(IMethod method) => new($"{method.FullName}: only unary methods are supported");
}
