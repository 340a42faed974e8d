namespace KmsNative.Protocol.Server;

/// <summary>
/// The --listen-addr value. As Azure/kubernetes-kms (utils.ParseEndpoint): a case-insensitive "unix://" prefix,
/// and the path is everything after "://". Beyond it, a path whose name starts with '@' ("unix:///@kms" or
/// "unix://@kms") is a Linux abstract socket, as kube-apiserver's own endpoint parsing allows.
/// </summary>
internal readonly record struct ListenAddress(string Path, bool IsAbstract)
{
    /// <summary>What to hand to <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>: abstract names start with NUL.</summary>
    public string EndPointPath => IsAbstract ? "\0" + Path : Path;

    public override string ToString() => IsAbstract ? "@" + Path : Path;

    public static bool TryParse(string? value, out ListenAddress address, out string error)
    {
        address = default;
        const string Scheme = "unix://";
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"invalid --listen-addr '{value}': it must start with unix:// (for example unix:///opt/azurekms.socket)";
            return false;
        }

        string path = value[Scheme.Length..];
        if (path.Length == 0)
        {
            error = $"invalid --listen-addr '{value}': the socket path is empty";
            return false;
        }

        if (path.StartsWith("/@", StringComparison.Ordinal) || path.StartsWith('@'))
        {
            string name = path[(path.IndexOf('@', StringComparison.Ordinal) + 1)..];
            if (name.Length == 0)
            {
                error = $"invalid --listen-addr '{value}': the abstract socket name after '@' is empty";
                return false;
            }

            address = new ListenAddress(name, IsAbstract: true);
            error = "";
            return true;
        }

        // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
        {
            error = $"invalid --listen-addr '{value}': the socket path is longer than the 107 bytes a unix socket address holds";
            return false;
        }

        address = new ListenAddress(path, IsAbstract: false);
        error = "";
        return true;
    }
}
