using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>The signature of an array program: parameter order (<c>x</c>, <c>y</c>, <c>n</c>, <c>data</c>) and whether <c>x</c> is a span.</summary>
public sealed record ArrayShape(bool XIsSpan, bool HasData, IReadOnlyList<string> Order);

/// <summary>
/// Generates <c>[Differentiable] public static double P####(double[] x, double y, int n)</c> (in a
/// random parameter order, <c>x</c> sometimes a <c>ReadOnlySpan&lt;double&gt;</c>, sometimes with a
/// <c>[NoDerivative] double[] data</c> as well) whose bodies read <c>x</c> with computed indices,
/// loop over it with <c>for</c>, <c>while</c> and <c>foreach</c>, call a vector-valued helper of their own
/// (one program in four: <c>{name}Field(a, c, b)</c>, b a buffer, a x or a buffer, possibly b itself), and fill and overwrite local
/// buffers (<c>new double[x.Length]</c> or <c>stackalloc double[x.Length]</c>, always declared at
/// the top level of the body) in place. Element values come from the scalar grammar
/// (<see cref="ProgramGenerator.ExpressionOver"/>) over element reads, <c>y</c> and scalar locals.
/// <para>
/// Every array (<c>x</c>, buffers, <c>data</c>) has the same length L, 3 to 6 at the test points.
/// Indices are in range by construction: a counter <c>i</c> of <c>i &lt; x.Length</c> indexes as
/// <c>i</c>, <c>(i * 2) % a.Length</c>, <c>a.Length - 1 - i</c>, <c>(i + 1) % a.Length</c>; one of
/// <c>i + 1 &lt; x.Length</c> also as <c>i + 1</c>; one of <c>i &lt; n</c> as <c>i % a.Length</c>;
/// outside loops <c>0</c>, <c>1</c>, <c>2</c>, <c>a.Length - 1</c> and <c>n % a.Length</c>.
/// Writes keep buffers and scalars nominally bounded by 2: plain stores are squashed, overwrites are
/// contracting (<c>h[i] = h[i] * 0.5 + …</c>) and increments are small (<c>+= 0.1 * Math.Tanh(…)</c>).
/// </para>
/// </summary>
public sealed class ArrayProgramGenerator
{
    private enum CounterKind { Full, Pair, Free }

    private sealed record Counter(string Name, CounterKind Kind);

    private readonly Random _rng;
    private readonly ProgramGenerator _expressions;
    private readonly StringBuilder _out = new();
    private int _indent;
    private int _names;
    private bool _hasData;
    private readonly List<string> _buffers = new();
    /// <summary>Writable double locals in scope, innermost block last.</summary>
    private readonly List<List<string>> _scalars = new();
    private readonly List<Counter> _counters = new();
    /// <summary>foreach iteration variables in scope (read only).</summary>
    private readonly List<string> _elements = new();
    /// <summary>Innermost loop is a <c>for</c>/<c>foreach</c> (true: <c>break</c>/<c>continue</c> allowed) or a while (false: only <c>break</c>).</summary>
    private readonly Stack<bool> _loops = new();

    private readonly FuzzGrammar _grammar;
    /// <summary>Decides where buffers are made inside loops and branches: a stream of its own, so programs without one stay as they were.</summary>
    private Random _side = new(0);
    private readonly HashSet<string> _spanBuffers = new(StringComparer.Ordinal);
    /// <summary>The name of this program's vector-valued helper, or null.</summary>
    private string? _field;

    private ArrayProgramGenerator(Random rng, FuzzGrammar grammar)
    {
        _rng = rng;
        _grammar = grammar;
        _expressions = ProgramGenerator.ForExpressions(new Random(rng.Next()), grammar);
    }

    /// <summary>Array program <paramref name="index"/> of the run with <paramref name="seed"/>; deterministic.</summary>
    public static FuzzProgram Generate(int seed, int index, FuzzGrammar grammar)
    {
        var rng = new Random(unchecked(seed * 1_000_033 + index * 6_151 + 101));
        return new ArrayProgramGenerator(rng, grammar) { _side = new Random(unchecked(seed * 7_919 + index * 104_723 + 3)) }.Program(index);
    }

