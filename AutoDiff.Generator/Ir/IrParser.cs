using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Reads the text <see cref="IrPrinter"/> writes back into the <see cref="IrFunction"/> it printed, so that a stage can be
    /// tested from IR written by hand ("IR in → pass → IR out"), and so that the printed form is known to say everything:
    /// <c>Parse(Print(f))</c> equals <c>f</c>. Types are read from their C# spelling as the frontend makes them
    /// (<see cref="Frontend.TypeRefs"/>): keywords, <c>T[]</c> and <c>global::System.Span&lt;T&gt;</c>/<c>ReadOnlySpan&lt;T&gt;</c>
    /// are scalars and sequences, anything else is <see cref="ValueKind.Other"/>.
    /// A malformed line throws <see cref="FormatException"/> naming the line.
    /// </summary>
    public static class IrParser
    {
        private static readonly Dictionary<string, Op> Ops =
            Enum.GetValues(typeof(Op)).Cast<Op>().Where(op => op != Op.Intrinsic).ToDictionary(op => op.ToString().ToLowerInvariant());

        private static readonly Dictionary<string, Intrinsic> Intrinsics =
            Enum.GetValues(typeof(Intrinsic)).Cast<Intrinsic>().ToDictionary(fn => fn.ToString().ToLowerInvariant());

        public static IrFunction Parse(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n')
                .Select((line, index) => new Line(index + 1, line))
                .Where(line => line.Text.Trim().Length > 0 && !line.Text.TrimStart().StartsWith("//", StringComparison.Ordinal))
                .ToList();
            var parser = new Reader(lines);
            var function = parser.Function();
            if (!parser.AtEnd) throw parser.Error("text after the function's return");
            return function;
        }

        /// <summary>Reads a type from its C# spelling: the <see cref="TypeRef"/> the frontend gives that type.</summary>
        public static TypeRef ParseType(string display)
        {
            switch (display)
            {
                case "double": return TypeRef.Double;
                case "float": return TypeRef.Float;
                case "bool": return TypeRef.Bool;
                case "int":
                case "long":
                case "short":
                case "ushort":
                case "uint":
                case "ulong":
                case "byte":
                case "sbyte":
                    return new TypeRef(ValueKind.Integer, display);
            }
            if (display.EndsWith("[]", StringComparison.Ordinal)) return TypeRef.SequenceOf(ParseType(display.Substring(0, display.Length - 2)), display);
            if (display.EndsWith("[]?", StringComparison.Ordinal)) return TypeRef.SequenceOf(ParseType(display.Substring(0, display.Length - 3)), display);
            foreach (string span in new[] { "global::System.Span<", "global::System.ReadOnlySpan<" })
            {
                if (display.StartsWith(span, StringComparison.Ordinal) && display.EndsWith(">", StringComparison.Ordinal))
                    return TypeRef.SequenceOf(ParseType(display.Substring(span.Length, display.Length - span.Length - 1)), display);
            }
            return new TypeRef(ValueKind.Other, display);
        }

        // ---- Payloads: what an instruction carries besides its operands. One reader per kind. ----

        /// <summary>A constant's value: a number (R format) for a floating or bool type, the exact digits for any other.</summary>
        private static (double Number, string? Text) ConstantPayload(Cursor c, TypeRef type)
        {
            string token = c.Word();
            double number = ParseNumber(c, token);
            return type.IsFloating || type.Kind == ValueKind.Bool ? (number, null) : (number, token);
        }

        /// <summary>An instruction's text (a callee, a buffer kind, a member): a word, or a quoted C# string.</summary>
        private static string? TextPayload(Cursor c)
        {
            if (!c.Peek(" ") || c.Peek(" %") || c.Peek(" #") || c.Peek("  ;")) return null;
            c.Expect(" ");
            return c.Current == '"' ? c.Quoted() : c.Word();
        }

        /// <summary>An instruction's number (an active-parameter mask, a tape id, the effect flag): <c>#n</c>, 0 when absent.</summary>
        private static double NumberPayload(Cursor c)
        {
            if (!c.Peek(" #")) return 0;
            c.Expect(" #");
            return ParseNumber(c, c.Word());
        }

        private static double ParseNumber(Cursor c, string token) =>
            double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw c.Error("not a number: " + token);

        private readonly struct Line
        {
            public Line(int number, string text)
            {
                Number = number;
                Text = text;
            }

            public int Number { get; }

            public string Text { get; }

            public int Indent => Text.Length - Text.TrimStart(' ').Length;

            public string Content => Text.Trim();
        }

        /// <summary>Reads lines: a function, its blocks by indentation, and the regions under an if or a loop.</summary>
        private sealed class Reader
        {
            private readonly List<Line> _lines;
            private int _next;

            public Reader(List<Line> lines) => _lines = lines;

            public bool AtEnd => _next >= _lines.Count;

            public FormatException Error(string message) =>
                new FormatException(AtEnd ? "IR, at the end: " + message : "IR line " + _lines[_next].Number + ": " + message + ": " + _lines[_next].Text.Trim());

            public IrFunction Function()
            {
                if (AtEnd) throw Error("no function");
                var c = Take();
                c.Expect("func ");
                string name = c.Until('(');
                c.Expect("(");
                var parameters = c.Peek(")") ? new List<IrParam>() : c.Params();
                c.Expect(")");
                c.End();
                var body = Block(1);
                if (AtEnd) throw Error("no return");
                var last = Take();
                if (last.Indent != 2) throw last.Error("the return is not at the function's indentation");
                last.Expect("return");
                var results = new List<IrResult>();
                if (last.Peek(" "))
                {
                    last.Expect(" ");
                    while (!last.AtEnd)
                    {
                        if (results.Count > 0) last.Expect(", ");
                        string result = last.Until(' ');
                        last.Expect(" = ");
                        results.Add(new IrResult(result, last.Value()));
                    }
                }
                return new IrFunction(name, parameters.ToEquatableArray(), body.ToEquatableArray(), results.ToEquatableArray());
            }

            private Cursor Take()
            {
                var line = _lines[_next++];
                return new Cursor(line.Number, line.Text, line.Indent);
            }

            /// <summary>The instructions at <paramref name="depth"/> up to a line that ends the block: a yield, the return, a region header or less indentation.</summary>
            private List<Instr> Block(int depth)
            {
                var body = new List<Instr>();
                while (!AtEnd)
                {
                    var line = _lines[_next];
                    if (line.Indent < depth * 2) break;
                    if (line.Indent > depth * 2) throw Error("indented too deeply");
                    string content = line.Content;
                    if (content == "return" || content.StartsWith("return ", StringComparison.Ordinal) || content == "yield" || content.StartsWith("yield ", StringComparison.Ordinal) || IsRegionHeader(content)) break;
                    var instr = Instruction(Take());
                    if (instr.Op == Op.If || instr.Op == Op.While || (!AtEnd && _lines[_next].Indent == depth * 2 && IsRegionHeader(_lines[_next].Content)))
                        instr = instr with { Regions = Regions(instr.Op, depth).ToEquatableArray() };
                    body.Add(instr);
                }
                return body;
            }

            private static bool IsRegionHeader(string content) =>
                content.EndsWith(":", StringComparison.Ordinal) && new[] { "then", "else", "condition", "body" }.Any(name =>
                    content.StartsWith(name, StringComparison.Ordinal) && (content.Length == name.Length + 1 || content[name.Length] == '('));

            private List<Region> Regions(Op op, int depth)
            {
                var regions = new List<Region>();
                while (!AtEnd && _lines[_next].Indent == depth * 2 && IsRegionHeader(_lines[_next].Content))
                {
                    var header = Take();
                    string expected = op == Op.If ? (regions.Count == 0 ? "then" : "else") : (regions.Count == 0 ? "condition" : "body");
                    header.Expect(expected);
                    var parameters = new List<IrParam>();
                    if (header.Peek("("))
                    {
                        header.Expect("(");
                        parameters = header.Params();
                        header.Expect(")");
                    }
                    header.Expect(":");
                    header.End();
                    var body = Block(depth + 1);
                    if (AtEnd || _lines[_next].Indent != depth * 2 + 2) throw Error("a region must end in a yield");
                    var end = Take();
                    end.Expect("yield");
                    var yields = new List<int>();
                    if (end.Peek(" "))
                    {
                        end.Expect(" ");
                        yields = end.AtEnd ? yields : end.Values();
                    }
                    end.End();
                    regions.Add(new Region(parameters.ToEquatableArray(), body.ToEquatableArray(), yields.ToEquatableArray()));
                }
                if ((op == Op.If || op == Op.While) && regions.Count != 2) throw Error("an " + op.ToString().ToLowerInvariant() + " needs two regions");
                return regions;
            }

            /// <summary>
            /// <c>%id = op type payload args  ; name</c>, or for an instruction with results (an if, a loop, a callee's Vjp)
            /// <c>%r name: type, … = op @id payload args</c> (no results: the line starts with the op).
            /// </summary>
            private static Instr Instruction(Cursor c)
            {
                List<IrParam>? results = null;
                if (c.Peek("%") && !c.PeekValueThenEquals())
                {
                    results = c.Params();
                    c.Expect(" = ");
                }
                else if (c.Peek("%"))
                {
                    int id = c.Value();
                    c.Expect(" = ");
                    string op = c.Word();
                    c.Expect(" ");
                    var type = ParseType(c.Type());
                    Op kind;
                    var fn = Intrinsic.None;
                    if (Intrinsics.TryGetValue(op, out fn) && !Ops.ContainsKey(op)) kind = Op.Intrinsic;
                    else if (!Ops.TryGetValue(op, out kind)) throw c.Error("unknown op " + op);
                    double number = 0;
                    string? text = null;
                    if (kind == Op.Const)
                    {
                        c.Expect(" ");
                        (number, text) = ConstantPayload(c, type);
                    }
                    else
                    {
                        text = TextPayload(c);
                        number = NumberPayload(c);
                    }
                    var args = Args(c);
                    return new Instr(id, kind, type, args.ToEquatableArray(), Name(c), number, text, fn);
                }
                string structured = c.Word();
                if (!Ops.TryGetValue(structured, out var structuredOp)) throw c.Error("unknown op " + structured);
                c.Expect(" @");
                int own = c.Int();
                string? payloadText = TextPayload(c);
                double payloadNumber = NumberPayload(c);
                var operands = Args(c);
                return new Instr(own, structuredOp, IrBuilder.Void, operands.ToEquatableArray(), Name(c), payloadNumber, payloadText,
                    Results: (results ?? new List<IrParam>()).ToEquatableArray());
            }

            private static List<int> Args(Cursor c)
            {
                if (!c.Peek(" %")) return new List<int>();
                c.Expect(" ");
                return c.Values();
            }

            private static string? Name(Cursor c)
            {
                if (c.AtEnd) return null;
                c.Expect("  ; ");
                return c.Rest();
            }
        }

        /// <summary>A position in one line.</summary>
        private sealed class Cursor
        {
            private readonly int _line;
            private readonly string _text;
            private int _at;

            public Cursor(int line, string text, int indent)
            {
                _line = line;
                _text = text.TrimEnd();
                _at = indent;
                Indent = indent;
            }

            public int Indent { get; }

            public bool AtEnd => _at >= _text.Length;

            public char Current => AtEnd ? '\0' : _text[_at];

            public FormatException Error(string message) =>
                new FormatException("IR line " + _line + ", column " + (_at + 1) + ": " + message + ": " + _text.Trim());

            public bool Peek(string expected) => string.CompareOrdinal(_text, _at, expected, 0, expected.Length) == 0;

            public void Expect(string expected)
            {
                // A line's trailing spaces are trimmed ("yield " with nothing after it), so a space expected at the end is there.
                if (AtEnd && expected.Trim().Length == 0) return;
                if (!Peek(expected)) throw Error("expected '" + expected + "'");
                _at += expected.Length;
            }

            public void End()
            {
                if (!AtEnd) throw Error("unexpected '" + _text.Substring(_at) + "'");
            }

            public string Until(char stop)
            {
                int start = _at;
                while (!AtEnd && _text[_at] != stop) _at++;
                return _text.Substring(start, _at - start);
            }

            public string Rest()
            {
                string rest = _text.Substring(_at);
                _at = _text.Length;
                return rest;
            }

            /// <summary>Up to a space, a comma or the end.</summary>
            public string Word()
            {
                int start = _at;
                while (!AtEnd && _text[_at] != ' ' && _text[_at] != ',') _at++;
                if (_at == start) throw Error("expected a word");
                return _text.Substring(start, _at - start);
            }

            public int Int()
            {
                string digits = Word();
                return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : throw Error("not an id: " + digits);
            }

            /// <summary><c>%id</c>.</summary>
            public int Value()
            {
                Expect("%");
                int start = _at;
                while (!AtEnd && char.IsDigit(_text[_at])) _at++;
                if (_at == start) throw Error("expected a value id");
                return int.Parse(_text.Substring(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture);
            }

            /// <summary>Whether the line goes on <c>%id = </c>: an instruction with one value, not a list of results.</summary>
            public bool PeekValueThenEquals()
            {
                int at = _at + 1;
                while (at < _text.Length && char.IsDigit(_text[at])) at++;
                return string.CompareOrdinal(_text, at, " = ", 0, 3) == 0;
            }

            /// <summary><c>%a, %b, …</c> to the end of the operands.</summary>
            public List<int> Values()
            {
                var values = new List<int> { Value() };
                while (Peek(", %"))
                {
                    Expect(", ");
                    values.Add(Value());
                }
                return values;
            }

            /// <summary>A type's spelling: up to a space, a comma or a closing parenthesis outside brackets.</summary>
            public string Type()
            {
                int start = _at, depth = 0;
                while (!AtEnd)
                {
                    char ch = _text[_at];
                    if (depth == 0 && (ch == ' ' || ch == ',' || ch == ')')) break;
                    if (ch == '(' || ch == '<' || ch == '[') depth++;
                    else if (ch == ')' || ch == '>' || ch == ']') depth--;
                    _at++;
                }
                if (_at == start) throw Error("expected a type");
                return _text.Substring(start, _at - start);
            }

            /// <summary><c>%id name: type, …</c> (a name may be empty), up to a closing parenthesis or <c> = </c>.</summary>
            public List<IrParam> Params()
            {
                var parameters = new List<IrParam>();
                do
                {
                    if (parameters.Count > 0) Expect(", ");
                    int id = Value();
                    if (Peek(" ")) Expect(" ");
                    string name = Until(':');
                    Expect(": ");
                    parameters.Add(new IrParam(id, name, ParseType(Type())));
                }
                while (Peek(", %"));
                return parameters;
            }

            /// <summary>A C# string literal as the printer quotes text: <c>\\</c>, <c>\"</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>.</summary>
            public string Quoted()
            {
                Expect("\"");
                var text = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("unterminated string");
                    char ch = _text[_at++];
                    if (ch == '"') return text.ToString();
                    if (ch != '\\')
                    {
                        text.Append(ch);
                        continue;
                    }
                    if (AtEnd) throw Error("unterminated string");
                    char escaped = _text[_at++];
                    text.Append(escaped switch
                    {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '\\' => '\\',
                        '"' => '"',
                        _ => throw Error("unknown escape \\" + escaped),
                    });
                }
            }
        }
    }
}
