using System.Security.Cryptography;
using Grpc.Core;

namespace KmsNative.Backend;

/// <summary>
/// Concurrent cache misses for one ciphertext share one Key Vault decrypt. The first caller for a key (the leader)
/// runs the call under its own deadline; callers that arrive meanwhile wait for that call under theirs. The leader
/// removes the flight before completing it, so no one joins a finished flight; each caller gets its own copy of the
/// shared plaintext and the last one out zeroes it. A follower whose own deadline is still running when the leader's
/// expired tries again rather than fail with the leader's deadline. Thread-safe.
/// </summary>
internal sealed class DecryptFlights
{
    private readonly Dictionary<DekCacheKey, Flight> _inflight = [];

    /// <param name="unwrap">The leader's Key Vault call; its plaintext is shared, then zeroed when the last caller has copied it.</param>
    /// <returns>An array the caller owns and must zero.</returns>
    public async Task<byte[]> RunAsync(DekCacheKey key, Func<CancellationToken, Task<byte[]>> unwrap, CancellationToken cancellationToken)
    {
        while (true)
        {
            Flight? flight;
            bool leader = false;
            lock (_inflight)
            {
                if (_inflight.TryGetValue(key, out flight))
                {
                    flight.Waiters++;
                }
                else
                {
                    flight = new Flight();
                    _inflight.Add(key, flight);
                    leader = true;
                }
            }

            if (leader)
            {
                try
                {
                    Complete(key, flight, await unwrap(cancellationToken).ConfigureAwait(false), null);
                }
                catch (Exception ex)
                {
                    Complete(key, flight, null, ex);
                }
            }

            try
            {
                byte[] shared = await flight.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return shared.AsSpan().ToArray(); // the caller's own array: it zeroes it once the response is sent
            }
            catch (RpcException ex) when (!leader && (ex.StatusCode == StatusCode.DeadlineExceeded || ex is KeyVaultRateLimitedException)
                                          && !cancellationToken.IsCancellationRequested)
            {
                // The leader's deadline ended the shared call (or came before its turn under the rate limit); ours
                // has not: try again, under our own deadline.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline expired while waiting for Key Vault"));
            }
            finally
            {
                flight.Release();
            }
        }
    }

    private void Complete(DekCacheKey key, Flight flight, byte[]? plaintext, Exception? error)
    {
        lock (_inflight)
        {
            _inflight.Remove(key);
        }

        if (plaintext is not null)
        {
            flight.Result.SetResult(plaintext);
        }
        else
        {
            flight.Result.SetException(error!);
        }
    }

    /// <summary>One Key Vault decrypt shared by every caller that missed the cache for the same key meanwhile.</summary>
    private sealed class Flight
    {
        public readonly TaskCompletionSource<byte[]> Result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Joined under the flight table's lock while the flight is in it; the leader holds one until it completed.
        public int Waiters = 1;

        public void Release()
        {
            if (Interlocked.Decrement(ref Waiters) == 0 && Result.Task.IsCompletedSuccessfully)
            {
                CryptographicOperations.ZeroMemory(Result.Task.Result);
            }
        }
    }
}