    private FuzzProgram Program(int index)
    {
        string name = "P" + index.ToString("D4", CultureInfo.InvariantCulture);
        // One program in three (by index: the others are unchanged) calls a plain helper with effects.
        _expressions.PlainCalls = _grammar.IncludePlainCalls && index % 3 == 1;
        bool span = _rng.Next(3) == 0;
        _hasData = _rng.Next(3) == 0;
        var order = new List<string> { "x", "y", "n" };
        if (_hasData) order.Add("data");
        order = order.OrderBy(_ => _rng.Next()).ToList();
        var shape = new ArrayShape(span, _hasData, order);

        string Declaration(string p) => p switch
        {
            "x" => (span ? "ReadOnlySpan<double>" : "double[]") + " x",
            "y" => "double y",
            "n" => "int n",
            _ => "[NoDerivative] double[] data",
        };

        _indent = 2;
        Line("[Differentiable]");
        Line("public static double " + name + "(" + string.Join(", ", order.Select(Declaration)) + ")");
        Line("{");
        _indent++;
        _scalars.Add(new List<string>());

        // One program in five is a single reduction and nothing else.
        bool reduction = _rng.Next(5) == 0;

        // One program in four (with buffers) calls a vector-valued helper of its own, written after it.
        _field = !reduction && _rng.Next(4) == 0 ? name + "Field" : null;

        // Buffers, at the top level only.
        int buffers = reduction ? 0 : _field != null ? _rng.Next(1, 3) : _rng.Next(0, 3);
        for (int b = 0; b < buffers; b++)
        {
            string h = "h" + b.ToString(CultureInfo.InvariantCulture);
            if (_rng.Next(2) == 0) Line("var " + h + " = new double[x.Length];");
            else
            {
                Line("Span<double> " + h + " = stackalloc double[x.Length];");
                _spanBuffers.Add(h);
            }
            _buffers.Add(h);
            if (_rng.Next(3) != 0)
            {
                // Fill it.
                string i = Fresh("i");
                Line("for (int " + i + " = 0; " + i + " < " + h + ".Length; " + i + "++)");
                Open();
                _counters.Add(new Counter(i, CounterKind.Full));
                Line(h + "[" + i + "] = " + Value(2) + ";");
                _counters.RemoveAt(_counters.Count - 1);
                Close();
            }
        }
        if (reduction) Reduction();
        else
        {
            int scalars = _rng.Next(1, 3);
            for (int s = 0; s < scalars; s++) DeclareScalar();
            if (_field != null) FieldCall();
            int budget = _rng.Next(3, 8);
            for (int k = 0; k < budget; k++) TopStatement();
        }

        var terms = new List<string>();
        foreach (string s in _scalars[0]) if (reduction || _rng.Next(4) != 0) terms.Add(_rng.Next(3) == 0 ? "Math.Sin(" + s + ")" : s);
        foreach (string h in _buffers) if (_rng.Next(3) != 0) terms.Add(h + "[" + Index(h) + "]");
        // A reduction's result reads x only through its loop.
        terms.Add(reduction ? "0.5 * y" : Value(4));
        Line("return " + string.Join(" + ", terms) + ";");
        _indent--;
        Line("}");
        if (_field != null) Field(_field);

        var parameters = order.Select(p => new FuzzParameter(p, p == "n")).ToList();
        return new FuzzProgram(index, name, parameters, _out.ToString()) { Array = shape, Harness = Adapters(name, order) };
    }

    /// <summary>
    /// Methods <c>{name}A0</c>…<c>A3</c> with array-only signatures <c>(double[] x, double y, int n,
    /// double[] data, …)</c> that call the method and its Gradient, Vjp and Jvp (reflection cannot pass spans).
    /// </summary>
    private static string Adapters(string name, IReadOnlyList<string> order)
    {
        string args = string.Join(", ", order);
        // One added parameter per active parameter (x, y), in parameter order.
        var active = order.Where(p => p == "x" || p == "y").ToList();
        string Added(string forX, string forY) => string.Join(", ", active.Select(p => p == "x" ? forX : forY));
        const string common = "double[] x, double y, int n, double[] data";
        return
            "\n        public static double " + name + "A0(" + common + ") => " + name + "(" + args + ");\n" +
            "        public static double " + name + "A1(" + common + ", double[] g) => " + name + "Gradient(" + args + ", " + Added("g.AsSpan(0, x.Length)", "out g[x.Length]") + ");\n" +
            "        public static double " + name + "A2(" + common + ", double seed, double[] adj) => " + name + "Vjp(" + args + ", seed, " + Added("adj.AsSpan(0, x.Length)", "ref adj[x.Length]") + ");\n" +
            "        public static double " + name + "A3(" + common + ", double[] dir, double[] t) => " + name + "Jvp(" + args + ", " + Added("dir.AsSpan(0, x.Length)", "dir[x.Length]") + ", out t[0]);\n";
    }

