namespace KmsNative.Protocol.Hpack;

/// <summary>RFC 7541 Appendix A: the 61 predefined header fields, indexed from 1.</summary>
internal static class StaticTable
{
    /// <summary>The number of entries; dynamic table indices start at <c>Count + 1</c> (RFC 7541 §2.3.3).</summary>
    public const int Count = 61;

    // Indices the server writes on responses (RFC 7541 Appendix A).
    public const int Status200 = 8;
    public const int ContentType = 31;

    // Element i holds index i + 1. Values are empty where Appendix A lists none.
    private static readonly (byte[] Name, byte[] Value)[] s_entries =
    [
        (":authority"u8.ToArray(), []),                             // 1
        (":method"u8.ToArray(), "GET"u8.ToArray()),                 // 2
        (":method"u8.ToArray(), "POST"u8.ToArray()),                // 3
        (":path"u8.ToArray(), "/"u8.ToArray()),                     // 4
        (":path"u8.ToArray(), "/index.html"u8.ToArray()),           // 5
        (":scheme"u8.ToArray(), "http"u8.ToArray()),                // 6
        (":scheme"u8.ToArray(), "https"u8.ToArray()),               // 7
        (":status"u8.ToArray(), "200"u8.ToArray()),                 // 8
        (":status"u8.ToArray(), "204"u8.ToArray()),                 // 9
        (":status"u8.ToArray(), "206"u8.ToArray()),                 // 10
        (":status"u8.ToArray(), "304"u8.ToArray()),                 // 11
        (":status"u8.ToArray(), "400"u8.ToArray()),                 // 12
        (":status"u8.ToArray(), "404"u8.ToArray()),                 // 13
        (":status"u8.ToArray(), "500"u8.ToArray()),                 // 14
        ("accept-charset"u8.ToArray(), []),                         // 15
        ("accept-encoding"u8.ToArray(), "gzip, deflate"u8.ToArray()), // 16
        ("accept-language"u8.ToArray(), []),                        // 17
        ("accept-ranges"u8.ToArray(), []),                          // 18
        ("accept"u8.ToArray(), []),                                 // 19
        ("access-control-allow-origin"u8.ToArray(), []),            // 20
        ("age"u8.ToArray(), []),                                    // 21
        ("allow"u8.ToArray(), []),                                  // 22
        ("authorization"u8.ToArray(), []),                          // 23
        ("cache-control"u8.ToArray(), []),                          // 24
        ("content-disposition"u8.ToArray(), []),                    // 25
        ("content-encoding"u8.ToArray(), []),                       // 26
        ("content-language"u8.ToArray(), []),                       // 27
        ("content-length"u8.ToArray(), []),                         // 28
        ("content-location"u8.ToArray(), []),                       // 29
        ("content-range"u8.ToArray(), []),                          // 30
        ("content-type"u8.ToArray(), []),                           // 31
        ("cookie"u8.ToArray(), []),                                 // 32
        ("date"u8.ToArray(), []),                                   // 33
        ("etag"u8.ToArray(), []),                                   // 34
        ("expect"u8.ToArray(), []),                                 // 35
        ("expires"u8.ToArray(), []),                                // 36
        ("from"u8.ToArray(), []),                                   // 37
        ("host"u8.ToArray(), []),                                   // 38
        ("if-match"u8.ToArray(), []),                               // 39
        ("if-modified-since"u8.ToArray(), []),                      // 40
        ("if-none-match"u8.ToArray(), []),                          // 41
        ("if-range"u8.ToArray(), []),                               // 42
        ("if-unmodified-since"u8.ToArray(), []),                    // 43
        ("last-modified"u8.ToArray(), []),                          // 44
        ("link"u8.ToArray(), []),                                   // 45
        ("location"u8.ToArray(), []),                               // 46
        ("max-forwards"u8.ToArray(), []),                           // 47
        ("proxy-authenticate"u8.ToArray(), []),                     // 48
        ("proxy-authorization"u8.ToArray(), []),                    // 49
        ("range"u8.ToArray(), []),                                  // 50
        ("referer"u8.ToArray(), []),                                // 51
        ("refresh"u8.ToArray(), []),                                // 52
        ("retry-after"u8.ToArray(), []),                            // 53
        ("server"u8.ToArray(), []),                                 // 54
        ("set-cookie"u8.ToArray(), []),                             // 55
        ("strict-transport-security"u8.ToArray(), []),              // 56
        ("transfer-encoding"u8.ToArray(), []),                      // 57
        ("user-agent"u8.ToArray(), []),                             // 58
        ("vary"u8.ToArray(), []),                                   // 59
        ("via"u8.ToArray(), []),                                    // 60
        ("www-authenticate"u8.ToArray(), []),                       // 61
    ];

    /// <param name="index">1 to <see cref="Count"/>; the caller validates it.</param>
    public static ReadOnlySpan<byte> GetName(int index) => s_entries[index - 1].Name;

    /// <param name="index">1 to <see cref="Count"/>; the caller validates it.</param>
    public static ReadOnlySpan<byte> GetValue(int index) => s_entries[index - 1].Value;
}
