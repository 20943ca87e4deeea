using System.Text;

namespace AutoDiff.Generator.Emit
{
    /// <summary>A string builder with an indentation level; output always uses '\n' line ends.</summary>
    public sealed class SourceWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _indent;

        public SourceWriter Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        public SourceWriter Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
            return this;
        }

        public SourceWriter Close()
        {
            _indent--;
            return Line("}");
        }

        public override string ToString() => _text.ToString();
    }
}
