using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.KeyVault.Tests.Credentials;

public sealed class ClientCertificateLoaderTests : IDisposable
{
    private const string ConfigPath = "/etc/kubernetes/azure.json";
    private const string Password = "pfx-password-value";

    private readonly TestFiles _files = new();
    private readonly X509Certificate2 _certificate = TestFiles.CreateRsaCertificate();

    public void Dispose()
    {
        _files.Dispose();
        _certificate.Dispose();
    }

    private static AzureConfig Config(string certPath, string password = "") =>
        new() { SourcePath = ConfigPath, ClientCertPath = certPath, ClientCertPassword = password };

    private string WritePem(string keyPem) => _files.Write("client.pem", _certificate.ExportCertificatePem() + "\n" + keyPem);

    private static void AssertHasRsaKey(X509Certificate2 loaded, X509Certificate2 expected)
    {
        Assert.Equal(expected.Thumbprint, loaded.Thumbprint);
        using RSA? key = loaded.GetRSAPrivateKey();
        Assert.NotNull(key);
    }

    [Fact]
    public void Load_LegacyPfx_Loads()
    {
        string path = _files.Write("c.pfx", _certificate.Export(X509ContentType.Pkcs12, Password));
        using X509Certificate2 loaded = ClientCertificateLoader.Load(Config(path, Password));
        AssertHasRsaKey(loaded, _certificate);
    }

    [Fact]
    public void Load_AesPfx_Loads()
    {
        // OpenSSL 3's default PKCS#12 encryption, which the Go plugin's x/crypto/pkcs12 cannot read.
        string path = _files.Write("c.pfx", _certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, Password));
        using X509Certificate2 loaded = ClientCertificateLoader.Load(Config(path, Password));
        AssertHasRsaKey(loaded, _certificate);
    }

    [Fact]
    public void Load_PfxWithoutKey_Error()
    {
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(_certificate.RawData);
        string path = _files.Write("c.pfx", publicOnly.Export(X509ContentType.Pkcs12, Password));
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path, Password)));
        Assert.Equal($"{ConfigPath}: \"aadClientCertPath\" is \"{path}\", but it has no private key; the certificate must come with an RSA private key", ex.Message);
    }

    [Fact]
    public void Load_PfxWithEcKey_Error()
    {
        using X509Certificate2 ec = TestFiles.CreateEcCertificate();
        string path = _files.Write("c.pfx", ec.Export(X509ContentType.Pkcs12, Password));
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path, Password)));
        Assert.Contains("but its private key is not RSA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotPkcs12_Error()
    {
        string path = _files.Write("c.pfx", [0x30, 0x03, 0x02, 0x01, 0x00]);
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path, Password)));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is \"{path}\", which cannot be opened as a PKCS#12 (PFX) file", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Directory_Error()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(_files.Directory, Password)));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is \"{_files.Directory}\", which cannot be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemPkcs8_Loads()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        using X509Certificate2 loaded = ClientCertificateLoader.Load(Config(WritePem(key.ExportPkcs8PrivateKeyPem())));
        AssertHasRsaKey(loaded, _certificate);
    }

    [Fact]
    public void Load_PemPkcs1KeyFirst_Loads()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        string path = _files.Write("client.pem", key.ExportRSAPrivateKeyPem() + "\n" + _certificate.ExportCertificatePem());
        using X509Certificate2 loaded = ClientCertificateLoader.Load(Config(path));
        AssertHasRsaKey(loaded, _certificate);
    }

    [Fact]
    public void Load_PemEncryptedKey_LoadsWithPassword()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        string pem = key.ExportEncryptedPkcs8PrivateKeyPem(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        using X509Certificate2 loaded = ClientCertificateLoader.Load(Config(WritePem(pem), Password));
        AssertHasRsaKey(loaded, _certificate);
    }

    [Fact]
    public void Load_PemEncryptedKeyWithoutPassword_Error()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        string path = WritePem(key.ExportEncryptedPkcs8PrivateKeyPem(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path)));
        Assert.Equal($"{ConfigPath}: \"aadClientCertPath\" is \"{path}\", a PEM file whose private key is encrypted; set \"aadClientCertPassword\"", ex.Message);
    }

    [Fact]
    public void Load_PemEncryptedKeyWrongPassword_Error()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        string path = WritePem(key.ExportEncryptedPkcs8PrivateKeyPem(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path, "wrong-password")));
        Assert.Contains("cannot be decrypted with \"aadClientCertPassword\"", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemWithoutKey_Error()
    {
        string path = _files.Write("client.pem", _certificate.ExportCertificatePem());
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path)));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is \"{path}\", a PEM file without a private key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemWithoutCertificate_Error()
    {
        using RSA key = _certificate.GetRSAPrivateKey()!;
        string path = _files.Write("client.pem", key.ExportPkcs8PrivateKeyPem());
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path)));
        Assert.EndsWith("a PEM file without a CERTIFICATE block", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemKeyOfAnotherCertificate_Error()
    {
        using RSA other = RSA.Create(2048);
        string path = WritePem(other.ExportPkcs8PrivateKeyPem());
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path)));
        Assert.Contains("the key does not match the certificate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemEcKey_Error()
    {
        using X509Certificate2 ec = TestFiles.CreateEcCertificate();
        using ECDsa key = ec.GetECDsaPrivateKey()!;
        string path = _files.Write("client.pem", ec.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        var ex = Assert.Throws<ConfigurationException>(() => ClientCertificateLoader.Load(Config(path)));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is \"{path}\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsPemFile_MissingFile_False()
    {
        Assert.False(ClientCertificateLoader.IsPemFile(Path.Combine(_files.Directory, "none.pem")));
    }
}
