using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// Chooses the credential from azure.json in the Go plugin's order (contract 1.b.2), then workload identity, which
/// the Go plugin lacks:
/// <list type="number">
/// <item>managed identity, user-assigned: <c>useManagedIdentityExtension</c> and <c>userAssignedIdentityID</c>;</item>
/// <item>managed identity, system-assigned: <c>useManagedIdentityExtension</c>;</item>
/// <item>client secret: <c>aadClientSecret</c> and <c>aadClientId</c> (with <c>tenantId</c>);</item>
/// <item>client certificate: <c>aadClientCertPath</c> and <c>aadClientCertPassword</c>, or a PEM file without password;</item>
/// <item>workload identity: <c>useFederatedWorkloadIdentityExtension</c>, <c>aadFederatedTokenFile</c> or
/// <c>AZURE_FEDERATED_TOKEN_FILE</c>, with each of token file, client id and tenant taken from azure.json first and
/// then from <c>AZURE_FEDERATED_TOKEN_FILE</c>, <c>AZURE_CLIENT_ID</c>, <c>AZURE_TENANT_ID</c>.</item>
/// </list>
/// With <see cref="ProxySettings"/>, modes 3–5 use <see cref="ProxyTokenCredential"/>; managed identity is never proxied.
/// </summary>
internal static class CredentialFactory
{
    public const string FederatedTokenFileVariable = "AZURE_FEDERATED_TOKEN_FILE";
    public const string ClientIdVariable = "AZURE_CLIENT_ID";
    public const string TenantIdVariable = "AZURE_TENANT_ID";
    private const string ForceRegionVariable = "MSAL_FORCE_REGION";
    private const string DisableRegionVariable = "MSAL_DISABLE_REGION";

    /// <summary>Builds the credential; <paramref name="description"/> is a log-safe summary of the mode chosen.</summary>
    /// <exception cref="ConfigurationException">No mode applies, or the chosen mode's settings are incomplete or unusable.</exception>
    public static TokenCredential Create(AzureConfig config, AzureCloud cloud, ProxySettings? proxy,
        Func<string, string?> env, out string description) =>
        Create(config, cloud, proxy, env, transport: null, proxyHandler: null, out description);

    /// <summary>
    /// As the public overload, with the HTTP transport for Azure.Identity credentials and the handler for
    /// <see cref="ProxyTokenCredential"/> given (tests); null uses the default, which honours <c>HTTPS_PROXY</c>/<c>NO_PROXY</c>.
    /// </summary>
    public static TokenCredential Create(AzureConfig config, AzureCloud cloud, ProxySettings? proxy,
        Func<string, string?> env, HttpPipelineTransport? transport, HttpMessageHandler? proxyHandler, out string description)
    {
        string regionNote = UseGlobalTokenEndpoint(env);
        TokenCredential credential = CreateForMode(config, cloud, proxy, env, transport, proxyHandler, out description);
        description += regionNote;
        return credential;
    }

    /// <summary>
    /// Keeps MSAL on the tenant's global token endpoint, as the Go plugin is, whatever <c>MSAL_FORCE_REGION</c> says:
    /// the published binary has MSAL's region discovery and validation cut (ILLink.Substitutions.xml, 440 KB with the
    /// regex engine they kept), so it must never be asked for. <c>MSAL_DISABLE_REGION</c> is MSAL's own switch, read
    /// when a credential builds its MSAL application, which is after this.
    /// </summary>
    private static string UseGlobalTokenEndpoint(Func<string, string?> env)
    {
        Environment.SetEnvironmentVariable(DisableRegionVariable, "1");
        return string.IsNullOrEmpty(env(ForceRegionVariable))
            ? ""
            : $"; {ForceRegionVariable} ignored: tokens come from the global endpoint, as with the Go plugin";
    }

