using KmsNative.Backend;
using KmsNative.KeyVault;
using KmsNative.KeyVault.Configuration;
using KmsNative.Kms.Hosting;

namespace KmsNative.Tests.Backend;

public sealed class KeyVaultSetupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kmsnative-setup-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string AzureJson(string json)
    {
        string path = Path.Combine(_directory, "azure.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static Options Flags(params string[] args) => Options.Parse(args).Options!;

    private static string? NoEnvironment(string name) => null;

    [Theory]
    [InlineData("--key-name=k", "--key-version=v", "--keyvault-name is required")]
    [InlineData("--keyvault-name=kv1", "--key-version=v", "--key-name is required")]
    public void Create_MissingKeyFlag_NamesIt(string first, string second, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => KeyVaultSetup.Create(Flags(first, second), NoEnvironment, "0.1.0", NullKmsLog.Instance));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MissingAzureJson_NamesTheFile()
    {
        string path = Path.Combine(_directory, "missing.json");
        var error = Assert.Throws<ConfigurationException>(() =>
            KeyVaultSetup.Create(Flags("--keyvault-name=kv1", "--key-name=k", "--key-version=v", $"--config-file-path={path}"), NoEnvironment, "0.1.0", NullKmsLog.Instance));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoCredentials_FailsBeforeAnyNetworkCall()
    {
        string path = AzureJson("""{"cloud":"AzurePublicCloud","tenantId":"t"}""");
        var error = Assert.Throws<ConfigurationException>(() =>
            KeyVaultSetup.Create(Flags("--keyvault-name=kv1", "--key-name=k", "--key-version=v", $"--config-file-path={path}"), NoEnvironment, "0.1.0", NullKmsLog.Instance));
        Assert.Contains("no credentials provided for accessing keyvault", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClientSecret_BuildsKeyFromFlagsWithGoKeyId()
    {
        string path = AzureJson("""{"cloud":"AzurePublicCloud","tenantId":"tenant","aadClientId":"client-id-1234","aadClientSecret":"s3cret-value"}""");
        KeyVaultSetup.Result result = KeyVaultSetup.Create(
            Flags("--keyvault-name=example", "--key-name=mykey", "--key-version=ABCD", $"--config-file-path={path}"), NoEnvironment, "0.1.0", NullKmsLog.Instance);
        Assert.Equal("https://example.vault.azure.net/", result.ClientUri.AbsoluteUri);
        Assert.Equal("567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b", result.Key.KeyIdHash);
        Assert.DoesNotContain("s3cret-value", result.CredentialDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ProxyMode_SendsToProxyButKeepsTheKeyId()
    {
        string path = AzureJson("""{"tenantId":"tenant","aadClientId":"client-id-1234","aadClientSecret":"s3cret-value"}""");
        KeyVaultSetup.Result result = KeyVaultSetup.Create(
            Flags("--keyvault-name=example", "--key-name=mykey", "--key-version=ABCD", $"--config-file-path={path}", "--proxy-mode", "--proxy-address=localhost"),
            NoEnvironment, "0.1.0", NullKmsLog.Instance);
        Assert.Equal("http://localhost:7788/example.vault.azure.net/", result.ClientUri.AbsoluteUri);
        Assert.Equal("567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b", result.Key.KeyIdHash);
    }

    [Fact]
    public void Create_ManagedHsmOutsidePublicCloud_Fails()
    {
        string path = AzureJson("""{"cloud":"AzureGermanCloud","useManagedIdentityExtension":true}""");
        Assert.Throws<ConfigurationException>(() =>
            KeyVaultSetup.Create(Flags("--keyvault-name=example", "--key-name=k", "--key-version=v", "--managed-hsm", $"--config-file-path={path}"), NoEnvironment, "0.1.0", NullKmsLog.Instance));
    }
}