    /// <summary>
    /// The program's vector-valued helper, <c>void {name}(ReadOnlySpan&lt;double&gt; a, double c, Span&lt;double&gt; b)</c>:
    /// one loop over b writing every element or every other one (the rest keep their values), from a, c and sometimes
    /// b's own old element. Called with any buffer (or x) as a and any buffer as b, the same one included.
    /// </summary>
    private void Field(string name)
    {
        Line("");
        Line("[Differentiable]");
        Line("public static void " + name + "(ReadOnlySpan<double> a, double c, Span<double> b)");
        Line("{");
        _indent++;
        string step = _rng.Next(3) == 0 ? "i += 2" : "i++";
        Line("for (int i = 0; i < b.Length; " + step + ")");
        _indent++;
        Line("b[i] = " + Pick(
            "Math.Tanh(a[i] * c + 0.5 * a[(i + 1) % a.Length])",
            "Math.Sin(a[i]) * Math.Tanh(c)",
            "0.5 * b[i] + 0.25 * a[i] * a[(i + 1) % a.Length]",
            "a[a.Length - 1 - i] - 0.5 * Math.Cos(c * b[i])",
            "c > 0 ? a[i] * 0.5 : Math.Tanh(a[i] + b[i])") + ";");
        _indent--;
        if (_rng.Next(3) == 0) Line("b[0] = b[0] * 0.5 + 0.1 * c;");
        _indent--;
        Line("}");
    }

    /// <summary><c>{field}(a, c, b);</c> with a one of x and the buffers, b a buffer.</summary>
    private void FieldCall()
    {
        string a = _rng.Next(3) == 0 ? "x" : Pick(_buffers);
        Line(_field + "(" + a + ", " + Tanh(Value(2)) + ", " + Pick(_buffers) + ");");
    }

    // ---------------------------------------------------------------- statements

    private void DeclareScalar()
    {
        string s = Fresh("s");
        Line("double " + s + " = " + Value(2) + ";");
        _scalars[^1].Add(s);
    }

    private void TopStatement()
    {
        switch (_rng.Next(10))
        {
            case 0:
            case 1:
            case 2:
                ForLoop(0);
                break;
            case 3:
                Foreach(0);
                break;
            case 4:
                While(0);
                break;
            case 5:
                IfOnElements(0);
                break;
            default:
                InnerStatement(0);
                break;
        }
    }

    private void ForLoop(int depth)
    {
        string i = Fresh("i");
        CounterKind kind;
        string bound;
        string step = i + "++";
        string start = "0";
        switch (_rng.Next(8))
        {
            case 6:
                // Disjoint pairs: a reduction over them is where a Gradient writes its span instead of adding into it.
                kind = CounterKind.Pair;
                bound = i + " + 1 < x.Length";
                step = i + " += 2";
                break;
            case 7:
                // Starting past the first element: the Gradient zeroes the elements before the loop.
                kind = CounterKind.Full;
                bound = i + " < x.Length";
                start = "1";
                break;
            case 0:
                kind = CounterKind.Pair;
                bound = i + " + 1 < x.Length";
                break;
            case 1:
                kind = CounterKind.Free;
                bound = i + " < n";
                break;
            case 2 when _buffers.Count > 0:
                kind = CounterKind.Full;
                bound = i + " < " + Pick(_buffers) + ".Length";
                break;
            case 3 when _counters.Count > 0 && _counters[^1].Kind != CounterKind.Free:
                // A triangular loop: j < i < L.
                kind = CounterKind.Full;
                bound = i + " < " + _counters[^1].Name;
                break;
            default:
                kind = CounterKind.Full;
                bound = i + " < x.Length";
                break;
        }
        Line("for (int " + i + " = " + start + "; " + bound + "; " + step + ")");
        _counters.Add(new Counter(i, kind));
        _loops.Push(true);
        LoopBody(depth + 1);
        _loops.Pop();
        _counters.RemoveAt(_counters.Count - 1);
    }