    private static TokenCredential CreateForMode(AzureConfig config, AzureCloud cloud, ProxySettings? proxy,
        Func<string, string?> env, HttpPipelineTransport? transport, HttpMessageHandler? proxyHandler, out string description)
    {
        string source = config.SourcePath;
        string proxied = proxy is null ? "" : $", through proxy {proxy.BaseUri}";

        // 1 and 2: the Go plugin ignores every other field once useManagedIdentityExtension is true.
        if (config.UseManagedIdentityExtension)
        {
            string notProxied = proxy is null ? "" : "; not through the proxy: managed identity always calls IMDS, as the Go plugin does";
            ManagedIdentityId id;
            if (config.UserAssignedIdentityId.Length > 0)
            {
                id = ManagedIdentityId.FromUserAssignedClientId(config.UserAssignedIdentityId);
                description = $"managed identity (user-assigned, client id {LogRedaction.Redact(config.UserAssignedIdentityId)}){notProxied}";
            }
            else
            {
                id = ManagedIdentityId.SystemAssigned;
                description = $"managed identity (system-assigned){notProxied}";
            }

            var options = new ManagedIdentityCredentialOptions(id);
            Apply(options, transport);
            return new ManagedIdentityCredential(options);
        }

        // 3: client secret.
        if (config.ClientSecret.Length > 0 && config.ClientId.Length > 0)
        {
            RequireTenant(config, "client secret");
            description = $"service principal with client secret (tenant {config.TenantId}, client id {LogRedaction.Redact(config.ClientId)}{proxied})";
            if (proxy is not null)
            {
                return ProxyTokenCredential.WithSecret(proxy, config.TenantId, config.ClientId, config.ClientSecret, proxyHandler);
            }

            var options = new ClientSecretCredentialOptions();
            Apply(options, cloud, transport);
            return new ClientSecretCredential(config.TenantId, config.ClientId, config.ClientSecret, options);
        }

        // 4: client certificate. The Go plugin needs the password (PFX only); a PEM file may have none.
        if (config.ClientCertPath.Length > 0 &&
            (config.ClientCertPassword.Length > 0 || ClientCertificateLoader.IsPemFile(config.ClientCertPath)))
        {
            if (config.ClientId.Length == 0)
            {
                throw new ConfigurationException(
                    $"{source}: \"aadClientCertPath\" is set, but \"aadClientId\" is empty (note the spelling: \"aadClientId\", not \"aadClientID\")");
            }

            RequireTenant(config, "client certificate");
            X509Certificate2 certificate = ClientCertificateLoader.Load(config);
            description = string.Create(CultureInfo.InvariantCulture,
                $"service principal with client certificate (tenant {config.TenantId}, client id {LogRedaction.Redact(config.ClientId)}, certificate {certificate.Thumbprint} expiring {certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}{proxied})");
            if (proxy is not null)
            {
                return ProxyTokenCredential.WithCertificate(proxy, config.TenantId, config.ClientId, certificate, proxyHandler);
            }

            // SendCertificateChain puts x5c in the assertion header, as adal does, for subject-name/issuer registrations.
            var options = new ClientCertificateCredentialOptions { SendCertificateChain = true };
            Apply(options, cloud, transport);
            return new ClientCertificateCredential(config.TenantId, config.ClientId, certificate, options);
        }

        // 5: workload identity.
        string envTokenFile = env(FederatedTokenFileVariable) ?? "";
        if (config.UseFederatedWorkloadIdentityExtension || config.AadFederatedTokenFile.Length > 0 || envTokenFile.Length > 0)
        {
            string tokenFile = First(config.AadFederatedTokenFile, envTokenFile);
            string clientId = First(config.ClientId, env(ClientIdVariable));
            string tenantId = First(config.TenantId, env(TenantIdVariable));
            if (tokenFile.Length == 0)
            {
                throw new ConfigurationException(
                    $"{source}: workload identity (\"useFederatedWorkloadIdentityExtension\") needs a token file: set \"aadFederatedTokenFile\" or {FederatedTokenFileVariable}");
            }

            if (clientId.Length == 0)
            {
                throw new ConfigurationException(
                    $"{source}: workload identity needs a client id: set \"aadClientId\" or {ClientIdVariable}");
            }

            if (tenantId.Length == 0)
            {
                throw new ConfigurationException(
                    $"{source}: workload identity needs a tenant: set \"tenantId\" or {TenantIdVariable}");
            }

            if (!File.Exists(tokenFile))
            {
                string field = config.AadFederatedTokenFile.Length > 0 ? "\"aadFederatedTokenFile\"" : FederatedTokenFileVariable;
                throw new ConfigurationException($"{source}: workload identity token file {field} is \"{tokenFile}\", which does not exist");
            }

            description = $"workload identity (tenant {tenantId}, client id {LogRedaction.Redact(clientId)}, token file {tokenFile}{proxied})";
            if (proxy is not null)
            {
                return ProxyTokenCredential.WithFederatedTokenFile(proxy, tenantId, clientId, tokenFile, proxyHandler);
            }

            var options = new WorkloadIdentityCredentialOptions { TenantId = tenantId, ClientId = clientId, TokenFilePath = tokenFile };
            Apply(options, cloud, transport);
            return new WorkloadIdentityCredential(options);
        }

        throw new ConfigurationException(NoCredentialsMessage(config));
    }

