using System.Globalization;
using System.Text;

namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// The YAML that azure.json may be written in, since the Go plugin reads it with yaml.v3: a top-level block mapping
/// (<c>key: value</c> lines, <c># comments</c>, an optional <c>---</c>) or flow mapping (<c>{key: value, …}</c>, what
/// JSON with single quotes, unquoted words or a trailing comma is), with plain, single- and double-quoted scalars.
/// Values of keys we do not use may be anything nested (skipped by indentation or bracket depth). Anchors, aliases,
/// tags and block scalars (<c>|</c>, <c>&gt;</c>) are rejected: no azure.json needs them.
/// </summary>
/// <remarks>
/// Produces the top-level entries only; <see cref="AzureConfigParser"/> applies yaml.v3's typing rules to them.
/// Errors name the file and the line and never quote the text, which may be a secret.
/// </remarks>
internal static class AzureConfigYaml
{
    /// <summary>A top-level value: a scalar (<see cref="Text"/>, <see cref="Plain"/> when unquoted), or a container.</summary>
    internal readonly record struct Value(string? Text, bool Plain, string? Container, int Line);

    /// <summary>Parses <paramref name="text"/>; null when the document is empty or null.</summary>
    /// <exception cref="ConfigurationException">Not a YAML mapping this parser reads; the message has the line.</exception>
    public static List<(string Key, Value Value)>? Parse(string text, string path)
    {
        var reader = new Reader(text, path);
        reader.SkipBlankLinesAndComments();
        if (reader.AtLineStart("---"))
        {
            reader.Advance(3);
            reader.SkipInlineSpace();
            if (!reader.AtEndOfLine())
            {
                throw reader.Error("content after '---' on the same line");
            }

            reader.SkipBlankLinesAndComments();
        }

        if (reader.AtEnd || reader.AtLineStart("..."))
        {
            return null;
        }

        List<(string, Value)>? entries;
        if (reader.Peek == '{')
        {
            entries = reader.ReadFlowMapping();
        }
        else if (reader.Peek == '[' || reader.AtSequenceEntry())
        {
            throw reader.Error("azure.json must be a mapping of keys to values, not a list");
        }
        else if (!reader.LooksLikeKey())
        {
            Value scalar = reader.ReadScalar(flow: false);
            if (scalar.Plain && scalar.Text is "" or "~" or "null" or "Null" or "NULL")
            {
                entries = null;
            }
            else
            {
                throw reader.Error("azure.json must be a mapping of keys to values, not a single value");
            }
        }
        else
        {
            entries = reader.ReadBlockMapping();
        }

        reader.SkipBlankLinesAndComments();
        if (reader.AtLineStart("---") || reader.AtLineStart("..."))
        {
            // yaml.v3's Unmarshal decodes the first document only.
            return entries;
        }

        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected content after the mapping");
        }

