using System.Text;

namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// The fields of azure.json the plugin uses, named as the Go plugin's yaml tags (contract 1.b.1), plus the two
/// workload identity fields it ignores. An absent field is "" or false, as Go's zero values.
/// </summary>
/// <remarks>
/// <see cref="ClientSecret"/> and <see cref="ClientCertPassword"/> are secrets held as strings for the life of the
/// process (they are handed to Azure.Identity, which takes strings). <see cref="ToString"/> never prints them.
/// </remarks>
internal sealed record AzureConfig
{
    /// <summary>The file this configuration was read from; used in error messages.</summary>
    public string SourcePath { get; init; } = "azure.json";

    /// <summary><c>cloud</c>: the cloud environment name; empty means AzurePublicCloud.</summary>
    public string Cloud { get; init; } = "";

    /// <summary><c>tenantId</c>.</summary>
    public string TenantId { get; init; } = "";

    /// <summary><c>aadClientId</c> (exactly; <c>aadClientID</c> is ignored, as by the Go plugin).</summary>
    public string ClientId { get; init; } = "";

    /// <summary><c>aadClientSecret</c>. Secret.</summary>
    public string ClientSecret { get; init; } = "";

    /// <summary><c>useManagedIdentityExtension</c>.</summary>
    public bool UseManagedIdentityExtension { get; init; }

    /// <summary><c>userAssignedIdentityID</c>: the client id of a user-assigned managed identity.</summary>
    public string UserAssignedIdentityId { get; init; } = "";

    /// <summary><c>aadClientCertPath</c>: a PKCS#12 (PFX) file, or a PEM file holding the certificate and its key.</summary>
    public string ClientCertPath { get; init; } = "";

    /// <summary><c>aadClientCertPassword</c>. Secret.</summary>
    public string ClientCertPassword { get; init; } = "";

    /// <summary><c>aadFederatedTokenFile</c>: the projected service account token for workload identity.</summary>
    public string AadFederatedTokenFile { get; init; } = "";

    /// <summary><c>useFederatedWorkloadIdentityExtension</c>.</summary>
    public bool UseFederatedWorkloadIdentityExtension { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("SourcePath = ").Append(SourcePath)
            .Append(", Cloud = ").Append(Cloud)
            .Append(", TenantId = ").Append(TenantId)
            .Append(", ClientId = ").Append(LogRedaction.Redact(ClientId))
            .Append(", ClientSecret = ").Append(ClientSecret.Length == 0 ? "" : LogRedaction.Hidden)
            .Append(", UseManagedIdentityExtension = ").Append(UseManagedIdentityExtension ? "true" : "false")
            .Append(", UserAssignedIdentityId = ").Append(LogRedaction.Redact(UserAssignedIdentityId))
            .Append(", ClientCertPath = ").Append(ClientCertPath)
            .Append(", ClientCertPassword = ").Append(ClientCertPassword.Length == 0 ? "" : LogRedaction.Hidden)
            .Append(", AadFederatedTokenFile = ").Append(AadFederatedTokenFile)
            .Append(", UseFederatedWorkloadIdentityExtension = ").Append(UseFederatedWorkloadIdentityExtension ? "true" : "false");
        return true;
    }
}