    private static string NoCredentialsMessage(AzureConfig config)
    {
        string hint = "";
        if (config.ClientSecret.Length > 0 && config.ClientId.Length == 0)
        {
            hint = " \"aadClientSecret\" is set but \"aadClientId\" is empty (the key is \"aadClientId\", not \"aadClientID\").";
        }
        else if (config.ClientCertPath.Length > 0)
        {
            hint = " \"aadClientCertPath\" is set but \"aadClientCertPassword\" is empty, and the file is not a readable PEM file; a PFX needs its password.";
        }
        else if (config.ClientId.Length > 0)
        {
            hint = " \"aadClientId\" is set, but with neither \"aadClientSecret\" nor \"aadClientCertPath\".";
        }

        return $"{config.SourcePath}: no credentials provided for accessing keyvault.{hint} Set one of: " +
            "\"useManagedIdentityExtension\": true (with \"userAssignedIdentityID\" for a user-assigned identity); " +
            "\"aadClientId\", \"aadClientSecret\" and \"tenantId\"; " +
            "\"aadClientId\", \"aadClientCertPath\", \"aadClientCertPassword\" (a PEM file needs no password) and \"tenantId\"; " +
            "workload identity: \"useFederatedWorkloadIdentityExtension\": true or \"aadFederatedTokenFile\", or the environment " +
            $"{FederatedTokenFileVariable}, {ClientIdVariable} and {TenantIdVariable}";
    }

    private static void RequireTenant(AzureConfig config, string mode)
    {
        // The Go plugin would request {AAD}//oauth2/token and fail at the first call; fail at start instead.
        if (config.TenantId.Length == 0)
        {
            throw new ConfigurationException($"{config.SourcePath}: the {mode} credential needs \"tenantId\", which is empty");
        }
    }

    private static string First(string fromFile, string? fromEnvironment) =>
        fromFile.Length > 0 ? fromFile : fromEnvironment ?? "";

    private static void Apply(TokenCredentialOptions options, HttpPipelineTransport? transport)
    {
        if (transport is not null)
        {
            options.Transport = transport;
        }
    }

    private static void Apply(TokenCredentialOptions options, AzureCloud cloud, HttpPipelineTransport? transport)
    {
        options.AuthorityHost = cloud.ActiveDirectoryEndpoint;
        Apply(options, transport);
        // MSAL validates unknown authorities through instance discovery, which an Azure Stack AAD or ADFS does not serve.
        if (cloud.IsAzureStack)
        {
            switch (options)
            {
                case ClientSecretCredentialOptions secret:
                    secret.DisableInstanceDiscovery = true;
                    break;
                case ClientCertificateCredentialOptions certificate:
                    certificate.DisableInstanceDiscovery = true;
                    break;
                case WorkloadIdentityCredentialOptions workload:
                    workload.DisableInstanceDiscovery = true;
                    break;
            }
        }
    }
}
