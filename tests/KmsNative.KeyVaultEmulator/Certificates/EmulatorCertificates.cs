using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KmsNative.KeyVaultEmulator.Certificates;

/// <summary>
/// A throw-away CA made at start-up and one TLS leaf it signs. Clients trust <see cref="CaPem"/>
/// (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, or an explicit chain policy in tests). Nothing is written to a store.
/// </summary>
internal sealed class EmulatorCertificates : IDisposable
{
    private EmulatorCertificates(X509Certificate2 ca, X509Certificate2 leaf)
    {
        Ca = ca;
        Leaf = leaf;
    }

    /// <summary>The CA certificate, public part only.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The server certificate with its private key, for Kestrel.</summary>
    public X509Certificate2 Leaf { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <param name="hostNames">DNS names for the leaf besides localhost; wildcards like <c>*.vault.azure.net</c> are allowed.</param>
    public static EmulatorCertificates Create(IEnumerable<string> hostNames)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=KmsNative Key Vault Emulator CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using X509Certificate2 caWithKey = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        // OpenSSL 3 strict chain checks (and Python's ssl) want the AKI to point at the issuer's SKI.
        leafRequest.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caWithKey, true, false));

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (string name in hostNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out IPAddress? ip))
            {
                san.AddIpAddress(ip);
            }
            else if (!string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                san.AddDnsName(name);
            }
        }
        leafRequest.CertificateExtensions.Add(san.Build());

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // RFC 5280 §4.1.2.2: the serial number is a positive integer.
        using X509Certificate2 leafPublic = leafRequest.Create(caWithKey, now.AddMinutes(-5), now.AddDays(29), serial);
        X509Certificate2 leaf = leafPublic.CopyWithPrivateKey(leafKey);

        X509Certificate2 ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        return new EmulatorCertificates(ca, leaf);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Leaf.Dispose();
    }
}
