using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Tests.Configuration;

public class AzureCloudsTests
{
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    [Theory]
    [InlineData(null, "AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net", "https://vault.azure.net")]
    [InlineData("", "AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net", "https://vault.azure.net")]
    [InlineData("AzurePublicCloud", "AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net", "https://vault.azure.net")]
    [InlineData("azurecloud", "AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net", "https://vault.azure.net")]
    [InlineData("AZUREUSGOVERNMENTCLOUD", "AzureUSGovernmentCloud", "https://login.microsoftonline.us/", "vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net")]
    [InlineData("AzureUSGovernment", "AzureUSGovernmentCloud", "https://login.microsoftonline.us/", "vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net")]
    [InlineData("AzureChinaCloud", "AzureChinaCloud", "https://login.chinacloudapi.cn/", "vault.azure.cn", "https://vault.azure.cn")]
    [InlineData("AzureGermanCloud", "AzureGermanCloud", "https://login.microsoftonline.de/", "vault.microsoftazure.de", "https://vault.microsoftazure.de")]
    public void Resolve_KnownName_Endpoints(string? name, string canonical, string aad, string suffix, string resource)
    {
        AzureCloud cloud = AzureClouds.Resolve(name, managedHsm: false, s_noEnvironment);
        Assert.Equal(new AzureCloud(canonical, new Uri(aad), suffix, resource, IsManagedHsm: false, IsAzureStack: false), cloud);
        Assert.Equal(resource + "/.default", cloud.TokenScope);
    }

    [Fact]
    public void Resolve_PublicCloudManagedHsm_HsmPair()
    {
        AzureCloud cloud = AzureClouds.Resolve("AzurePublicCloud", managedHsm: true, s_noEnvironment);
        Assert.Equal("managedhsm.azure.net", cloud.KeyVaultDnsSuffix);
        Assert.Equal("https://managedhsm.azure.net", cloud.KeyVaultResource);
        Assert.True(cloud.IsManagedHsm);
        Assert.Equal(new Uri("https://myhsm.managedhsm.azure.net/"), cloud.GetVaultUri("myhsm"));
    }

