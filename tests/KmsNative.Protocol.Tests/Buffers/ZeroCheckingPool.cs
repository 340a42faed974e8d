using System.Buffers;

namespace KmsNative.Protocol.Tests.Buffers;

/// <summary>
/// An <see cref="ArrayPool{T}"/> that hands out fresh zeroed arrays and, on return, records any array that still holds
/// a non-zero byte, or that it never handed out (or got back twice). Thread-safe.
/// </summary>
internal sealed class ZeroCheckingPool : ArrayPool<byte>
{
    private readonly Lock _sync = new();
    private readonly HashSet<byte[]> _outstanding = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _violations = [];
    private int _rented;

    public int Rented
    {
        get
        {
            lock (_sync)
            {
                return _rented;
            }
        }
    }

    public int Outstanding
    {
        get
        {
            lock (_sync)
            {
                return _outstanding.Count;
            }
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_sync)
            {
                return [.. _violations];
            }
        }
    }

    public override byte[] Rent(int minimumLength)
    {
        byte[] array = new byte[minimumLength];
        lock (_sync)
        {
            _outstanding.Add(array);
            _rented++;
        }

        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        int dirty = array.AsSpan().IndexOfAnyExcept((byte)0);
        lock (_sync)
        {
            if (!_outstanding.Remove(array))
            {
                _violations.Add($"an array of {array.Length} bytes returned that is not outstanding");
            }

            if (dirty >= 0)
            {
                _violations.Add($"an array of {array.Length} bytes returned with a non-zero byte at {dirty}");
            }
        }
    }

    /// <summary>Waits (bounded) until every rented array is back: buffers of handlers that finish on other threads.</summary>
    public bool WaitUntilAllReturned() => SpinWait.SpinUntil(() => Outstanding == 0, TimeSpan.FromSeconds(10));
}