    /// <summary>
    /// A program that is one reduction, <c>s += f(x[i], x[i + 1], …)</c> over all of x, pairs of it, or x from its second
    /// element: the shape whose reverse sweep is fused into the loop and whose Gradient writes its span.
    /// </summary>
    private void Reduction()
    {
        string s = Fresh("s");
        Line("double " + s + " = 0.25 * y;");
        string i = Fresh("i");
        bool pairs = false;
        switch (_rng.Next(3))
        {
            case 0:
                Line("for (int " + i + " = 0; " + i + " + 1 < x.Length; " + i + " += 2)");
                _counters.Add(new Counter(i, CounterKind.Pair));
                pairs = true;
                break;
            case 1:
                Line("for (int " + i + " = 1; " + i + " < x.Length; " + i + "++)");
                _counters.Add(new Counter(i, CounterKind.Full));
                break;
            default:
                Line("for (int " + i + " = 0; " + i + " < x.Length; " + i + "++)");
                _counters.Add(new Counter(i, CounterKind.Full));
                break;
        }
        Open();
        // Mostly the loop's own elements (x[i], and x[i + 1] over pairs), so that nothing else adds into their adjoints.
        string own = pairs ? "Math.Sin(x[" + i + " + 1]) * x[" + i + "]" : "Math.Tanh(x[" + i + "])";
        Line(s + " += " + Value(2) + " * x[" + i + "] + " + own + ";");
        if (_rng.Next(2) == 0) Line(s + " -= 0.5 * " + Value(2) + ";");
        Close();
        _counters.RemoveAt(_counters.Count - 1);
        _scalars[^1].Add(s);
    }

    private void Foreach(int depth)
    {
        string v = Fresh("v");
        string over = _buffers.Count > 0 && _rng.Next(3) == 0 ? Pick(_buffers) : _hasData && _rng.Next(5) == 0 ? "data" : "x";
        Line("foreach (" + (_rng.Next(2) == 0 ? "var " : "double ") + v + " in " + over + ")");
        _elements.Add(v);
        _loops.Push(true);
        LoopBody(depth + 1);
        _loops.Pop();
        _elements.RemoveAt(_elements.Count - 1);
    }

    private void While(int depth)
    {
        string w = Fresh("w");
        Line("int " + w + " = 0;");
        Line("while (" + w + " < x.Length)");
        Open();
        _counters.Add(new Counter(w, CounterKind.Full));
        _loops.Push(false);
        int count = _rng.Next(1, 3);
        for (int k = 0; k < count; k++) InnerStatement(depth + 1);
        _loops.Pop();
        _counters.RemoveAt(_counters.Count - 1);
        Line(w + "++;");
        Close();
    }

    private void LoopBody(int depth)
    {
        Open();
        int count = _rng.Next(1, 4);
        int jumpAt = _rng.Next(5) == 0 ? _rng.Next(count + 1) : -1;
        for (int k = 0; k <= count; k++)
        {
            if (k == jumpAt)
                Line("if (" + ElementCondition() + ") " + (_loops.Peek() && _rng.Next(2) == 0 ? "continue" : "break") + ";");
            if (k < count) InnerStatement(depth);
        }
        Close();
    }

    private void IfOnElements(int depth)
    {
        Line("if (" + ElementCondition() + ")");
        Block(depth + 1);
        if (_rng.Next(2) == 0)
        {
            Line("else");
            Block(depth + 1);
        }
    }

    private void Block(int depth)
    {
        Open();
        int count = _rng.Next(1, 3);
        for (int k = 0; k < count; k++) InnerStatement(depth);
        Close();
    }

