using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// Loads <c>aadClientCertPath</c>: a PKCS#12 (PFX) file opened with <c>aadClientCertPassword</c>, as the Go plugin
/// does, or a PEM file holding the certificate and its private key (<c>PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c>, or
/// <c>ENCRYPTED PRIVATE KEY</c> opened with <c>aadClientCertPassword</c>). The key must be RSA, as the Go plugin requires.
/// </summary>
internal static class ClientCertificateLoader
{
    private static ReadOnlySpan<byte> PemBegin => "-----BEGIN "u8;

    /// <summary>Whether the file content is PEM text rather than PKCS#12 (DER, which starts with a SEQUENCE byte).</summary>
    public static bool IsPem(ReadOnlySpan<byte> content) => content.IndexOf(PemBegin) >= 0;

    /// <summary>Whether the file at <paramref name="path"/> can be read and is PEM; false when it cannot be read.</summary>
    public static bool IsPemFile(string path)
    {
        try
        {
            byte[] content = File.ReadAllBytes(path);
            bool pem = IsPem(content);
            CryptographicOperations.ZeroMemory(content);
            return pem;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Loads the certificate with its RSA private key. The caller owns the result.</summary>
    /// <exception cref="ConfigurationException">Unreadable file, wrong password, not PFX/PEM, no RSA private key.</exception>
    public static X509Certificate2 Load(AzureConfig config)
    {
        string source = config.SourcePath;
        string certPath = config.ClientCertPath;
        byte[] content;
        try
        {
            content = File.ReadAllBytes(certPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = ex is FileNotFoundException or DirectoryNotFoundException ? "it does not exist"
                : ex is UnauthorizedAccessException ? "permission denied" : ex.Message;
            throw new ConfigurationException(
                $"{source}: \"aadClientCertPath\" is \"{certPath}\", which cannot be read: {reason}", ex);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(content) ? LoadPem(content, config) : LoadPkcs12(content, config);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }

        using RSA? key = certificate.GetRSAPrivateKey();
        if (key is null)
        {
            string has = certificate.HasPrivateKey ? "its private key is not RSA" : "it has no private key";
            certificate.Dispose();
            throw new ConfigurationException(
                $"{source}: \"aadClientCertPath\" is \"{certPath}\", but {has}; the certificate must come with an RSA private key");
        }

        return certificate;
    }

    private static X509Certificate2 LoadPkcs12(byte[] content, AzureConfig config)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12(content, config.ClientCertPassword, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            // .NET reports a wrong password and a file that is not PKCS#12 alike; its message holds neither secret.
            throw new ConfigurationException(
                $"{config.SourcePath}: \"aadClientCertPath\" is \"{config.ClientCertPath}\", which cannot be opened as a PKCS#12 (PFX) file with \"aadClientCertPassword\": the password is wrong or the file is not PKCS#12 ({ex.Message})",
                ex);
        }
    }

    private static X509Certificate2 LoadPem(byte[] content, AzureConfig config)
    {
        string where = $"{config.SourcePath}: \"aadClientCertPath\" is \"{config.ClientCertPath}\", a PEM file";
        char[] text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetChars(content);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ConfigurationException($"{where} that is not valid text", ex);
        }

        try
        {
            ReadOnlySpan<char> pem = text;
            if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new ConfigurationException($"{where} without a CERTIFICATE block");
            }

            bool encrypted = pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
            bool plain = pem.Contains("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal) ||
                         pem.Contains("-----BEGIN RSA PRIVATE KEY-----", StringComparison.Ordinal);
            if (encrypted && config.ClientCertPassword.Length == 0)
            {
                throw new ConfigurationException($"{where} whose private key is encrypted; set \"aadClientCertPassword\"");
            }

            if (!encrypted && !plain)
            {
                throw new ConfigurationException(
                    $"{where} without a private key; put the RSA private key (PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED PRIVATE KEY) in the same file");
            }

            try
            {
                return encrypted
                    ? X509Certificate2.CreateFromEncryptedPem(pem, pem, config.ClientCertPassword)
                    : X509Certificate2.CreateFromPem(pem, pem);
            }
            catch (CryptographicException ex)
            {
                string why = encrypted
                    ? "the key cannot be decrypted with \"aadClientCertPassword\", or it does not match the certificate"
                    : "the key does not match the certificate, or a block is malformed";
                throw new ConfigurationException($"{where}: {why} ({ex.Message})", ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan()));
        }
    }
}
