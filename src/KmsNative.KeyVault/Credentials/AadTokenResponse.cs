using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// The parts of an AAD v1 token endpoint response the plugin reads. v1 sends its numbers as strings:
/// <code>
/// 200: {"token_type":"Bearer","expires_in":"3599","expires_on":"1700003599","resource":"https://vault.azure.net","access_token":"eyJ…"}
/// 4xx: {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret …","error_codes":[7000215],…}
/// </code>
/// </summary>
internal static class AadTokenResponse
{
    /// <summary>
    /// Reads <c>access_token</c> and its expiry: <c>expires_on</c> (Unix seconds) if present, else now + <c>expires_in</c>.
    /// Returns false when either is missing or malformed.
    /// </summary>
    public static bool TryParseSuccess(ReadOnlySpan<byte> body, DateTimeOffset now, out string accessToken, out DateTimeOffset expiresOn)
    {
        accessToken = "";
        expiresOn = default;
        string? token = null;
        long? expiresOnSeconds = null, expiresInSeconds = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("access_token"u8))
                {
                    reader.Read();
                    token = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("expires_on"u8))
                {
                    reader.Read();
                    expiresOnSeconds = ReadInteger(ref reader);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("expires_in"u8))
                {
                    reader.Read();
                    expiresInSeconds = ReadInteger(ref reader);
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        if (expiresOnSeconds is long on and > 0 and < 253_402_300_799)
        {
            expiresOn = DateTimeOffset.FromUnixTimeSeconds(on);
        }
        else if (expiresInSeconds is long seconds and > 0 and < 10 * 365 * 86_400)
        {
            expiresOn = now.AddSeconds(seconds);
        }
        else
        {
            return false;
        }

        accessToken = token;
        return true;
    }

    /// <summary>
    /// Reads <c>error</c> and the first of <c>error_codes</c> (the AADSTS number) from an error response, for a message
    /// that is safe to log. <c>error_description</c> is not read: it is free text.
    /// </summary>
    public static string DescribeError(ReadOnlySpan<byte> body)
    {
        string? error = null;
        long? code = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("error"u8))
                    {
                        reader.Read();
                        error = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        reader.Skip();
                    }
                    else if (reader.ValueTextEquals("error_codes"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            reader.Skip();
                            continue;
                        }

                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (code is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long first))
                            {
                                code = first;
                            }

                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page): say nothing about the body.
        }

        var text = new StringBuilder();
        if (error is not null && error.Length <= 64 && error.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            text.Append("AAD error ").Append(error);
        }

        if (code is long aadsts)
        {
            text.Append(text.Length == 0 ? "" : " ").Append("AADSTS").Append(aadsts.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static long? ReadInteger(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long number))
        {
            return number;
        }

        if (reader.TokenType == JsonTokenType.String &&
            long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
        {
            return parsed;
        }

        return null;
    }
}
