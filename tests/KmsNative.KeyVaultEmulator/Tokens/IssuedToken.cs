namespace KmsNative.KeyVaultEmulator.Tokens;

internal readonly record struct IssuedToken(string AccessToken, DateTimeOffset NotBefore, DateTimeOffset ExpiresOn);