    private void InnerStatement(int depth)
    {
        if (_field != null && _rng.Next(6) == 0)
        {
            FieldCall();
            return;
        }
        int r = _rng.Next(depth < 2 ? 13 : 10);
        if (_buffers.Count == 0 && r < 4) r = 4 + _rng.Next(3);
        switch (r)
        {
            case 0:
            {
                string h = Pick(_buffers);
                Line(h + "[" + Index(h) + "] = " + Value(2) + ";");
                break;
            }
            case 1:
            {
                // An overwrite that reads the old element.
                string h = Pick(_buffers);
                string idx = Index(h);
                Line(h + "[" + idx + "] = " + h + "[" + idx + "] * " + Pick("0.5", "0.25", "(-0.5)") + " + " + Tanh(Value(3)) + ";");
                break;
            }
            case 2:
            {
                string h = Pick(_buffers);
                string idx = Index(h);
                string op = Pick("+", "-");
                Line(Compound(h, idx, op, "0.1 * " + Tanh(Value(3))));
                break;
            }
            case 3:
            {
                string h = Pick(_buffers);
                string factor = Pick("Math.Cos({0})", "Math.Tanh({0})", "Math.Exp(-0.5 * Math.Abs({0}))", "0.9");
                Line(Compound(h, Index(h), "*", string.Format(CultureInfo.InvariantCulture, factor, Value(1))));
                break;
            }
            case 4:
            case 5:
            {
                string s = Pick(_scalars.SelectMany(l => l).ToList());
                Line(s + " = " + Pick("0.5", "0.75", "(-0.5)") + " * " + s + " + " + Tanh(Value(3)) + ";");
                break;
            }
            case 6:
            {
                string s = Pick(_scalars.SelectMany(l => l).ToList());
                Line(s + " " + Pick("+=", "-=") + " 0.1 * " + Tanh(Value(3)) + ";");
                break;
            }
            case 7:
                IfOnElements(depth);
                break;
            case 8 when depth > 0 || _loops.Count > 0 ? _grammar.IncludeBuffersInLoops && _side.Next(3) == 0 : false:
                LocalBuffer(depth);
                break;
            case 8:
            {
                // A local inside the loop or branch, used right away.
                string t = Fresh("t");
                Line("double " + t + " = " + Value(2) + ";");
                _scalars[^1].Add(t);
                InnerStatement(depth);
                break;
            }
            case 9:
            {
                string s = Pick(_scalars.SelectMany(l => l).ToList());
                string over = _buffers.Count > 0 && _rng.Next(2) == 0 ? Pick(_buffers) : "x";
                Line(s + " = 0.5 * " + s + " + 0.5 * Math.Tanh(" + over + "[" + Index(over) + "] * " + Value(1) + ");");
                break;
            }
            case 10:
                ForLoop(depth);
                break;
            case 11:
                Foreach(depth);
                break;
            default:
                While(depth);
                break;
        }
    }

    /// <summary>
    /// A buffer made inside a loop or branch (issue 15, item 4): <c>new double[3]</c>, <c>new double[x.Length]</c> or
    /// <c>stackalloc double[3]</c>, filled in a loop, updated in place, and read into a local used right away.
    /// </summary>
    private void LocalBuffer(int depth)
    {
        string t = Fresh("t"), i = Fresh("i"), s = Fresh("t");
        bool span = _side.Next(3) == 0;
        string size = !span && _side.Next(2) == 0 ? "x.Length" : "3";
        Line(span ? "Span<double> " + t + " = stackalloc double[" + size + "];" : "var " + t + " = new double[" + size + "];");
        Line("for (int " + i + " = 0; " + i + " < " + t + ".Length; " + i + "++) " + t + "[" + i + "] = " + Tanh(Value(2)) + " + 0.5 * x[" + i + " % x.Length];");
        string update = Tanh(Value(1));
        Line(span && !_grammar.IncludeSpanBufferCompoundAssignment ? t + "[1] = " + t + "[1] + 0.5 * " + t + "[0] * " + update + ";" : t + "[1] += 0.5 * " + t + "[0] * " + update + ";");
        Line("double " + s + " = " + t + "[0] * " + t + "[2] - " + t + "[1];");
        _scalars[^1].Add(s);
        InnerStatement(depth);
    }

