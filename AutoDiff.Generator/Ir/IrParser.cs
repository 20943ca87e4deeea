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
        /// <summary>How each payload type is read from its fields: one small function per kind (see <see cref="Payload"/>).</summary>
        private static readonly Dictionary<Type, Func<Fields, TypeRef, Payload>> Payloads = new Dictionary<Type, Func<Fields, TypeRef, Payload>>
        {
            [typeof(ConstValue)] = Constant,
            [typeof(FnRef)] = (f, _) => new FnRef(f.Function("fn")),
            [typeof(CallInfo)] = (f, _) => new CallInfo(f.String("callee"), f.Active("active"), f.Bool("effect"), f.Has("outputs") ? f.Active("outputs") : default, f.Has("value") && f.Bool("value")),
            [typeof(RuleCall)] = (f, _) => new RuleCall(f.String("target"), f.StringOrNone("rule"), f.Active("active"), f.Word("ruleActive") == "none" ? (ActiveSet?)null : f.Active("ruleActive"),
                f.StringOrNone("vjp"), f.StringOrNone("jvp"), f.Active("outputs")),
            [typeof(TapeSlot)] = (f, _) => new TapeSlot(ParseType(f.String("tape")), f.Enum<TapeEntry>("entry"), f.Int("pair"), f.Bool("reserved")),
            [typeof(TapeRoom)] = (f, _) => new TapeRoom(ParseType(f.String("tape")), f.Long("perTrip"), f.Int("added"), f.Long("offset")) { Inner = f.Has("inner") ? f.Inner("inner") : EquatableArray<InnerRoom>.Empty },
            [typeof(Allocation)] = (f, _) => new Allocation(f.Enum<BufferKind>("kind")),
            [typeof(InRange)] = (f, _) => f.Bool("inRange") ? InRange.Instance : throw new FormatException("inRange is always true"),
            [typeof(MemberRef)] = (f, _) => new MemberRef(f.String("name"), f.Bool("effect")),
            [typeof(ConstTable)] = (f, _) => new ConstTable(f.String("elements")),
            [typeof(LiteralText)] = (f, _) => new LiteralText(f.String("text")),
        };

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
                case "char":
                    return new TypeRef(ValueKind.Integer, display);
            }
            if (display.EndsWith("[,]", StringComparison.Ordinal)) return TypeRef.Array2DOf(ParseType(display.Substring(0, display.Length - 3)), jagged: false, display);
            if (display.EndsWith("[][]", StringComparison.Ordinal)) return TypeRef.Array2DOf(ParseType(display.Substring(0, display.Length - 4)), jagged: true, display);
            if (display.EndsWith("[]", StringComparison.Ordinal)) return TypeRef.ArrayOf(ParseType(display.Substring(0, display.Length - 2)), display);
            if (display.EndsWith("[]?", StringComparison.Ordinal)) return TypeRef.ArrayOf(ParseType(display.Substring(0, display.Length - 3)), display);
            const string vector = "global::System.Numerics.Vector<";
            if (display.StartsWith(vector, StringComparison.Ordinal) && display.EndsWith(">", StringComparison.Ordinal))
                return TypeRef.VectorOf(ParseType(display.Substring(vector.Length, display.Length - vector.Length - 1)));
            foreach (var (span, container) in new[] { ("global::System.Span<", Container.Span), ("global::System.ReadOnlySpan<", Container.ReadOnlySpan) })
            {
                if (display.StartsWith(span, StringComparison.Ordinal) && display.EndsWith(">", StringComparison.Ordinal))
                    return TypeRef.Sequence(container, ParseType(display.Substring(span.Length, display.Length - span.Length - 1)), display);
            }
            return new TypeRef(ValueKind.Other, display);
        }

        // ---- Payloads: what an instruction carries besides its operands, written {field: value, ...}. ----

        /// <summary>The payload of an instruction of <paramref name="op"/>, when its row has one: <c> {field: value, ...}</c>.</summary>
        private static Payload? ReadPayload(Cursor c, Op op, TypeRef type)
        {
            var kind = OpInfo.Row(op).Payload;
            if (kind == null) return null;
            if (!c.Peek(" {"))
            {
                if (OpInfo.Row(op).PayloadOptional) return null;
                throw c.Error(OpInfo.Row(op).Mnemonic + " needs a payload {...}");
            }
            c.Expect(" ");
            var fields = c.Fields();
            if (!Payloads.TryGetValue(kind, out var read)) throw c.Error("no reader for a " + kind.Name + " payload");
            var payload = read(fields, type);
            fields.AllRead(kind.Name);
            return payload;
        }

        /// <summary>A constant's value: the exact digits for an integer or enum type, a number (R format) for a floating or bool one.</summary>
        private static Payload Constant(Fields f, TypeRef type)
        {
            if (type.Display == "string") return ConstValue.OfString(f.String("value"));
            string token = f.Word("value");
            double number = f.Number("value");
            return new ConstValue(number, type.IsFloating || type.Kind == ValueKind.Bool ? null : token);
        }

        /// <summary>The fields of a payload as written, each read once by name.</summary>
        private sealed class Fields
        {
            private readonly Cursor _at;
            private readonly Dictionary<string, (string Text, bool Quoted)> _values;
            private readonly HashSet<string> _read = new HashSet<string>();

            public Fields(Cursor at, Dictionary<string, (string, bool)> values)
            {
                _at = at;
                _values = values;
            }

            private (string Text, bool Quoted) Get(string name)
            {
                if (!_values.TryGetValue(name, out var value)) throw _at.Error("the payload has no field " + name);
                _read.Add(name);
                return value;
            }

            public string String(string name)
            {
                var (text, quoted) = Get(name);
                return quoted ? text : throw _at.Error(name + " must be a quoted string");
            }

            public string Word(string name)
            {
                var (text, quoted) = Get(name);
                return !quoted ? text : throw _at.Error(name + " must not be quoted");
            }

            /// <summary>A quoted string, or the word <c>none</c> for null.</summary>
            public string? StringOrNone(string name)
            {
                var (text, quoted) = Get(name);
                return quoted ? text : text == "none" ? null : throw _at.Error(name + " must be a quoted string or none");
            }

            /// <summary>A function of the rule table, by its name.</summary>
            public Intrinsic Function(string name)
            {
                string text = Word(name);
                return Derivatives.RuleTable.IsFunction(text) ? new Intrinsic(text) : throw _at.Error(name + " is not a function of the rule table: " + text);
            }

            public double Number(string name) =>
                double.TryParse(Word(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw _at.Error(name + " is not a number");

            public int Int(string name) =>
                int.TryParse(Word(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? value : throw _at.Error(name + " is not an integer");

            public long Long(string name) =>
                long.TryParse(Word(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value : throw _at.Error(name + " is not an integer");

            public bool Bool(string name) => Word(name) switch
            {
                "true" => true,
                "false" => false,
                _ => throw _at.Error(name + " must be true or false"),
            };

            public T Enum<T>(string name) where T : struct =>
                System.Enum.TryParse(Word(name), ignoreCase: false, out T value) && System.Enum.IsDefined(typeof(T), value) ? value : throw _at.Error(name + " is not a " + typeof(T).Name);

            public bool Has(string name) => _values.ContainsKey(name);

            /// <summary>A reserve's nested loops (<see cref="TapeRoom.Inner"/>).</summary>
            public EquatableArray<InnerRoom> Inner(string name)
            {
                try
                {
                    return TapeRoom.ParseInner(Word(name));
                }
                catch (Exception e) when (e is FormatException || e is OverflowException)
                {
                    throw _at.Error(name + " is not a list of inner rooms [depth perTrip operands added offset; ...]: " + e.Message);
                }
            }

            public ActiveSet Active(string name)
            {
                try
                {
                    return ActiveSet.Parse(Word(name));
                }
                catch (Exception e) when (e is FormatException || e is OverflowException || e is ArgumentOutOfRangeException)
                {
                    throw _at.Error(name + " is not an active set [0, 2]");
                }
            }

            /// <summary>Fails on a field the payload type does not have.</summary>
            public void AllRead(string kind)
            {
                var extra = _values.Keys.Where(k => !_read.Contains(k)).ToList();
                if (extra.Count > 0) throw _at.Error("a " + kind + " has no field " + string.Join(", ", extra));
            }
        }

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
                    var op = Mnemonic(c);
                    c.Expect(" ");
                    var type = ParseType(c.Type());
                    var args = Args(c);
                    var payload = ReadPayload(c, op, type);
                    return new Instr(id, op, type, args.ToEquatableArray(), Name(c), payload);
                }
                var structured = Mnemonic(c);
                c.Expect(" @");
                int own = c.Int();
                var operands = Args(c);
                var structuredPayload = ReadPayload(c, structured, TypeRef.Void);
                return new Instr(own, structured, TypeRef.Void, operands.ToEquatableArray(), Name(c), structuredPayload,
                    Results: (results ?? new List<IrParam>()).ToEquatableArray());
            }

            private static Op Mnemonic(Cursor c)
            {
                string mnemonic = c.Word();
                return OpInfo.TryParse(mnemonic, out var op) ? op : throw c.Error("unknown op " + mnemonic);
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

            /// <summary>Up to a space, a comma, <paramref name="stop"/> or the end.</summary>
            public string Word(char stop = ' ')
            {
                int start = _at;
                while (!AtEnd && _text[_at] != ' ' && _text[_at] != ',' && _text[_at] != stop) _at++;
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

            /// <summary><c>{name: value, ...}</c>: a value is a quoted string, an active set <c>[0, 2]</c>, or a word.</summary>
            public Fields Fields()
            {
                Expect("{");
                var values = new Dictionary<string, (string, bool)>();
                while (!Peek("}"))
                {
                    if (values.Count > 0) Expect(", ");
                    string name = Until(':');
                    Expect(": ");
                    (string, bool) value;
                    if (Current == '"') value = (Quoted(), true);
                    else if (Current == '[') value = (Until(']') + Take(']'), false);
                    else value = (Word('}'), false);
                    if (values.ContainsKey(name)) throw Error("the field " + name + " is written twice");
                    values[name] = value;
                }
                Expect("}");
                return new Fields(this, values);
            }

            private string Take(char expected)
            {
                Expect(expected.ToString());
                return expected.ToString();
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
