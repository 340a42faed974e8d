using System.Globalization;
using System.Text;

namespace KmsNative.KeyVault.Configuration;

internal static partial class AzureConfigYaml
{
    /// <summary>Keys and scalars: plain, single- and double-quoted, with yaml.v3's escapes.</summary>
    private sealed partial class Reader
    {
        private string ReadKey(bool flow)
        {
            if (Peek is '"' or '\'')
            {
                return ReadQuoted();
            }

            Value key = ReadScalar(flow, key: true);
            if (key.Text!.Length == 0)
            {
                throw Error("a key is empty");
            }

            return key.Text;
        }

        public Value ReadScalar(bool flow, bool key = false)
        {
            int line = _line;
            if (Peek is '"' or '\'')
            {
                return new Value(ReadQuoted(), false, null, line);
            }

            if (Peek is '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`')
            {
                throw Error(Peek switch
                {
                    '&' or '*' => "anchors and aliases are not supported in azure.json",
                    '!' => "tags are not supported in azure.json",
                    '|' or '>' => "block scalars are not supported in azure.json",
                    _ => $"a value cannot start with '{Peek}'",
                });
            }

            int start = _position;
            while (!AtEnd && Peek is not ('\n' or '\r'))
            {
                char c = Peek;
                if (c == ':' && (key || flow) && (_position + 1 >= text.Length || text[_position + 1] is ' ' or '\t' or '\r' or '\n' or ',' or '}'))
                {
                    break;
                }

                if (c == '#' && _position > start && text[_position - 1] is ' ' or '\t')
                {
                    break;
                }

                if (flow && c is ',' or '}' or ']' or '{' or '[')
                {
                    break;
                }

                if (!flow && !key && c == ':' && (_position + 1 >= text.Length || text[_position + 1] is ' ' or '\t'))
                {
                    throw Error("a value contains ': ' (quote the value)");
                }

                _position++;
            }

            return new Value(text[start.._position].TrimEnd(' ', '\t'), true, null, line);
        }

        /// <summary>A single- or double-quoted scalar on one or more lines, unescaped.</summary>
        private string ReadQuoted()
        {
            int line = _line;
            char quote = Peek;
            _position++;
            var value = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("a quoted string is never closed", line);
                }

                char c = Peek;
                if (c == quote)
                {
                    if (quote == '\'' && _position + 1 < text.Length && text[_position + 1] == '\'')
                    {
                        value.Append('\'');
                        _position += 2;
                        continue;
                    }

                    _position++;
                    return value.ToString();
                }

                if (c == '\\' && quote == '"')
                {
                    _position++;
                    value.Append(ReadEscape(line));
                    continue;
                }

                if (c is '\n' or '\r')
                {
                    // Line folding: a line break and the next line's indentation become one space.
                    while (value.Length > 0 && value[^1] is ' ' or '\t')
                    {
                        value.Length--;
                    }

                    int breaks = 0;
                    while (Peek is '\n' or '\r' or ' ' or '\t')
                    {
                        if (Peek == '\n')
                        {
                            breaks++;
                        }

                        Advance(1);
                    }

                    value.Append(breaks > 1 ? new string('\n', breaks - 1) : " ");
                    continue;
                }

                value.Append(c);
                _position++;
            }
        }

        private string ReadEscape(int line)
        {
            char e = Peek;
            _position++;
            switch (e)
            {
                case '0': return "\0";
                case 'a': return "\a";
                case 'b': return "\b";
                case 't' or '\t': return "\t";
                case 'n': return "\n";
                case 'v': return "\v";
                case 'f': return "\f";
                case 'r': return "\r";
                case 'e': return "\u001b";
                case ' ': return " ";
                case '"': return "\"";
                case '/': return "/";
                case '\\': return "\\";
                case 'N': return "\u0085";
                case '_': return "\u00a0";
                case 'L': return "\u2028";
                case 'P': return "\u2029";
                case 'x': return Hex(2, line);
                case 'u': return Hex(4, line);
                case 'U': return Hex(8, line);
                default: throw Error("an unknown escape sequence in a double-quoted string", line);
            }
        }

        private string Hex(int digits, int line)
        {
            if (_position + digits > text.Length
                || !int.TryParse(text.AsSpan(_position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
                || code > 0x10FFFF || (code is >= 0xD800 and <= 0xDFFF))
            {
                throw Error("a bad \\x, \\u or \\U escape in a double-quoted string", line);
            }

            _position += digits;
            return char.ConvertFromUtf32(code);
        }
    }
}
