using System.Globalization;

namespace KmsNative.Cli;

/// <summary>
/// Command-line parsing with the semantics of Go's standard flag package, which Azure/kubernetes-kms uses, so
/// existing manifests keep working: "-x" and "--x" alike, "-x=v" or "-x v" for values, booleans only as "-b" or
/// "-b=false", integers in any Go base, the last repetition wins, parsing stops at the first non-flag or "--".
/// Pure: returns values or an error message; the caller prints and exits.
/// </summary>
internal sealed class GoFlagSet
{
    private readonly Dictionary<string, Flag> _flags = new(StringComparer.Ordinal);

    public enum Kind
    {
        String,
        Bool,
        Int,
        Uint,
        Duration,
    }

    public sealed class Flag(string name, Kind kind, string defaultValue, string usage)
    {
        public string Name { get; } = name;
        public Kind Kind { get; } = kind;
        public string DefaultValue { get; } = defaultValue;
        public string Usage { get; } = usage;
    }

    public IEnumerable<Flag> Flags => _flags.Values.OrderBy(f => f.Name, StringComparer.Ordinal);

    public void Define(string name, Kind kind, string defaultValue, string usage) =>
        _flags.Add(name, new Flag(name, kind, defaultValue, usage));

    /// <summary>
    /// Parses <paramref name="args"/>. On success, <paramref name="values"/> holds each flag set on the command line
    /// (normalized: bools as "true"/"false", numbers in decimal, durations as ticks) and the positional rest.
    /// </summary>
    public ParseOutcome Parse(IReadOnlyList<string> args, out Dictionary<string, string> values, out IReadOnlyList<string> positional, out string error)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        positional = [];
        error = "";
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.Length < 2 || arg[0] != '-')
            {
                positional = args.Skip(i).ToArray();
                return ParseOutcome.Ok;
            }

            int dashes = arg[1] == '-' ? 2 : 1;
            if (dashes == 2 && arg.Length == 2)
            {
                positional = args.Skip(i + 1).ToArray(); // "--" ends the flags
                return ParseOutcome.Ok;
            }

            string body = arg[dashes..];
            if (body.Length == 0 || body[0] == '-' || body[0] == '=')
            {
                error = $"bad flag syntax: {arg}";
                return ParseOutcome.Error;
            }

            int equals = body.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? body : body[..equals];
            string? value = equals < 0 ? null : body[(equals + 1)..];
            if (name is "h" or "help" && !_flags.ContainsKey(name))
            {
                return ParseOutcome.Help;
            }

            if (!_flags.TryGetValue(name, out Flag? flag))
            {
                error = $"flag provided but not defined: -{name}";
                return ParseOutcome.Error;
            }

            if (flag.Kind == Kind.Bool)
            {
                // Go: a bool takes its value only after '='; "-b false" sets true and "false" is positional.
                if (!TryParseBool(value ?? "true", out bool parsed))
                {
                    error = $"invalid boolean value \"{value}\" for -{name}: parse error";
                    return ParseOutcome.Error;
                }

                values[name] = parsed ? "true" : "false";
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"flag needs an argument: -{name}";
                    return ParseOutcome.Error;
                }

                value = args[++i];
            }

            if (!TryNormalize(flag.Kind, value, out string normalized, out string problem))
            {
                error = $"invalid value \"{value}\" for flag -{name}: {problem}";
                return ParseOutcome.Error;
            }

            values[name] = normalized;
        }

        return ParseOutcome.Ok;
    }

    public enum ParseOutcome
    {
        Ok,
        Help,
        Error,
    }

    internal static bool TryParseBool(string value, out bool result)
    {
        // strconv.ParseBool
        switch (value)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                result = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    private static bool TryNormalize(Kind kind, string value, out string normalized, out string problem)
    {
        normalized = value;
        problem = "";
        switch (kind)
        {
            case Kind.String:
                return true;
            case Kind.Int or Kind.Uint:
                if (!GoNumber.TryParseInteger(value, out long number) || (kind == Kind.Uint && number < 0))
                {
                    problem = "parse error";
                    return false;
                }

                normalized = number.ToString(CultureInfo.InvariantCulture);
                return true;
            case Kind.Duration:
                if (!GoDuration.TryParse(value, out TimeSpan duration))
                {
                    problem = "parse error";
                    return false;
                }

                normalized = duration.Ticks.ToString(CultureInfo.InvariantCulture);
                return true;
            default:
                problem = "unsupported";
                return false;
        }
    }
}
