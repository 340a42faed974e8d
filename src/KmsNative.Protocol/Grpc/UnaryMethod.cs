using Grpc.Core;

namespace KmsNative.Protocol.Grpc;

/// <summary>One bound unary method: deserialize, run the handler, serialize the answer.</summary>
internal sealed class UnaryMethod<TRequest, TResponse> : IUnaryMethod
    where TRequest : class
    where TResponse : class
{
    private static readonly Status s_invalidMessage = new(StatusCode.Internal, "the request message could not be parsed");

    private readonly Method<TRequest, TResponse> _method;
    private readonly UnaryServerMethod<TRequest, TResponse> _handler;

    public UnaryMethod(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    {
        _method = method;
        _handler = handler;
    }

    public string FullName => _method.FullName;

    public void Start(GrpcCall call, ReadOnlyMemory<byte> message)
    {
        TRequest request;
        try
        {
            request = _method.RequestMarshaller.ContextualDeserializer(new PayloadDeserializationContext(message));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (call.TryBeginAnswer())
            {
                call.SendStatus(s_invalidMessage, null);
            }

            call.Dispose();
            return;
        }

        Task<TResponse> task;
        try
        {
            task = _handler(request, call);
        }
        catch (Exception ex)
        {
            Complete(call, request, null, ex);
            return;
        }

        if (task.IsCompleted)
        {
            Complete(call, request, task.IsCompletedSuccessfully ? task.Result : null, task.Exception?.InnerException ?? CanceledOrNull(task));
        }
        else
        {
            _ = AwaitAsync(call, request, task);
        }
    }

    private async Task AwaitAsync(GrpcCall call, TRequest request, Task<TResponse> task)
    {
        TResponse? response = null;
        Exception? error = null;
        try
        {
            response = await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Complete(call, request, response, error);
    }

    private void Complete(GrpcCall call, TRequest request, TResponse? response, Exception? error)
    {
        try
        {
            if (call.TryBeginAnswer())
            {
                if (error is not null || response is null)
                {
                    call.SendError(error ?? new RpcException(new Status(StatusCode.Internal, "the handler returned no response")));
                }
                else
                {
                    using var serialization = new ResponseSerializationContext(call.Pool);
                    _method.ResponseMarshaller.ContextualSerializer(response, serialization);
                    call.SendResponse(serialization.Message);
                }
            }
        }
        finally
        {
            (request as ISensitiveMessage)?.ZeroSecrets();
            (response as ISensitiveMessage)?.ZeroSecrets();
            call.Dispose();
        }
    }

    private static OperationCanceledException? CanceledOrNull(Task task) => task.IsCanceled ? new OperationCanceledException() : null;
}