        return entries;
    }

    private sealed class Reader(string text, string path)
    {
        private int _position;
        private int _line = 1;
        private int _lineStart;

        public bool AtEnd => _position >= text.Length;

        public char Peek => _position < text.Length ? text[_position] : '\0';

        private int Column => _position - _lineStart;

        public void Advance(int count)
        {
            for (int i = 0; i < count && _position < text.Length; i++)
            {
                if (text[_position++] == '\n')
                {
                    _line++;
                    _lineStart = _position;
                }
            }
        }

        public ConfigurationException Error(string what) => Error(what, _line);

        public ConfigurationException Error(string what, int line) =>
            new($"{path}: not valid YAML at line {line.ToString(CultureInfo.InvariantCulture)}: {what}");

        public bool AtLineStart(string marker) =>
            Column == 0 && string.CompareOrdinal(text, _position, marker, 0, marker.Length) == 0
            && (_position + marker.Length >= text.Length || text[_position + marker.Length] is ' ' or '\t' or '\r' or '\n');

        /// <summary>"- " (or "-" at the end of a line): a block sequence entry.</summary>
        public bool AtSequenceEntry() =>
            Peek == '-' && (_position + 1 >= text.Length || text[_position + 1] is ' ' or '\t' or '\r' or '\n');

        public void SkipInlineSpace()
        {
            while (Peek is ' ' or '\t')
            {
                _position++;
            }
        }

        public bool AtEndOfLine()
        {
            if (Peek == '#')
            {
                while (!AtEnd && Peek != '\n')
                {
                    _position++;
                }
            }

            return AtEnd || Peek is '\n' or '\r';
        }

        public void SkipBlankLinesAndComments()
        {
            while (!AtEnd)
            {
                int start = _position;
                SkipInlineSpace();
                if (AtEndOfLine())
                {
                    if (Peek == '\r')
                    {
                        _position++;
                    }

                    Advance(1);
                    continue;
                }

                // Not blank: back to the line's indentation.
                _position = start;
                SkipIndentation();
                return;
            }
        }

        private void SkipIndentation()
        {
            while (Peek == ' ')
            {
                _position++;
            }

            if (Peek == '\t' && Column == 0)
            {
                throw Error("a tab character indents a line (YAML allows only spaces)");
            }
        }

        /// <summary>True when the current line is "key: …" (a plain or quoted key followed by ": " or ":" at the end).</summary>
        public bool LooksLikeKey()
        {
            int saved = _position, savedLine = _line, savedStart = _lineStart;
            try
            {
                ReadKey(flow: false);
                return Peek == ':' && (_position + 1 >= text.Length || text[_position + 1] is ' ' or '\t' or '\r' or '\n');
            }
            catch (ConfigurationException)
            {
                return false;
            }
            finally
            {
                _position = saved;
                _line = savedLine;
                _lineStart = savedStart;
            }
        }

        public List<(string, Value)> ReadBlockMapping()
        {
            var entries = new List<(string, Value)>();
            int indent = Column;
            while (!AtEnd)
            {
                if (Column != indent)
                {
                    throw Error(Column > indent ? "unexpected indentation" : "a key is less indented than the first key");
                }

                if (AtLineStart("---") || AtLineStart("..."))
                {
                    return entries;
                }

                int line = _line;
                string key = ReadKey(flow: false);
                SkipInlineSpace();
                if (Peek != ':')
                {
                    throw Error("expected ':' after a key", line);
                }

                _position++;
                SkipInlineSpace();
                Value value;
                if (AtEndOfLine())
                {
                    // Either null, or a nested block on the following, more indented, lines.
                    int afterKey = _position, afterLine = _line, afterStart = _lineStart;
                    SkipBlankLinesAndComments();
                    if (!AtEnd && (Column > indent || (Column == indent && AtSequenceEntry())))
                    {
                        SkipNestedBlock(indent);
                        entries.Add((key, new Value(null, false, "a nested mapping or list", line)));
                        continue;
                    }
                    else
                    {
                        _position = afterKey;
                        _line = afterLine;
                        _lineStart = afterStart;
                        value = new Value("", true, null, line);
                    }
                }
                else if (Peek is '{' or '[')
                {
                    SkipFlowCollection();
                    value = new Value(null, false, "a mapping or list", line);
                }
                else
                {
                    value = ReadScalar(flow: false);
                }

                SkipInlineSpace();
                if (!AtEndOfLine())
                {
                    throw Error("unexpected text after a value", line);
                }

                entries.Add((key, value with { Line = line }));
                SkipBlankLinesAndComments();
            }

            return entries;
        }

        private void SkipNestedBlock(int parentIndent)
        {
            while (!AtEnd && (Column > parentIndent || (Column == parentIndent && AtSequenceEntry())))
            {
                // Skip the line, honouring quotes and flow brackets that may span lines.
                while (!AtEnd && Peek != '\n')
                {
                    if (Peek is '"' or '\'')
                    {
                        ReadQuoted();
                    }
                    else if (Peek is '{' or '[')
                    {
                        SkipFlowCollection();
                    }
                    else
                    {
                        _position++;
                    }
                }

                SkipBlankLinesAndComments();
            }
        }

        public List<(string, Value)> ReadFlowMapping()
        {
            var entries = new List<(string, Value)>();
            int openLine = _line;
            _position++; // '{'
            while (true)
            {
                SkipFlowSpace(openLine);
                if (Peek == '}')
                {
                    _position++;
                    SkipInlineSpace();
                    return entries;
                }

                int line = _line;
                string key = ReadKey(flow: true);
                SkipFlowSpace(openLine);
                if (Peek != ':')
                {
                    throw Error("expected ':' after a key", line);
                }

                _position++;
                SkipFlowSpace(openLine);
                Value value;
                if (Peek is ',' or '}')
                {
                    value = new Value("", true, null, line);
                }
                else if (Peek is '{' or '[')
                {
                    SkipFlowCollection();
                    value = new Value(null, false, "a mapping or list", line);
                }
                else
                {
                    value = ReadScalar(flow: true);
                }

                entries.Add((key, value with { Line = line }));
                SkipFlowSpace(openLine);
                if (Peek == ',')
                {
                    _position++;
                }
                else if (Peek != '}')
                {
                    throw Error("expected ',' or '}' after a value");
                }
            }
        }

        private void SkipFlowSpace(int openLine)
        {
            while (!AtEnd)
            {
                if (Peek is ' ' or '\t' or '\r' or '\n')
                {
                    Advance(1);
                }
                else if (Peek == '#' && (_position == 0 || text[_position - 1] is ' ' or '\t' or '\n'))
                {
                    AtEndOfLine();
                }
                else
                {
                    return;
                }
            }

            throw Error("the '{' here is never closed", openLine);
        }

        private void SkipFlowCollection()
        {
            int openLine = _line;
            int depth = 0;
            while (!AtEnd)
            {
                char c = Peek;
                if (c is '"' or '\'')
                {
                    ReadQuoted();
                    continue;
                }

                Advance(1);
                if (c is '{' or '[')
                {
                    depth++;
                }
                else if (c is '}' or ']' && --depth == 0)
                {
                    return;
                }
            }

            throw Error("a '{' or '[' is never closed", openLine);
        }

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
                // Eight hex digits can exceed int.MaxValue: "\UFFFFFFFF" parses as -1 (found by fuzzing).
                || code is < 0 or > 0x10FFFF || (code is >= 0xD800 and <= 0xDFFF))
            {
                throw Error("a bad \\x, \\u or \\U escape in a double-quoted string", line);
            }

            _position += digits;
            return char.ConvertFromUtf32(code);
        }
    }
}
