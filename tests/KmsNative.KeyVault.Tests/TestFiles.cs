using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KmsNative.KeyVault.Tests;

/// <summary>A temporary directory for one test, deleted on dispose, and certificates made at run time.</summary>
internal sealed class TestFiles : IDisposable
{
    public TestFiles()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kmsnative-config-").FullName;
    }

    public string Directory { get; }

    public string Write(string name, string content)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public string Write(string name, byte[] content)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static X509Certificate2 CreateRsaCertificate(string subject = "CN=kmsnative-test")
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public static X509Certificate2 CreateEcCertificate()
    {
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kmsnative-ec", ec, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
