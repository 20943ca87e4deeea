using System.Text;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// A string builder with an indentation level; output always uses '\n' line ends. After
    /// <see cref="Unreachable"/>, lines are dropped until the block they are in closes, so no statement is
    /// written where C# would warn that it cannot be reached (CS0162).
    /// </summary>
    public sealed class SourceWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _indent;
        /// <summary>The indentation of the block whose end cannot be reached, or -1.</summary>
        private int _deadFrom = -1;

        public SourceWriter Line(string line = "")
        {
            if (_deadFrom >= 0) return this;
            if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        /// <summary>Writes the characters of <paramref name="text"/> from <paramref name="start"/> on as a line, without making a string of them.</summary>
        internal SourceWriter Line(CharBuffer text, int start)
        {
            if (_deadFrom >= 0) return this;
            int count = text.Length - start;
            if (count > 0) _text.Append(' ', _indent * 4).Append(text.Chars, start, count);
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
            if (_deadFrom > _indent)
            {
                // The closing brace of the block whose end cannot be reached: written, and what follows is reachable again.
                _deadFrom = -1;
            }
            return Line("}");
        }

        /// <summary>The statement just written never completes (an endless loop): the rest of its block is not written.</summary>
        public void Unreachable()
        {
            if (_deadFrom < 0) _deadFrom = _indent;
        }

        /// <summary>An empty writer at this one's indentation, for text written out of order and added later (<see cref="Append"/>).</summary>
        public SourceWriter Part() => new SourceWriter { _indent = _indent };

        /// <summary>Adds the text of <paramref name="part"/> (made by <see cref="Part"/>), copied in blocks, never as one large string.</summary>
        public SourceWriter Append(SourceWriter part)
        {
            if (_deadFrom >= 0) return this;
            var block = new char[4096];
            for (int start = 0; start < part._text.Length; start += block.Length)
            {
                int count = System.Math.Min(block.Length, part._text.Length - start);
                part._text.CopyTo(start, block, 0, count);
                _text.Append(block, 0, count);
            }
            return this;
        }

        public override string ToString() => _text.ToString();
    }

    /// <summary>
    /// Characters appended one piece at a time, in one array (a <see cref="StringBuilder"/> splits itself into chunks on
    /// an insert and allocates again when cut back): where <c>BodyEmitter</c> writes an expression, each level appending to
    /// what the levels around it wrote, and a parenthesis put in front of a part already written.
    /// </summary>
    internal sealed class CharBuffer
    {
        private char[] _chars = new char[256];

        /// <summary>The number of characters written; set lower to drop the last ones.</summary>
        public int Length { get; set; }

        public char this[int index] => _chars[index];

        /// <summary>The array the characters are in (the first <see cref="Length"/>).</summary>
        public char[] Chars => _chars;

        public CharBuffer Append(string text)
        {
            Room(text.Length);
            text.CopyTo(0, _chars, Length, text.Length);
            Length += text.Length;
            return this;
        }

        public CharBuffer Append(char c)
        {
            Room(1);
            _chars[Length++] = c;
            return this;
        }

        /// <summary>Puts <paramref name="c"/> before the character at <paramref name="index"/>.</summary>
        public void Insert(int index, char c)
        {
            Room(1);
            System.Array.Copy(_chars, index, _chars, index + 1, Length - index);
            _chars[index] = c;
            Length++;
        }

        public string ToString(int start, int count) => new string(_chars, start, count);

        private void Room(int count)
        {
            if (Length + count <= _chars.Length) return;
            var larger = new char[System.Math.Max(Length + count, 2 * _chars.Length)];
            System.Array.Copy(_chars, larger, Length);
            _chars = larger;
        }
    }
}
