// SPDX-License-Identifier: MIT
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.Systemd;

/// <summary>The systemd tools the tests run (Debian package systemd, installed by build/install-deps.sh) and shared steps.</summary>
internal static class SystemdTools
{
    public static string UnitDirectory => Path.Combine(InteropPaths.RepoRoot, "build", "systemd");

    public static string Tool(string name)
    {
        string path = Path.Combine("/usr/bin", name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing. Install it with build/install-deps.sh (Debian package systemd).");
        }

        return path;
    }

    /// <summary>Encrypt then Decrypt of a random 32-byte DEK over the socket, as kube-apiserver's KMS v2 client does.</summary>
    public static async Task AssertRoundTripAsync(string socketPath)
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(socketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        byte[] dek = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(dek), Uid = "systemd" }, deadline: DateTime.UtcNow.AddSeconds(10));
        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId, Uid = "systemd" };
        request.Annotations.Add(encrypted.Annotations);
        V2.DecryptResponse decrypted = await client.DecryptAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(dek, decrypted.Plaintext.ToByteArray());
    }
}

/// <summary>The manager's end of $NOTIFY_SOCKET: a datagram socket the test binds and reads.</summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public NotifyListener(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
    }

    public string Path { get; }

    /// <summary>Datagrams until one contains <paramref name="assignment"/>; all of them, in order. Fails after 20 s.</summary>
    public async Task<List<string>> ReceiveUntilAsync(string assignment)
    {
        var received = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        while (true)
        {
            int count;
            try
            {
                count = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"no {assignment} within 20 s; received: [{string.Join(" | ", received)}]");
            }

            string message = Encoding.UTF8.GetString(buffer, 0, count);
            received.Add(message);
            if (message.Split('\n').Contains(assignment))
            {
                return received;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