    [Theory]
    [InlineData("AzureUSGovernmentCloud")]
    [InlineData("AzureChinaCloud")]
    [InlineData("AzureGermanCloud")]
    public void Resolve_ManagedHsmOnCloudWithoutIt_Error(string name)
    {
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve(name, managedHsm: true, s_noEnvironment));
        Assert.Equal($"Managed HSM (--managed-hsm) DNS suffix is not available in cloud {name}", ex.Message);
    }

    [Theory]
    [InlineData("AzureStack")]
    [InlineData("Public")]
    [InlineData(" AzureCloud")]
    public void Resolve_UnknownName_ErrorListsValidNames(string name)
    {
        var ex = Assert.Throws<ConfigurationException>(
            () => AzureClouds.Resolve(name, managedHsm: false, s_noEnvironment, "/etc/kubernetes/azure.json"));
        Assert.Equal(
            $"/etc/kubernetes/azure.json: \"cloud\" is \"{name}\", which is not a known cloud; use one of AzurePublicCloud, AzureCloud, AzureUSGovernmentCloud, AzureUSGovernment, AzureChinaCloud, AzureGermanCloud, AzureStackCloud (any case)",
            ex.Message);
    }

    private const string StackFile = """
        {
          "name": "MyStack",
          "ActiveDirectoryEndpoint": "https://adfs.local.azurestack.external/adfs",
          "keyvaultdnssuffix": "vault.local.azurestack.external",
          "managedHSMDNSSuffix": "N/A",
          "serviceManagementEndpoint": "https://management.local.azurestack.external/",
          "resourceIdentifiers": { "keyVault": "https://vault.local.azurestack.external/", "managedHSM": "N/A", "graph": "x" },
          "tokenAudience": null
        }
        """;

    [Fact]
    public void Resolve_AzureStack_ReadsFileCaseInsensitively()
    {
        using var files = new TestFiles();
        string path = files.Write("stack.json", StackFile);
        AzureCloud cloud = AzureClouds.Resolve("azurestackcloud", managedHsm: false,
            name => name == "AZURE_ENVIRONMENT_FILEPATH" ? path : null);
        Assert.Equal(new AzureCloud("MyStack", new Uri("https://adfs.local.azurestack.external/adfs/"),
            "vault.local.azurestack.external", "https://vault.local.azurestack.external", IsManagedHsm: false, IsAzureStack: true), cloud);
        Assert.Equal(new Uri("https://kv1.vault.local.azurestack.external/"), cloud.GetVaultUri("kv1"));
    }

    [Fact]
    public void Resolve_AzureStackManagedHsmNotAvailable_Error()
    {
        using var files = new TestFiles();
        string path = files.Write("stack.json", StackFile);
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: true, _ => path));
        Assert.Equal("Managed HSM (--managed-hsm) DNS suffix is not available in cloud MyStack", ex.Message);
    }

    [Fact]
    public void Resolve_AzureStackResourceNotAvailable_Error()
    {
        using var files = new TestFiles();
        string path = files.Write("stack.json", """
            {"activeDirectoryEndpoint": "https://login.example/", "keyVaultDNSSuffix": "vault.example", "resourceIdentifiers": {"keyVault": "N/A"}}
            """);
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: false, _ => path));
        Assert.Equal("Key Vault resource identifier is not available in cloud AzureStackCloud", ex.Message);
    }

    [Fact]
    public void Resolve_AzureStackSuffixMissing_Error()
    {
        using var files = new TestFiles();
        string path = files.Write("stack.json", """{"activeDirectoryEndpoint": "https://login.example/"}""");
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: false, _ => path));
        Assert.Equal("Key Vault DNS suffix is not available in cloud AzureStackCloud", ex.Message);
    }

    [Fact]
    public void Resolve_AzureStackVariableUnset_Error()
    {
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: false, s_noEnvironment));
        Assert.Contains("AZURE_ENVIRONMENT_FILEPATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AzureStackFileMissing_Error()
    {
        using var files = new TestFiles();
        string path = Path.Combine(files.Directory, "missing.json");
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: false, _ => path));
        Assert.Equal($"{path} (AZURE_ENVIRONMENT_FILEPATH): cannot read the Azure Stack environment file: it does not exist", ex.Message);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"name\": ", "not valid JSON")]
    [InlineData("{\"name\": 1}", "\"name\" must be a string")]
    [InlineData("{\"resourceIdentifiers\": \"x\"}", "\"resourceIdentifiers\" must be an object")]
    [InlineData("{\"resourceIdentifiers\": {\"keyVault\": 5}}", "\"resourceIdentifiers.keyVault\" must be a string")]
    [InlineData("{\"keyVaultDNSSuffix\": \"v\"}", "\"activeDirectoryEndpoint\" must be an absolute https URL")]
    [InlineData("{\"activeDirectoryEndpoint\": \"http://login.example/\"}", "\"activeDirectoryEndpoint\" must be an absolute https URL")]
    [InlineData("{\"activeDirectoryEndpoint\": \"login.example\"}", "\"activeDirectoryEndpoint\" must be an absolute https URL")]
    public void Resolve_AzureStackBadFile_ErrorNamesFile(string content, string expected)
    {
        using var files = new TestFiles();
        string path = files.Write("stack.json", content);
        var ex = Assert.Throws<ConfigurationException>(() => AzureClouds.Resolve("AzureStackCloud", managedHsm: false, _ => path));
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AzureStackDuplicateKeys_LastWins()
    {
        // Go's encoding/json: the last of duplicate keys wins.
        using var files = new TestFiles();
        string path = files.Write("stack.json", """
            {"activeDirectoryEndpoint": "https://a.example/", "activeDirectoryEndpoint": "https://b.example/",
             "keyVaultDNSSuffix": "vault.example", "resourceIdentifiers": {"keyVault": "https://vault.example"}}
            """);
        Assert.Equal(new Uri("https://b.example/"), AzureClouds.Resolve("AzureStackCloud", false, _ => path).ActiveDirectoryEndpoint);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("my-vault-01")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWX")]
    [InlineData("-a-")] // the Go plugin's check does not enforce a leading letter
    [InlineData("a--b")]
    public void IsValidVaultName_GoRule_Accepted(string name)
    {
        Assert.True(AzureCloud.IsValidVaultName(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXY")]
    [InlineData("my_vault")]
    [InlineData("my.vault")]
    [InlineData("my vault")]
    [InlineData("vault/x")]
    [InlineData("vaulté")]
    public void IsValidVaultName_Invalid_Rejected(string name)
    {
        Assert.False(AzureCloud.IsValidVaultName(name));
    }

    [Fact]
    public void GetVaultUri_InvalidName_ErrorNamesFlag()
    {
        AzureCloud cloud = AzureClouds.Resolve(null, false, s_noEnvironment);
        var ex = Assert.Throws<ConfigurationException>(() => cloud.GetVaultUri("a.b"));
        Assert.Equal("--keyvault-name \"a.b\" is not a valid vault name: it must be 3 to 24 letters, digits or hyphens", ex.Message);
    }

    [Fact]
    public void GetVaultUri_KeepsCase_AsTheKeyIdHashNeeds()
    {
        AzureCloud cloud = AzureClouds.Resolve(null, false, s_noEnvironment);
        Uri uri = cloud.GetVaultUri("MyVault");
        Assert.Equal("https://MyVault.vault.azure.net/", uri.OriginalString);
    }
}