    /// <summary><c>h[idx] op= operand;</c>, or <c>h[idx] = h[idx] op operand;</c> for span buffers when the grammar says so.</summary>
    private string Compound(string h, string idx, string op, string operand) =>
        _spanBuffers.Contains(h) && !_grammar.IncludeSpanBufferCompoundAssignment
            ? h + "[" + idx + "] = " + h + "[" + idx + "] " + op + " " + (op == "*" ? "(" + operand + ")" : operand) + ";"
            : h + "[" + idx + "] " + op + "= " + operand + ";";

    // ---------------------------------------------------------------- expressions

    /// <summary>An in-range index into <paramref name="array"/> (every array has length L ≥ 3).</summary>
    private string Index(string array)
    {
        string len = array + ".Length";
        var options = new List<string> { "0", "1", "2", len + " - 1", "n % " + len };
        foreach (var c in _counters)
        {
            switch (c.Kind)
            {
                case CounterKind.Free:
                    options.Add(c.Name + " % " + len);
                    options.Add("(" + c.Name + " * 2 + 1) % " + len);
                    break;
                case CounterKind.Pair:
                    options.Add(c.Name + " + 1");
                    goto default;
                default:
                    options.Add(c.Name);
                    options.Add(c.Name);
                    options.Add("(" + c.Name + " * 2) % " + len);
                    options.Add(len + " - 1 - " + c.Name);
                    options.Add("(" + c.Name + " + 1) % " + len);
                    break;
            }
        }
        // Prefer the innermost counter.
        if (_counters.Count > 0 && _rng.Next(2) == 0)
        {
            var c = _counters[^1];
            return c.Kind == CounterKind.Free ? c.Name + " % " + len : c.Name;
        }
        return Pick(options);
    }

    /// <summary>Operands for the scalar grammar: element reads, <c>y</c>, scalars, foreach variables.</summary>
    private List<string> Leaves()
    {
        var leaves = new List<string> { "y" };
        leaves.AddRange(_scalars.SelectMany(l => l));
        leaves.AddRange(_elements);
        int reads = _rng.Next(1, 4);
        for (int k = 0; k < reads; k++) leaves.Add("x[" + Index("x") + "]");
        foreach (string h in _buffers) if (_rng.Next(2) == 0) leaves.Add(h + "[" + Index(h) + "]");
        if (_hasData && _rng.Next(2) == 0) leaves.Add("data[" + Index("data") + "]");
        if (_rng.Next(4) == 0) leaves.Add("(0.25 * x.Length)");
        return leaves;
    }

    private List<string> IntLeaves()
    {
        var ints = new List<string> { "n" };
        ints.AddRange(_counters.Select(c => c.Name));
        if (_rng.Next(3) == 0) ints.Add("x.Length");
        return ints;
    }

    /// <summary>A bounded element value from the scalar grammar.</summary>
    private string Value(int maxDepth) => _expressions.ExpressionOver(Leaves(), IntLeaves(), _rng.Next(0, maxDepth + 1), 2).Text;

    private static string Tanh(string e) => "Math.Tanh(" + e + ")";

    /// <summary>A branch condition, mostly comparing elements.</summary>
    private string ElementCondition()
    {
        string Read()
        {
            var arrays = new List<string> { "x" };
            arrays.AddRange(_buffers);
            string a = Pick(arrays);
            return a + "[" + Index(a) + "]";
        }
        return _rng.Next(4) switch
        {
            0 => Read() + " " + Pick("<", ">", "<=", ">=") + " " + Read(),
            1 => Read() + " " + Pick("<", ">") + " " + Pick("0.5", "0.0", "(-0.25)", "1.0"),
            2 => Read() + " " + Pick("<", ">") + " " + Value(1),
            _ => _expressions.ConditionOver(Leaves(), IntLeaves(), 1),
        };
    }

    // ---------------------------------------------------------------- text

    private string Pick(params string[] items) => items[_rng.Next(items.Length)];

    private string Pick(IReadOnlyList<string> items) => items[_rng.Next(items.Count)];

    private string Fresh(string prefix) => prefix + (_names++).ToString(CultureInfo.InvariantCulture);

    private void Open()
    {
        Line("{");
        _indent++;
        _scalars.Add(new List<string>());
    }

    private void Close()
    {
        _scalars.RemoveAt(_scalars.Count - 1);
        _indent--;
        Line("}");
    }

    private void Line(string text) => _out.Append(' ', 4 * _indent).Append(text).Append('\n');
}
