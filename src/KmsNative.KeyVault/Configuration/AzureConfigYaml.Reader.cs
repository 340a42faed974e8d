using System.Globalization;
using System.Text;

namespace KmsNative.KeyVault.Configuration;

internal static partial class AzureConfigYaml
{
    /// <summary>A cursor over the text: lines, indentation, comments, and the block and flow mappings.</summary>
    private sealed partial class Reader(string text, string path)
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
    }
}
