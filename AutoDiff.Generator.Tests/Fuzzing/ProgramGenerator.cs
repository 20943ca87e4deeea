using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// Which constructs <see cref="ProgramGenerator"/> may use. Every flag is on by default; a feature
/// the generator gets wrong can be switched off here (with a comment naming the bug) so the fuzz
/// test stays green for everything else.
/// </summary>
public sealed record FuzzGrammar
{
    public bool IncludeIf { get; init; } = true;
    public bool IncludeElseIf { get; init; } = true;
    public bool IncludeTernary { get; init; } = true;
    public bool IncludeLogicalOperators { get; init; } = true;
    public bool IncludeBoolLocals { get; init; } = true;
    public bool IncludeIntLocals { get; init; } = true;
    public bool IncludeParameterAssignment { get; init; } = true;
    public bool IncludeCompoundAssignment { get; init; } = true;
    public bool IncludeForLoops { get; init; } = true;
    public bool IncludeWhileLoops { get; init; } = true;
    public bool IncludeDoWhileLoops { get; init; } = true;
    public bool IncludeNestedLoops { get; init; } = true;
    public bool IncludeBreak { get; init; } = true;
    public bool IncludeContinue { get; init; } = true;
    public bool IncludeEarlyReturnInBranches { get; init; } = true;
    public bool IncludeEarlyReturnInLoops { get; init; } = true;
    public bool IncludeSwitch { get; init; } = true;
    /// <summary>A <c>break</c> inside an <c>if</c> inside a switch section (it leaves the switch).</summary>
    public bool IncludeBreakInsideSwitchSection { get; init; } = true;
    /// <summary>A switch section ending in <c>continue</c> of the enclosing loop.</summary>
    public bool IncludeContinueAsSwitchSectionEnd { get; init; } = true;
    public bool IncludeSwitchExpression { get; init; } = true;
    /// <summary>Relational and <c>and</c>/<c>or</c>/<c>not</c> patterns in switch labels and arms, over ints and doubles.</summary>
    public bool IncludePatterns { get; init; } = true;
    /// <summary>An additional double comparison in a while or for condition (<c>w &lt; n &amp;&amp; d &lt; 1.5</c>).</summary>
    public bool IncludeDoubleConditionInLoop { get; init; } = true;
    /// <summary><c>double d; if (c) d = …; else d = …;</c></summary>
    public bool IncludeDeclarationWithoutInitializer { get; init; } = true;
    /// <summary><c>var</c>, <c>const double</c>, several declarators in one declaration.</summary>
    public bool IncludeDeclarationVariants { get; init; } = true;
    /// <summary><c>Math.Abs</c>, <c>Math.Max</c>, <c>Math.Min</c> (kinks).</summary>
    public bool IncludeAbsMaxMin { get; init; } = true;
    /// <summary><c>d++</c>, <c>--d</c> on doubles (outside loops).</summary>
    public bool IncludeDoubleIncrement { get; init; } = true;
    /// <summary>Increments used as values: <c>int k1 = k0++;</c>.</summary>
    public bool IncludeIncrementExpressions { get; init; } = true;
    /// <summary><c>for (int i = 0; ; i++) { if (i &gt;= n) break; … }</c> and <c>while (true) { if (w &gt;= n) break; … }</c>.</summary>
    public bool IncludeLoopsExitedByBreakOnly { get; init; } = true;
    /// <summary><c>for (int i = 0, j = n; i &lt; j; i++, j--)</c></summary>
    public bool IncludeTwoVariableFor { get; init; } = true;
    /// <summary><c>int i; for (i = 0; i &lt; n; i++) …</c>, with <c>i</c> read after the loop.</summary>
    public bool IncludeCounterDeclaredOutsideFor { get; init; } = true;
    /// <summary>An <c>if</c>/<c>else</c> whose bodies are single statements without braces.</summary>
    public bool IncludeUnbracedBodies { get; init; } = true;
    /// <summary><c>double t = a; a = b; b = t …;</c></summary>
    public bool IncludeSwap { get; init; } = true;
    /// <summary>A whole method as <c>=&gt; expression;</c>.</summary>
    public bool IncludeExpressionBodies { get; init; } = true;
    /// <summary>
    /// Locals and parameters named like the generator's own identifiers (<c>tmp</c>, <c>result</c>,
    /// <c>seed</c>, <c>x0Adj</c>, <c>doubleTape</c>, …) and verbatim keywords (<c>@double</c>).
    /// </summary>
    public bool IncludeCollidingNames { get; init; } = true;
    /// <summary>The same local name declared again in a later sibling block, possibly with another type.</summary>
    public bool IncludeNameReuseInSiblingScopes { get; init; } = true;

    /// <summary>
    /// <c>double r = Math.Sqrt(s);</c> (or <c>Math.Log</c>) computed where <c>s</c> may be negative or
    /// zero, but only used behind a guard (<c>if (s &gt; 0.25) …</c>, or after <c>if (s &lt;= 0.25) return …;</c>).
    /// The primal is finite; on the path that does not use <c>r</c> its partial is NaN or infinite.
    /// </summary>
    public bool IncludeSingularValuesOnUntakenPaths { get; init; } = true;

    // Beyond the control-flow grammar: calls.

    /// <summary>Helper <c>[Differentiable]</c> methods generated with a program (<c>P0007H0</c>), called from it and from later helpers.</summary>
    public bool IncludeDifferentiableCalls { get; init; } = true;
    /// <summary>Recursive and mutually recursive helpers (<c>P0007R0</c>, <c>P0007S0</c>) with a decreasing int argument.</summary>
    public bool IncludeRecursion { get; init; } = true;
    /// <summary><c>AdMath.Sigmoid</c>, <c>Softplus</c>, <c>LogSigmoid</c>.</summary>
    public bool IncludeAdMath { get; init; } = true;
    /// <summary>Calls to opaque methods that have <c>[DerivativeOf]</c> rules (<c>Opaque.Wave</c>, <c>Opaque.Bump</c>).</summary>
    public bool IncludeCustomDerivatives { get; init; } = true;
    /// <summary>
    /// Calls to <c>Plain.Next(k)</c>, a helper that is neither <c>[Differentiable]</c> nor <c>[Pure]</c>: each call advances a
    /// pseudo-random sequence, with an inactive (int) argument, in expressions, conditions, loops and branches. In one
    /// program in three (by index, so the others are unchanged) and its non-recursive helpers.
    /// </summary>
    public bool IncludePlainCalls { get; init; } = true;
    /// <summary>
    /// Guard clauses that never fire at the test points (issue 15: <c>if (double.IsNaN(x)) throw …</c>,
    /// <c>ArgumentOutOfRangeException.ThrowIfLessThan(n, …)</c>) at the top of one program in four (by index), and in those
    /// that also call <c>Plain</c>, <c>Plain.Note(k);</c> statements: a void helper with effects whose result is discarded.
    /// </summary>
    public bool IncludeGuards { get; init; } = true;

    // The array family (ArrayProgramGenerator) only.

    /// <summary>
    /// Compound assignments (<c>h[i] += …</c>, <c>*=</c>, <c>-=</c>) to elements of a
    /// <c>Span&lt;double&gt; h = stackalloc …</c> buffer; when off they are written <c>h[i] = h[i] + …</c>.
    /// (Arrays from <c>new double[…]</c> always get compound assignments.)
    /// </summary>
    public bool IncludeSpanBufferCompoundAssignment { get; init; } = true;

    /// <summary>Buffers made inside loops and branches (<c>var t = new double[3];</c>, <c>stackalloc</c>), filled, updated and read there.</summary>
    public bool IncludeBuffersInLoops { get; init; } = true;

    /// <summary>Loop conditions that assign: <c>while (w++ &lt; n)</c>, <c>while (++w &lt;= n &amp;&amp; (d = …) &lt; 1.5)</c>.</summary>
    public bool IncludeConditionsWithEffects { get; init; } = true;
    /// <summary>Switches on a <c>char</c> or a <c>string</c> made from an int.</summary>
    public bool IncludeStringAndCharSwitch { get; init; } = true;

    /// <summary>Everything the grammar knows.</summary>
    public static FuzzGrammar Full { get; } = new();
}

/// <summary>One random <c>[Differentiable]</c> method.</summary>
public sealed class FuzzProgram
{
    public FuzzProgram(int index, string name, IReadOnlyList<FuzzParameter> parameters, string source)
    {
        Index = index;
        Name = name;
        Parameters = parameters;
        Source = source;
    }

    /// <summary>The index of the program in its run; with the seed it regenerates the program.</summary>
    public int Index { get; }

    public string Name { get; }

    /// <summary>Parameters in declaration order: doubles (active) and the one <c>int n</c>.</summary>
    public IReadOnlyList<FuzzParameter> Parameters { get; }

    /// <summary>The method's text, attribute included, indented for a class body (8 spaces).</summary>
    public string Source { get; }

    public int ActiveCount => Parameters.Count(p => !p.IsInt);

    /// <summary>For a program of <see cref="ArrayProgramGenerator"/>: its parameter order and kinds; null for scalar programs.</summary>
    public ArrayShape? Array { get; init; }

    /// <summary>Code compiled with the program but not part of it (the array programs' adapters), in the same class.</summary>
    public string Harness { get; init; } = "";

    /// <summary>Types the program declares (the struct family's structs), compiled in the namespace beside the class.</summary>
    public string Types { get; init; } = "";

    /// <summary>
    /// The method family the scalar checks of <see cref="FuzzRunner"/> call (<c>X</c>, <c>XGradient</c>, <c>XVjp</c>, <c>XJvp</c>,
    /// <c>XHvp</c>, doubles and <c>n</c> in, doubles out): the program itself, or the struct family's adapters around it.
    /// </summary>
    public string Checked => CheckedName ?? Name;

    public string? CheckedName { get; init; }

    /// <summary>A complete compilable file holding just this program, in class <c>Fuzz.Single</c>.</summary>
    public string AsFile(string className = "Single") => ProgramGenerator.File(className, new[] { Source + Harness }, new[] { Types });

    public override string ToString() => Source;
}

public sealed record FuzzParameter(string Name, bool IsInt);

/// <summary>
/// Generates random, well-typed, terminating C# <c>[Differentiable]</c> methods that stay smooth and
/// finite at test points with doubles in [-1.5, 1.5] and <c>n</c> in 0..6.
/// <para>
/// Boundedness: every double variable is nominally bounded by 2. Expressions track a bound on their
/// magnitude and are squashed through <c>Math.Tanh</c> or <c>Math.Atan</c> when it exceeds 8; a plain
/// assignment squashes above 2, so it cannot grow a variable. Compound assignments are contracting (<c>*=</c> by at most 1,
/// <c>/=</c> by at least 1) or add a small bounded increment. Every loop is counter based with at
/// most 6 trips (nested: 36); loop counters, <c>n</c> and while counters are never assigned in
/// bodies, so every program terminates. Divisions are only by <c>(1 + e*e)</c>, <c>(2 + cos e)</c>
/// and the like, logarithms and square roots only of <c>1 + e*e</c>, <c>Pow</c> only of a base of
/// at least 1, and <c>Exp</c> only of bounded arguments. Comparisons, <c>Abs</c>/<c>Max</c>/<c>Min</c>
/// and patterns over doubles make kinks; the checker skips a point where one lies within the
/// finite-difference step.
/// </para>
/// <para>
/// Names: locals are <c>d0</c>, <c>k0</c>, <c>b0</c>, counters <c>i0</c>, <c>w0</c>; now and then a
/// name the generator uses itself (<c>tmp</c>, <c>seed</c>, <c>x0Adj</c>, …) or a verbatim keyword,
/// and names reused by later sibling blocks, following C#'s rules for local scopes.
/// </para>
/// </summary>
public sealed class ProgramGenerator
{
    private const double VariableBound = 2;
    private const double SquashAbove = 8;
    /// <summary>
    /// A value assigned to a variable is squashed above the variables' own bound, so that
    /// <c>v = 1.5 * v</c> cannot grow geometrically in a loop (1.5^24 at n = 6 made the central
    /// difference itself inaccurate).
    /// </summary>
    private const double AssignSquashAbove = VariableBound;

    private enum Kind { Double, Int, Bool }

    private sealed class Var
    {
        public Var(string name, Kind kind, bool readOnly, bool isCounter = false) { Name = name; Kind = kind; ReadOnly = readOnly; IsCounter = isCounter; }
        public string Name { get; }
        public Kind Kind { get; }
        /// <summary><c>n</c>, constants, loop counters and while counters: read, never written.</summary>
        public bool ReadOnly { get; }
        /// <summary>A loop counter, at most 7: it may bound a nested loop.</summary>
        public bool IsCounter { get; }
    }

    /// <summary>Names the generator itself uses in companions, and verbatim keywords.</summary>
    private static readonly string[] CollidingNames =
    {
        "tmp", "tmp2", "tmp3", "result", "result2", "returned", "iterations", "seed", "tangent", "x0Adj", "x1Dot",
        "dX0", "dX1", "dx", "boolTape", "doubleTape", "intTape", "switchBroken", "resultAdj", "resultDot", "xAdj",
        "xDot", "global", "value", "i", "j", "broken", "cond", "t", "@double", "@if", "@return", "@in", "nAdj", "d0Adj",
    };

    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);

    /// <summary>A fresh name: <paramref name="prefix"/> and a number, or now and then one that collides with the generator's.</summary>
    private string NewName(string prefix, ref int counter)
    {
        if (_grammar.IncludeNameReuseInSiblingScopes && _rng.Next(4) == 0)
        {
            // A name a finished sibling block used, maybe for another type.
            var reusable = _usedNames.Where(Declarable).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            if (reusable.Length > 0) return Reserve(Pick(reusable));
        }
        if (_grammar.IncludeCollidingNames && _rng.Next(12) == 0)
        {
            var free = CollidingNames.Where(n => !_usedNames.Contains(n) && Declarable(n)).ToArray();
            if (free.Length > 0)
            {
                string name = Pick(free);
                _usedNames.Add(name);
                return Reserve(name);
            }
        }
        while (true)
        {
            string name = prefix + (counter++).ToString(CultureInfo.InvariantCulture);
            if (_usedNames.Add(name)) return Reserve(name);
        }
    }

    private readonly struct Expr
    {
        public Expr(string text, double bound) { Text = text; Bound = bound; }
        public string Text { get; }
        public double Bound { get; }
    }

    private sealed class LoopContext
    {
        /// <summary>A <c>continue</c> would skip the counter increment of a while loop.</summary>
        public bool ContinueAllowed { get; init; }
    }

    private readonly Random _rng;
    private readonly FuzzGrammar _grammar;
    private readonly StringBuilder _out = new();
    /// <summary>A block's variables, for what is in scope, and every name declared in it or in a block inside it, for what may be declared.</summary>
    private sealed class Frame
    {
        public Frame(bool declarationSpace) { DeclarationSpace = declarationSpace; }
        public List<Var> Vars { get; } = new();
        public HashSet<string> UsedWithin { get; } = new(StringComparer.Ordinal);
        /// <summary>Names declared (or reserved for a declaration) in this very block.</summary>
        public HashSet<string> DeclaredHere { get; } = new(StringComparer.Ordinal);
        /// <summary>False for an unbraced switch section: its locals belong to the switch block.</summary>
        public bool DeclarationSpace { get; }
    }

    private readonly List<Frame> _scopes = new();
    private readonly Stack<LoopContext> _loops = new();
    private int _indent;
    private int _budget;
    private int _doubles, _ints, _bools, _counters;
    /// <summary>Inside a switch section and not inside a loop nested in it: <c>break</c> leaves the switch.</summary>
    private bool _directlyInSwitch;
    private int _nesting;

    private ProgramGenerator(Random rng, FuzzGrammar grammar)
    {
        _rng = rng;
        _grammar = grammar;
    }

    /// <summary>Program <paramref name="index"/> of the run with <paramref name="seed"/>; the same inputs always give the same text.</summary>
    public static FuzzProgram Generate(int seed, int index, FuzzGrammar grammar)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + 17));
        return new ProgramGenerator(rng, grammar).Program(index);
    }

    /// <summary>A file with the given methods in <c>public static partial class Fuzz.{className}</c>.</summary>
    public static string File(string className, IEnumerable<string> methods, IEnumerable<string>? types = null)
    {
        var text = new StringBuilder();
        text.Append("using System;\nusing AutoDiff;\n\nnamespace Fuzz\n{\n    public static partial class ").Append(className).Append("\n    {\n");
        bool first = true;
        foreach (string method in methods)
        {
            if (!first) text.Append('\n');
            first = false;
            text.Append(method);
        }
        text.Append("    }\n").Append(Prelude);
        foreach (string declarations in types ?? Array.Empty<string>()) text.Append(declarations);
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// Opaque functions (the generator does not look into them) with hand-written derivative rules, and <c>Plain</c>, a
    /// helper with effects: every call advances a sequence, so a call merged, dropped, repeated or moved changes the values,
    /// and <c>Plain.Log</c> (the number of calls and a hash of their arguments in order) changes with it. Its state is
    /// static, reset before every call of a method or companion: each batch is its own assembly, and checks its programs
    /// one at a time.
    /// </summary>
    private const string Prelude = @"
    public static class Plain
    {
        private static ulong s_state;
        private static ulong s_trace;
        private static int s_calls;

        public static void Reset()
        {
            s_state = 0x9E3779B97F4A7C15UL;
            s_trace = 17;
            s_calls = 0;
        }

        public static string Log() => s_calls.ToString(System.Globalization.CultureInfo.InvariantCulture) + "" calls, trace "" + s_trace.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static void Note(int k)
        {
            s_calls++;
            s_trace = unchecked(s_trace * 37 + (ulong)(k + 2000));
        }

        public static double Next(int k)
        {
            s_calls++;
            s_trace = unchecked(s_trace * 31 + (ulong)(k + 1000));
            s_state = unchecked(s_state * 6364136223846793005UL + 1442695040888963407UL + (ulong)(k + 1000));
            return (s_state >> 11) * (2.0 / 9007199254740992.0) - 1;
        }
    }

    public static class Opaque
    {
        public static double Wave(double x) => x + 0.5 * Math.Sin(2 * x);

        public static double Bump(double x, double y)
        {
            double r = x * x + y * y;
            return Math.Exp(-r);
        }
    }

    public static class OpaqueRules
    {
        [DerivativeOf(typeof(Opaque), nameof(Opaque.Wave))]
        public static double WaveDerivative(double x) => 1 + Math.Cos(2 * x);

        [DerivativeOf(typeof(Opaque), nameof(Opaque.Bump))]
        public static (double, double) BumpDerivative(double x, double y)
        {
            double e = Math.Exp(-(x * x + y * y));
            return (-2 * x * e, -2 * y * e);
        }
    }
";

    /// <summary>A helper method a program can call: its name and parameters.</summary>
    private sealed record Helper(string Name, IReadOnlyList<FuzzParameter> Parameters, bool Plain = false);

    /// <summary>This method may call <c>Plain.Next</c> (<see cref="FuzzGrammar.IncludePlainCalls"/>).</summary>
    private bool _plain;

    /// <summary>This method starts with guard clauses (<see cref="FuzzGrammar.IncludeGuards"/>).</summary>
    private bool _guards;

    /// <summary>Helpers the method being generated may call.</summary>
    private readonly List<Helper> _callable = new();

    /// <summary>The name of the method's int parameter (<c>n</c>, or <c>m</c> in helpers), null when it has none.</summary>
    private string? _n = "n";

    /// <summary>The int parameter, or a constant when there is none.</summary>
    private string N => _n ?? "3";

    private FuzzProgram Program(int index)
    {
        string name = "P" + index.ToString("D4", CultureInfo.InvariantCulture);

        // Helpers first (each with its own generator state), so the main method can call them.
        var helperTexts = new List<string>();
        _plain = _grammar.IncludePlainCalls && index % 3 == 1;
        _guards = _grammar.IncludeGuards && index % 4 == 2;
        if (_grammar.IncludeDifferentiableCalls && _rng.Next(4) == 0)
        {
            int count = _rng.Next(1, 3);
            for (int h = 0; h < count; h++)
            {
                var sub = new ProgramGenerator(new Random(_rng.Next()), _grammar);
                if (_grammar.IncludeRecursion && _rng.Next(3) == 0)
                {
                    // (A recursive method that makes calls with effects cannot be differentiated in place of its calls.)
                    sub._callable.AddRange(_callable.Where(c => !c.Plain));
                    helperTexts.AddRange(sub.RecursiveHelpers(name, h, out var recursive));
                    _callable.Add(recursive);
                }
                else
                {
                    sub._callable.AddRange(_callable);
                    sub._plain = _plain;
                    var parameters0 = new List<FuzzParameter>();
                    int doubles0 = _rng.Next(1, 3);
                    for (int i = 0; i < doubles0; i++) parameters0.Add(new FuzzParameter("a" + i.ToString(CultureInfo.InvariantCulture), false));
                    if (_rng.Next(2) == 0) parameters0.Insert(_rng.Next(parameters0.Count + 1), new FuzzParameter("m", true));
                    string helperName = name + "H" + h.ToString(CultureInfo.InvariantCulture);
                    helperTexts.Add(sub.Method(helperName, parameters0, 3, 9));
                    _callable.Add(new Helper(helperName, parameters0, _plain));
                }
            }
        }

        int doubles = _rng.Next(1, 4);
        int nPosition = _rng.Next(doubles + 1);
        var parameters = new List<FuzzParameter>();
        _usedNames.Add("n");
        PushScope();
        Reserve("n");
        int parameterCounter = 0;
        for (int i = 0; i < doubles; i++)
        {
            if (i == nPosition) parameters.Add(new FuzzParameter("n", true));
            parameters.Add(new FuzzParameter(NewName("x", ref parameterCounter), false));
        }
        if (nPosition == doubles) parameters.Add(new FuzzParameter("n", true));
        PopScope();
        string main = Method(name, parameters, 4, 17);
        return new FuzzProgram(index, name, parameters, string.Join("\n", new[] { main }.Concat(helperTexts)));
    }

    /// <summary>
    /// A recursive helper <c>{name}R{h}(double a, int m)</c>, sometimes mutually recursive with
    /// <c>{name}S{h}</c>; the recursion stops at <c>m &lt;= 0</c>.
    /// </summary>
    private IEnumerable<string> RecursiveHelpers(string name, int h, out Helper entry)
    {
        string r = name + "R" + h.ToString(CultureInfo.InvariantCulture);
        string other = name + "S" + h.ToString(CultureInfo.InvariantCulture);
        var parameters = new List<FuzzParameter> { new("a", false), new("m", true) };
        entry = new Helper(r, parameters);
        _n = "m";
        PushScope();
        Declare(new Var("a", Kind.Double, readOnly: true));
        Declare(new Var("m", Kind.Int, readOnly: true));
        string E() => Squash(DoubleExpr(_rng.Next(0, 3)), AssignSquashAbove).Text;
        string S() => Small(DoubleExpr(_rng.Next(0, 2))).Text;
        var texts = new List<string>();
        bool mutual = _rng.Next(2) == 0;
        string callee = mutual ? other : r;
        texts.Add(
            "        [Differentiable]\n" +
            "        public static double " + r + "(double a, int m)\n" +
            "        {\n" +
            "            if (m <= 0) return " + E() + ";\n" +
            "            return " + Pick("0.5", "0.75", "(-0.5)") + " * " + callee + "(" + S() + ", m - 1) + " + E() + ";\n" +
            "        }\n");
        if (mutual)
        {
            texts.Add(
                "        [Differentiable]\n" +
                "        public static double " + other + "(double a, int m) =>\n" +
                "            m <= 0 ? " + E() + " : Math.Tanh(" + r + "(" + S() + ", m - 1)) * " + Bounded(1) + ";\n");
        }
        PopScope();
        return texts;
    }

    /// <summary>One method with a random body of between <paramref name="minBudget"/> and <paramref name="maxBudget"/> statements.</summary>
    private string Method(string name, IReadOnlyList<FuzzParameter> parameters, int minBudget, int maxBudget)
    {
        _n = parameters.FirstOrDefault(p => p.IsInt)?.Name;
        foreach (var p in parameters) _usedNames.Add(p.Name);
        PushScope();
        foreach (var p in parameters) Reserve(p.Name);

        if (_grammar.IncludeExpressionBodies && _rng.Next(25) == 0)
        {
            _indent = 2;
            foreach (var p in parameters) Declare(new Var(p.Name, p.IsInt ? Kind.Int : Kind.Double, readOnly: true));
            Line("[Differentiable]");
            Line("public static double " + name + "(" + string.Join(", ", parameters.Select(p => (p.IsInt ? "int " : "double ") + p.Name)) + ") =>");
            _indent++;
            Line(DoubleExpr(3).Text + ";");
            PopScope();
            return _out.ToString();
        }

        _indent = 2;
        Line("[Differentiable]");
        Line("public static double " + name + "(" + string.Join(", ", parameters.Select(p => (p.IsInt ? "int " : "double ") + p.Name)) + ")");
        Line("{");
        _indent++;
        foreach (var p in parameters) Declare(new Var(p.Name, p.IsInt ? Kind.Int : Kind.Double, readOnly: p.IsInt || !_grammar.IncludeParameterAssignment));
        if (_guards)
        {
            // No draw from the generator: the other programs stay as they were.
            var first = parameters.FirstOrDefault(p => !p.IsInt);
            if (first != null) Line("if (double.IsNaN(" + first.Name + ")) throw new System.ArgumentException(\"" + first.Name + " is NaN\", nameof(" + first.Name + "));");
            if (_n != null) Line("System.ArgumentOutOfRangeException.ThrowIfLessThan(" + _n + ", -1000000);");
        }
        _budget = _rng.Next(minBudget, maxBudget);
        int top = Math.Max(2, _budget / 2);
        for (int i = 0; i < top && _budget > 0; i++) Statement();
        Line("return " + FinalExpression() + ";");
        PopScope();
        _indent--;
        Line("}");
        return _out.ToString();
    }

    // ---------------------------------------------------------------- statements

    private void Statement()
    {
        _budget--;
        bool inLoop = _loops.Count > 0;
        var choices = new List<(double Weight, Action Emit)>
        {
            (3, DeclareDouble),
            (4, AssignDouble),
        };
        if (_grammar.IncludeIntLocals) choices.Add((1, DeclareInt));
        if (_grammar.IncludeSwap) choices.Add((0.3, Swap));
        if (_grammar.IncludeSingularValuesOnUntakenPaths && _nesting < 3) choices.Add((0.3, GuardedSingularValue));
        if (_grammar.IncludeIntLocals && Vars(Kind.Int, writable: true).Any()) choices.Add((1.2, AssignInt));
        if (_grammar.IncludeBoolLocals) choices.Add((0.8, DeclareBool));
        if (_grammar.IncludeBoolLocals && Vars(Kind.Bool, writable: true).Any()) choices.Add((0.6, AssignBool));
        if (_nesting < 3 && _budget > 0)
        {
            if (_grammar.IncludeIf) choices.Add((2.5, If));
            int loopLimit = _grammar.IncludeNestedLoops ? 2 : 1;
            if (_loops.Count < loopLimit)
            {
                if (_grammar.IncludeForLoops) choices.Add((2, For));
                if (_grammar.IncludeWhileLoops) choices.Add((1.2, While));
                if (_grammar.IncludeDoWhileLoops) choices.Add((0.6, DoWhile));
            }
            if (_grammar.IncludeSwitch) choices.Add((1, Switch));
        }
        if (inLoop && !_directlyInSwitch && _grammar.IncludeBreak) choices.Add((0.8, () => GuardedJump("break")));
        if (inLoop && _loops.Peek().ContinueAllowed && _grammar.IncludeContinue) choices.Add((0.8, () => GuardedJump("continue")));
        if (_directlyInSwitch && _grammar.IncludeBreakInsideSwitchSection) choices.Add((0.3, () => GuardedJump("break")));
        if (ReturnAllowed()) choices.Add((0.4, GuardedReturn));
        if (_plain && _guards) choices.Add((0.5, () => Line("Plain.Note(" + IntLeaf() + ");")));

        double total = choices.Sum(c => c.Weight);
        double pick = _rng.NextDouble() * total;
        foreach (var (weight, emit) in choices)
        {
            pick -= weight;
            if (pick <= 0) { emit(); return; }
        }
        choices[^1].Emit();
    }

    private bool ReturnAllowed() =>
        _loops.Count > 0 ? _grammar.IncludeEarlyReturnInLoops : _grammar.IncludeEarlyReturnInBranches;

    private void DeclareDouble()
    {
        int form = _grammar.IncludeDeclarationVariants ? _rng.Next(8) : 0;
        if (form == 1 && _grammar.IncludeDeclarationWithoutInitializer && _nesting < 3 && _budget > 0)
        {
            DeclareInBranches();
            return;
        }
        string name = NewName("d", ref _doubles);
        string init = Squash(DoubleExpr(_rng.Next(0, 3)), AssignSquashAbove).Text;
        switch (form)
        {
            case 2:
                Line("var " + name + " = " + init + ";");
                Declare(new Var(name, Kind.Double, readOnly: false));
                break;
            case 3:
            {
                string second = NewName("d", ref _doubles);
                Line("double " + name + " = " + init + ", " + second + " = " + Squash(DoubleExpr(_rng.Next(0, 2)), AssignSquashAbove).Text + ";");
                Declare(new Var(name, Kind.Double, readOnly: false));
                Declare(new Var(second, Kind.Double, readOnly: false));
                break;
            }
            case 4:
                Line("const double " + name + " = " + Constant(2).Text + ";");
                Declare(new Var(name, Kind.Double, readOnly: true));
                break;
            default:
                Line("double " + name + " = " + init + ";");
                Declare(new Var(name, Kind.Double, readOnly: false));
                break;
        }
    }

    /// <summary><c>double d; if (c) { d = …; … } else { d = …; … }</c>: definitely assigned through both branches.</summary>
    private void DeclareInBranches()
    {
        string name = NewName("d", ref _doubles);
        Line("double " + name + ";");
        _nesting++;
        Line("if (" + Condition(_rng.Next(0, 2)) + ")");
        BlockStartingWith(name + " = " + Squash(DoubleExpr(_rng.Next(0, 3)), AssignSquashAbove).Text + ";", _rng.Next(0, 3));
        Line("else");
        BlockStartingWith(name + " = " + Squash(DoubleExpr(_rng.Next(0, 3)), AssignSquashAbove).Text + ";", _rng.Next(0, 3));
        _nesting--;
        Declare(new Var(name, Kind.Double, readOnly: false));
    }

    private void BlockStartingWith(string first, int more)
    {
        Line("{");
        _indent++;
        PushScope();
        Line(first);
        for (int i = 0; i < more && _budget > 0; i++) Statement();
        PopScope();
        _indent--;
        Line("}");
    }

    private void DeclareInt()
    {
        string name = NewName("k", ref _ints);
        var writable = Vars(Kind.Int, writable: true).ToList();
        if (_grammar.IncludeIncrementExpressions && writable.Count > 0 && _rng.Next(4) == 0)
        {
            string k = Pick(writable).Name;
            Line("int " + name + " = " + Pick(k + "++", k + "--", "++" + k, "--" + k, k + "++ + 1", "2 * " + k + "--") + ";");
        }
        else Line("int " + name + " = " + IntExpr(_rng.Next(0, 2)) + ";");
        Declare(new Var(name, Kind.Int, readOnly: false));
    }

    private void DeclareBool()
    {
        string name = NewName("b", ref _bools);
        Line("bool " + name + " = " + Condition(_rng.Next(0, 2)) + ";");
        Declare(new Var(name, Kind.Bool, readOnly: false));
    }

    /// <summary>A value that is NaN or infinite outside a guard, and is used only inside it.</summary>
    private void GuardedSingularValue()
    {
        string s = NewName("s", ref _doubles);
        string r = NewName("r", ref _doubles);
        var argument = DoubleExpr(_rng.Next(0, 2));
        Line("double " + s + " = " + (argument.Bound <= 2 ? argument.Text : "Math.Atan(" + argument.Text + ")") + ";");
        Declare(new Var(s, Kind.Double, readOnly: false));
        Line("double " + r + " = " + Pick("Math.Sqrt(", "Math.Log(") + s + ");");
        string threshold = Pick("0.25", "0.5", "0.1");
        if (ReturnAllowed() && _rng.Next(2) == 0)
        {
            // Guarded by an early return; afterwards r is finite and may be used anywhere.
            Line("if (" + s + " <= " + threshold + ") return " + Squash(DoubleExpr(_rng.Next(0, 2)), SquashAbove).Text + ";");
            Declare(new Var(r, Kind.Double, readOnly: true));
            return;
        }
        var targets = Vars(Kind.Double, writable: true).ToList();
        if (targets.Count == 0) return;
        string v = Pick(targets).Name;
        Line("if (" + s + " > " + threshold + ") " + v + " = 0.5 * " + v + " + 0.25 * Math.Tanh(" + r + ");");
    }

    private void Swap()
    {
        var targets = Vars(Kind.Double, writable: true).ToList();
        if (targets.Count < 2) { AssignDouble(); return; }
        var a = Pick(targets);
        var b = Pick(targets.Where(v => v != a).ToList());
        string t = NewName("t", ref _doubles);
        Line("double " + t + " = " + a.Name + ";");
        Line(a.Name + " = " + b.Name + ";");
        Line(b.Name + " = " + Pick(t, "0.5 * " + t + " + 0.5 * " + b.Name, t + " * " + Pick("0.9", "(-0.5)", "Math.Cos(" + b.Name + ")")) + ";");
        Declare(new Var(t, Kind.Double, readOnly: false));
    }

    private void AssignDouble() => Line(DoubleAssignment());

    /// <summary>An assignment to a writable double variable, as a statement with its semicolon.</summary>
    private string DoubleAssignment()
    {
        var targets = Vars(Kind.Double, writable: true).ToList();
        if (targets.Count == 0)
        {
            // Only read-only parameters and no locals yet: declare instead.
            string name = NewName("d", ref _doubles);
            string text = "double " + name + " = " + Squash(DoubleExpr(1), AssignSquashAbove).Text + ";";
            Declare(new Var(name, Kind.Double, readOnly: false));
            return text;
        }
        string v = Pick(targets).Name;
        bool inLoop = _loops.Count > 0;
        int form = _grammar.IncludeCompoundAssignment ? _rng.Next(inLoop ? 1 : 0, 8) : _rng.Next(0, 2);
        if (form == 7 && (inLoop || !_grammar.IncludeDoubleIncrement)) form = 6;
        switch (form)
        {
            case 7:
                return Pick(v + "++;", v + "--;", "++" + v + ";", "--" + v + ";");
            case 0:
                return v + " = " + Squash(DoubleExpr(_rng.Next(1, 4)), AssignSquashAbove).Text + ";";
            case 1:
                // Contracting: |0.5 v + 0.5 s| ≤ max(|v|, |s|).
                return v + " = 0.5 * " + v + " + " + Pick("0.5", "0.25", "0.4") + " * " + Bounded(1.5) + ";";
            case 2:
            case 3:
            {
                string op = form == 2 ? " += " : " -= ";
                string c = inLoop ? Pick("0.1", "0.2", "0.25") : Pick("0.5", "0.3", "1.0");
                return v + op + c + " * " + Bounded(1) + ";";
            }
            case 4:
                return v + " *= " + MultiplierAtMostOne() + ";";
            case 5:
                return v + " /= " + DivisorAtLeastOne() + ";";
            default:
                return v + " = " + Squash(DoubleExpr(_rng.Next(1, 3)), AssignSquashAbove).Text + ";";
        }
    }

    private void AssignInt()
    {
        string k = Pick(Vars(Kind.Int, writable: true).ToList()).Name;
        switch (_rng.Next(8))
        {
            case 0: Line(k + "++;"); break;
            case 1: Line(k + "--;"); break;
            case 2: Line("++" + k + ";"); break;
            case 3: Line(k + " += " + _rng.Next(1, 4).ToString(CultureInfo.InvariantCulture) + ";"); break;
            case 4: Line(k + " -= " + _rng.Next(1, 3).ToString(CultureInfo.InvariantCulture) + ";"); break;
            case 5: Line(k + " %= " + _rng.Next(2, 5).ToString(CultureInfo.InvariantCulture) + ";"); break;
            case 6: Line(k + " /= " + _rng.Next(2, 4).ToString(CultureInfo.InvariantCulture) + ";"); break;
            default: Line(k + " = " + IntExpr(_rng.Next(0, 3)) + ";"); break;
        }
    }

    private void AssignBool()
    {
        string b = Pick(Vars(Kind.Bool, writable: true).ToList()).Name;
        switch (_rng.Next(4))
        {
            case 0: Line(b + " = !" + b + ";"); break;
            case 1 when _grammar.IncludeLogicalOperators: Line(b + " = " + b + (_rng.Next(2) == 0 ? " && " : " || ") + Condition(0) + ";"); break;
            default: Line(b + " = " + Condition(_rng.Next(0, 2)) + ";"); break;
        }
    }

    private void If()
    {
        _nesting++;
        if (_grammar.IncludeUnbracedBodies && _rng.Next(5) == 0 && Vars(Kind.Double, writable: true).Any())
        {
            Line("if (" + Condition(_rng.Next(0, 3)) + ")");
            _indent++;
            PushScope();
            Line(DoubleAssignment());
            PopScope();
            _indent--;
            if (_rng.Next(2) == 0)
            {
                Line("else");
                _indent++;
                PushScope();
                Line(DoubleAssignment());
                PopScope();
                _indent--;
            }
            _nesting--;
            return;
        }
        Line("if (" + Condition(_rng.Next(0, 3)) + ")");
        Block(BranchLength(), mayEndWithJump: true);
        if (_grammar.IncludeElseIf && _rng.Next(3) == 0)
        {
            Line("else if (" + Condition(_rng.Next(0, 2)) + ")");
            Block(BranchLength(), mayEndWithJump: true);
        }
        if (_rng.Next(2) == 0)
        {
            Line("else");
            Block(BranchLength(), mayEndWithJump: true);
        }
        _nesting--;
    }

    private int BranchLength() => _rng.Next(1, 4);

    /// <summary><c>if (c) break;</c>, <c>if (c) continue;</c>, or the same with a braced body that does something first.</summary>
    private void GuardedJump(string jump)
    {
        string condition = Condition(_rng.Next(0, 2));
        if (_rng.Next(2) == 0)
        {
            Line("if (" + condition + ") " + jump + ";");
            return;
        }
        Line("if (" + condition + ")");
        Line("{");
        _indent++;
        PushScope();
        Line(DoubleAssignment());
        Line(jump + ";");
        PopScope();
        _indent--;
        Line("}");
    }

    private void GuardedReturn()
    {
        string condition = Condition(_rng.Next(0, 2));
        Line("if (" + condition + ") return " + Squash(DoubleExpr(_rng.Next(0, 3)), SquashAbove).Text + ";");
    }

    /// <summary>
    /// A braced block of <paramref name="length"/> statements in a new scope. A branch body may end
    /// with <c>return</c>, <c>break</c> or <c>continue</c> where those are allowed.
    /// </summary>
    private void Block(int length, bool mayEndWithJump)
    {
        Line("{");
        _indent++;
        PushScope();
        for (int i = 0; i < length && (i == 0 || _budget > 0); i++) Statement();
        if (mayEndWithJump && _rng.Next(5) == 0)
        {
            var jumps = new List<string>();
            if (ReturnAllowed()) jumps.Add("return " + Squash(DoubleExpr(_rng.Next(0, 3)), SquashAbove).Text + ";");
            if (_loops.Count > 0 && !_directlyInSwitch && _grammar.IncludeBreak) jumps.Add("break;");
            if (_loops.Count > 0 && _loops.Peek().ContinueAllowed && _grammar.IncludeContinue) jumps.Add("continue;");
            if (_directlyInSwitch && _grammar.IncludeBreakInsideSwitchSection) jumps.Add("break;");
            if (jumps.Count > 0) Line(Pick(jumps.ToArray()));
        }
        PopScope();
        _indent--;
        Line("}");
    }

    private void LoopBody(LoopContext context, string? firstLine)
    {
        bool wasInSwitch = _directlyInSwitch;
        _directlyInSwitch = false;
        _loops.Push(context);
        Line("{");
        _indent++;
        PushScope();
        if (firstLine != null) Line(firstLine);
        int length = _rng.Next(1, 5);
        for (int i = 0; i < length && (i == 0 || _budget > 0); i++) Statement();
        PopScope();
        _indent--;
        Line("}");
        _loops.Pop();
        _directlyInSwitch = wasInSwitch;
    }

    private string TripBound()
    {
        var bounds = new List<string> { N, N, N, N + " / 2 + 1", N + " % 4", _rng.Next(1, 5).ToString(CultureInfo.InvariantCulture) };
        // An enclosing loop's counter (0..6) bounds a nested loop: a triangular nest.
        var counters = Vars(Kind.Int, writable: false).Where(v => v.IsCounter).ToList();
        if (counters.Count > 0) bounds.Add(Pick(counters).Name + " + 1");
        return Pick(bounds.ToArray());
    }

    private void For()
    {
        _nesting++;
        string i = NewName("i", ref _counters);
        string bound = TripBound();
        if (_grammar.IncludeLoopsExitedByBreakOnly && _rng.Next(8) == 0)
        {
            Line("for (int " + i + " = 0; ; " + i + "++)");
            PushScope();
            Declare(new Var(i, Kind.Int, readOnly: true, isCounter: true));
            LoopBody(new LoopContext { ContinueAllowed = true }, "if (" + i + " >= " + bound + ") break;");
            PopScope();
            _nesting--;
            return;
        }
        if (_grammar.IncludeCounterDeclaredOutsideFor && _rng.Next(8) == 0)
        {
            Line("int " + i + ";");
            Line("for (" + i + " = 0; " + i + " < " + bound + "; " + i + "++)");
            Declare(new Var(i, Kind.Int, readOnly: true, isCounter: true));
            LoopBody(new LoopContext { ContinueAllowed = true }, null);
            _nesting--;
            return;
        }
        if (_grammar.IncludeTwoVariableFor && _rng.Next(10) == 0)
        {
            string j = NewName("i", ref _counters);
            Line("for (int " + i + " = 0, " + j + " = " + bound + "; " + i + " < " + j + "; " + i + "++, " + j + "--)");
            PushScope();
            Declare(new Var(i, Kind.Int, readOnly: true, isCounter: true));
            Declare(new Var(j, Kind.Int, readOnly: true, isCounter: true));
            LoopBody(new LoopContext { ContinueAllowed = true }, null);
            PopScope();
            _nesting--;
            return;
        }
        string extra = _grammar.IncludeDoubleConditionInLoop && _rng.Next(8) == 0
            ? " && " + Bounded(1) + Pick(" < ", " > ") + Constant(1.5).Text
            : "";
        string header = _rng.Next(6) switch
        {
            0 => "for (int " + i + " = " + Paren(bound) + "; " + i + " > 0" + extra + "; " + i + "--)",
            1 => "for (int " + i + " = 1; " + i + " <= " + bound + extra + "; " + i + "++)",
            2 => "for (int " + i + " = 0; " + i + " < " + bound + extra + "; " + i + " += 2)",
            _ => "for (int " + i + " = 0; " + i + " < " + bound + extra + "; " + i + "++)",
        };
        Line(header);
        PushScope();
        Declare(new Var(i, Kind.Int, readOnly: true, isCounter: true));
        LoopBody(new LoopContext { ContinueAllowed = true }, null);
        PopScope();
        _nesting--;
    }

    private void While()
    {
        _nesting++;
        string w = NewName("w", ref _counters);
        string bound = TripBound();
        Line("int " + w + " = 0;");
        var counter = new Var(w, Kind.Int, readOnly: true, isCounter: true);
        if (_grammar.IncludeLoopsExitedByBreakOnly && _rng.Next(8) == 0)
        {
            Line("while (true)");
            Declare(counter);
            LoopBody(new LoopContext { ContinueAllowed = true }, "if (" + w + " >= " + bound + ") break; " + w + "++;");
            _nesting--;
            return;
        }
        if (_grammar.IncludeConditionsWithEffects && _rng.Next(5) == 0)
        {
            // The counter moves in the condition, so a continue is safe; the right operand of && may assign a double.
            string test = Pick(w + "++ < " + bound, "++" + w + " <= " + bound, "(" + w + " += 1) <= " + bound);
            var doubles = Vars(Kind.Double, writable: true).ToList();
            if (doubles.Count > 0 && _rng.Next(2) == 0)
            {
                test += " && (" + Pick(doubles).Name + " = " + Squash(DoubleExpr(_rng.Next(0, 2)), AssignSquashAbove).Text + ")" + Pick(" < ", " > ") + Constant(1.5).Text;
            }
            Line("while (" + test + ")");
            Declare(counter);
            LoopBody(new LoopContext { ContinueAllowed = true }, null);
            _nesting--;
            return;
        }
        string condition = w + " < " + bound;
        if (_grammar.IncludeDoubleConditionInLoop && _rng.Next(4) == 0)
        {
            string comparison = Bounded(1) + (_rng.Next(2) == 0 ? " < " : " > ") + Constant(1.5).Text;
            condition += _rng.Next(2) == 0 ? " && " + comparison : " && !(" + comparison + ")";
        }
        Line("while (" + condition + ")");
        bool incrementFirst = _rng.Next(2) == 0;
        Declare(counter);
        if (incrementFirst)
        {
            LoopBody(new LoopContext { ContinueAllowed = true }, Pick(w + "++;", w + " += 1;", "++" + w + ";"));
        }
        else
        {
            // The increment comes last, so a continue would loop forever: none in this body.
            _loops.Push(new LoopContext { ContinueAllowed = false });
            bool wasInSwitch = _directlyInSwitch;
            _directlyInSwitch = false;
            Line("{");
            _indent++;
            PushScope();
            int length = _rng.Next(1, 5);
            for (int k = 0; k < length && (k == 0 || _budget > 0); k++) Statement();
            Line(w + "++;");
            PopScope();
            _indent--;
            Line("}");
            _directlyInSwitch = wasInSwitch;
            _loops.Pop();
        }
        _nesting--;
    }

    private void DoWhile()
    {
        _nesting++;
        string w = NewName("w", ref _counters);
        string bound = TripBound();
        Line("int " + w + " = 0;");
        Declare(new Var(w, Kind.Int, readOnly: true, isCounter: true));
        Line("do");
        LoopBody(new LoopContext { ContinueAllowed = true }, w + "++;");
        Line("while (" + w + " < " + bound + ");");
        _nesting--;
    }

    private void Switch()
    {
        _nesting++;
        var governing = new List<string> { N, N + " % 3", N + " / 2" };
        governing.AddRange(Vars(Kind.Int, writable: null).Where(v => v.Name != _n).Select(v => v.Name));
        governing.AddRange(Vars(Kind.Int, writable: null).Where(v => v.Name != _n).Select(v => "(" + v.Name + " % 4)"));
        string governor = Pick(governing.ToArray());
        Func<int, string> label = l => l.ToString(CultureInfo.InvariantCulture);
        if (_grammar.IncludeStringAndCharSwitch && _rng.Next(4) == 0)
        {
            string[] words = { "zero", "one", "two", "three", "four", "five" };
            if (_rng.Next(2) == 0) (governor, label) = ("(char)('a' + " + governor + " % 6)", l => "'" + (char)('a' + l) + "'");
            else (governor, label) = ("(" + governor + " % 3 == 0 ? \"zero\" : " + governor + " % 3 == 1 ? \"one\" : \"two\")", l => "\"" + words[l] + "\"");
        }
        Line("switch (" + governor + ")");
        Line("{");
        PushScope();
        _indent++;
        int sections = _rng.Next(1, 4);
        var labels = Enumerable.Range(0, 6).OrderBy(_ => _rng.Next()).ToList();
        int used = 0;
        var patterns = _grammar.IncludePatterns && governor.IndexOf('\'') < 0 && governor.IndexOf('"') < 0 && _rng.Next(3) == 0 ? IntervalPatterns(overDouble: false) : null;
        if (patterns != null) sections = patterns.Count;
        bool wasInSwitch = _directlyInSwitch;
        for (int s = 0; s <= sections; s++)
        {
            bool isDefault = s == sections;
            if (isDefault && _rng.Next(3) == 0) break;
            if (isDefault) Line("default:");
            else if (patterns != null) Line("case " + patterns[s] + ":");
            else
            {
                int count = _rng.Next(4) == 0 ? 2 : 1;
                for (int c = 0; c < count && used < labels.Count; c++) Line("case " + label(labels[used++]) + ":");
            }
            _indent++;
            _directlyInSwitch = true;
            bool braced = _rng.Next(3) == 0;
            if (braced) { Line("{"); _indent++; }
            PushScope(declarationSpace: braced);
            int length = _rng.Next(1, 3);
            for (int i = 0; i < length && (i == 0 || _budget > 0); i++) Statement();
            PopScope();
            var ends = new List<string> { "break;", "break;", "break;" };
            if (ReturnAllowed()) ends.Add("return " + Squash(DoubleExpr(_rng.Next(0, 2)), SquashAbove).Text + ";");
            if (_loops.Count > 0 && _loops.Peek().ContinueAllowed && _grammar.IncludeContinue && _grammar.IncludeContinueAsSwitchSectionEnd) ends.Add("continue;");
            Line(Pick(ends.ToArray()));
            if (braced) { _indent--; Line("}"); }
            _directlyInSwitch = wasInSwitch;
            _indent--;
        }
        PopScope();
        _indent--;
        Line("}");
        _nesting--;
    }

    // ---------------------------------------------------------------- expressions

    /// <summary>A double expression of at most <paramref name="depth"/> operator levels, with a bound on its magnitude.</summary>
    private Expr DoubleExpr(int depth)
    {
        if (depth <= 0 || _rng.Next(5) == 0) return DoubleLeaf();
        Expr result;
        switch (_rng.Next(14))
        {
            case 0:
            case 1:
            {
                var a = DoubleExpr(depth - 1);
                var b = DoubleExpr(depth - 1);
                bool plus = _rng.Next(2) == 0;
                result = new Expr("(" + a.Text + (plus ? " + " : " - ") + b.Text + ")", a.Bound + b.Bound);
                break;
            }
            case 2:
            case 3:
            {
                var a = DoubleExpr(depth - 1);
                var b = DoubleExpr(depth - 1);
                result = new Expr("(" + a.Text + " * " + b.Text + ")", a.Bound * b.Bound);
                break;
            }
            case 4:
            {
                var a = DoubleExpr(depth - 1);
                var b = Small(DoubleExpr(depth - 1));
                result = _rng.Next(3) switch
                {
                    0 => new Expr("(" + a.Text + " / (2 + Math.Cos(" + b.Text + ")))", a.Bound),
                    1 => new Expr("(" + a.Text + " / Math.Sqrt(1 + " + b.Text + " * " + b.Text + "))", a.Bound),
                    _ => new Expr("(" + a.Text + " / (1 + " + b.Text + " * " + b.Text + "))", a.Bound),
                };
                break;
            }
            case 5:
            {
                var a = DoubleExpr(depth - 1);
                result = new Expr("(-" + a.Text + ")", a.Bound);
                break;
            }
            case 6:
            case 7:
            case 8:
                result = Call(depth);
                break;
            case 9 when _grammar.IncludeTernary:
            {
                var a = DoubleExpr(depth - 1);
                var b = DoubleExpr(depth - 1);
                result = new Expr("(" + Condition(Math.Min(1, depth - 1)) + " ? " + a.Text + " : " + b.Text + ")", Math.Max(a.Bound, b.Bound));
                break;
            }
            case 10 when _grammar.IncludeSwitchExpression && _grammar.IncludePatterns && _rng.Next(2) == 0:
            {
                // Relational, and/or/not patterns over an int or a double.
                bool overDouble = _rng.Next(2) == 0;
                string governing = overDouble ? Small(DoubleExpr(_rng.Next(0, 2))).Text : Pick(N, IntLeaf());
                var arms = new List<Expr>();
                var text = new StringBuilder("(" + governing + " switch { ");
                foreach (string pattern in IntervalPatterns(overDouble))
                {
                    var arm = DoubleExpr(depth - 1);
                    arms.Add(arm);
                    text.Append(pattern).Append(" => ").Append(arm.Text).Append(", ");
                }
                var last = DoubleExpr(depth - 1);
                arms.Add(last);
                text.Append("_ => ").Append(last.Text).Append(" })");
                result = new Expr(text.ToString(), arms.Max(a => a.Bound));
                break;
            }
            case 10 when _grammar.IncludeSwitchExpression:
            {
                var arms = new List<Expr>();
                var text = new StringBuilder("(" + Pick(N, "(" + N + " % 3)", IntLeaf()) + " switch { ");
                var labels = Enumerable.Range(0, 5).OrderBy(_ => _rng.Next()).Take(_rng.Next(1, 3)).ToList();
                foreach (int label in labels)
                {
                    var arm = DoubleExpr(depth - 1);
                    arms.Add(arm);
                    text.Append(label.ToString(CultureInfo.InvariantCulture)).Append(" => ").Append(arm.Text).Append(", ");
                }
                var last = DoubleExpr(depth - 1);
                arms.Add(last);
                text.Append("_ => ").Append(last.Text).Append(" })");
                result = new Expr(text.ToString(), arms.Max(a => a.Bound));
                break;
            }
            case 11:
            {
                // An integer in a double context: an implicit conversion.
                var a = DoubleExpr(depth - 1);
                result = _rng.Next(3) == 0 && _grammar.IncludeTernary
                    ? new Expr("(" + a.Text + " * (" + Condition(0) + " ? 1 : 2))", a.Bound * 2)
                    : new Expr("(" + a.Text + " * (" + IntLeaf() + " % 3))", a.Bound * 2);
                break;
            }
            default:
            {
                var a = DoubleExpr(depth - 1);
                var c = Constant(2);
                result = _rng.Next(2) == 0
                    ? new Expr("(" + c.Text + " * " + a.Text + ")", c.Bound * a.Bound)
                    : new Expr("(" + a.Text + " + " + c.Text + ")", c.Bound + a.Bound);
                break;
            }
        }
        return Squash(result, SquashAbove);
    }

    private Expr Call(int depth)
    {
        var a = DoubleExpr(depth - 1);
        var s = Small(a);
        if (_callable.Count > 0 && _rng.Next(4) == 0)
        {
            var helper = Pick(_callable);
            var args = helper.Parameters.Select(p => p.IsInt ? "(" + IntLeaf() + " % 4)" : Small(DoubleExpr(depth - 1)).Text);
            string call = helper.Name + "(" + string.Join(", ", args) + ")";
            return _rng.Next(2) == 0 ? new Expr("Math.Tanh(" + call + ")", 1) : new Expr(call, SquashAbove);
        }
        if (_plain && _rng.Next(8) == 0) return new Expr("Plain.Next(" + IntLeaf() + ")", 1);
        if (_grammar.IncludeAdMath && _rng.Next(12) == 0)
        {
            return _rng.Next(3) switch
            {
                0 => new Expr("AdMath.Sigmoid(" + a.Text + ")", 1),
                1 => new Expr("AdMath.Softplus(" + s.Text + ")", s.Bound + 0.7),
                _ => new Expr("AdMath.LogSigmoid(" + s.Text + ")", s.Bound + 0.7),
            };
        }
        if (_grammar.IncludeCustomDerivatives && _rng.Next(12) == 0)
        {
            return _rng.Next(2) == 0
                ? new Expr("Opaque.Wave(" + s.Text + ")", s.Bound + 0.5)
                : new Expr("Opaque.Bump(" + s.Text + ", " + Small(DoubleExpr(depth - 1)).Text + ")", 1);
        }
        if (_grammar.IncludeAbsMaxMin && _rng.Next(8) == 0)
        {
            var b = DoubleExpr(depth - 1);
            return _rng.Next(3) switch
            {
                0 => new Expr("Math.Abs(" + a.Text + ")", a.Bound),
                1 => new Expr("Math.Max(" + a.Text + ", " + b.Text + ")", Math.Max(a.Bound, b.Bound)),
                _ => new Expr("Math.Min(" + a.Text + ", " + b.Text + ")", Math.Max(a.Bound, b.Bound)),
            };
        }
        switch (_rng.Next(11))
        {
            case 0: return new Expr("Math.Sin(" + s.Text + ")", 1);
            case 1: return new Expr("Math.Cos(" + s.Text + ")", 1);
            case 2: return new Expr("Math.Tanh(" + a.Text + ")", 1);
            case 3: return new Expr("Math.Atan(" + a.Text + ")", 1.6);
            case 4: return new Expr("Math.Exp(-" + s.Text + " * " + s.Text + ")", 1);
            case 5: return new Expr("Math.Exp(Math.Sin(" + s.Text + "))", 2.72);
            case 6: return new Expr("Math.Sqrt(1 + " + s.Text + " * " + s.Text + ")", 1 + s.Bound);
            case 7: return new Expr("Math.Log(1 + " + s.Text + " * " + s.Text + ")", Math.Log(1 + s.Bound * s.Bound));
            case 8:
            {
                var b = s.Bound <= 1.5 ? s : new Expr("Math.Tanh(" + s.Text + ")", 1);
                string exponent = Pick("1.5", "0.5", "-0.5", "2.0", "3.0");
                return new Expr("Math.Pow(1 + " + b.Text + " * " + b.Text + ", " + exponent + ")", Math.Pow(1 + b.Bound * b.Bound, Math.Abs(double.Parse(exponent, CultureInfo.InvariantCulture))));
            }
            case 9:
            {
                // Both arguments active.
                var b = s.Bound <= 1.5 ? s : new Expr("Math.Tanh(" + s.Text + ")", 1);
                var e = DoubleExpr(depth - 1);
                return new Expr("Math.Pow(1 + " + b.Text + " * " + b.Text + ", 1 + Math.Tanh(" + e.Text + "))", Math.Pow(1 + b.Bound * b.Bound, 2));
            }
            default: return new Expr("Math.Tanh(" + s.Text + ")", 1);
        }
    }

    /// <summary>
    /// Patterns for disjoint intervals of the number line, in random order, never all of them, so a
    /// final <c>_</c> or <c>default</c> is reachable and no pattern is subsumed (both are compile errors).
    /// Sometimes a single <c>not (…)</c> pattern instead.
    /// </summary>
    private List<string> IntervalPatterns(bool overDouble)
    {
        string Number(double v) => overDouble ? v.ToString("0.0##", CultureInfo.InvariantCulture) : ((int)v).ToString(CultureInfo.InvariantCulture);
        var cuts = overDouble
            ? Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => Math.Round(-1.5 + 3 * _rng.NextDouble(), 1)).Distinct().OrderBy(c => c).ToList()
            : Enumerable.Range(0, 7).OrderBy(_ => _rng.Next()).Take(_rng.Next(1, 4)).OrderBy(c => c).Select(c => (double)c).ToList();
        var intervals = new List<string> { "< " + Number(cuts[0]) };
        for (int i = 0; i + 1 < cuts.Count; i++)
        {
            double a = cuts[i], b = cuts[i + 1];
            if (!overDouble && b - a == 1) intervals.Add(Number(a));
            else if (!overDouble && b - a == 2) intervals.Add(Number(a) + " or " + Number(a + 1));
            else intervals.Add(">= " + Number(a) + " and < " + Number(b));
        }
        intervals.Add(">= " + Number(cuts[^1]));
        if (_rng.Next(5) == 0) return new List<string> { "not (" + Pick(intervals.ToArray()) + ")" };
        return intervals.OrderBy(_ => _rng.Next()).Take(_rng.Next(1, intervals.Count)).ToList();
    }

    /// <summary>An argument small enough for Sin, Exp(-e*e) and squares: squashed above 3.</summary>
    private static Expr Small(Expr e) => e.Bound <= 3 ? e : new Expr("Math.Tanh(" + e.Text + ")", 1);

    private Expr Squash(Expr e, double above)
    {
        if (e.Bound <= above) return e;
        return _rng.Next(3) switch
        {
            0 => new Expr("Math.Atan(" + e.Text + ")", 1.6),
            1 => new Expr("(2 * Math.Tanh(" + e.Text + "))", 2),
            _ => new Expr("Math.Tanh(" + e.Text + ")", 1),
        };
    }

    /// <summary>Text of an expression bounded by <paramref name="bound"/>.</summary>
    private string Bounded(double bound)
    {
        var e = DoubleExpr(_rng.Next(0, 3));
        if (e.Bound <= bound) return e.Text;
        return bound >= 1.5 && _rng.Next(2) == 0 ? "Math.Atan(" + e.Text + ")" : Pick("Math.Tanh(", "Math.Sin(", "Math.Cos(") + Small(e).Text + ")";
    }

    private string MultiplierAtMostOne()
    {
        var e = Small(DoubleExpr(_rng.Next(0, 2)));
        return _rng.Next(5) switch
        {
            0 => "Math.Cos(" + e.Text + ")",
            1 => "Math.Tanh(" + e.Text + ")",
            2 => "(0.5 + 0.4 * Math.Sin(" + e.Text + "))",
            3 => "Math.Exp(-" + e.Text + " * " + e.Text + ")",
            _ => Constant(0.9, positive: false).Text,
        };
    }

    private string DivisorAtLeastOne()
    {
        var e = Small(DoubleExpr(_rng.Next(0, 2)));
        return _rng.Next(4) switch
        {
            0 => "(1 + " + e.Text + " * " + e.Text + ")",
            1 => "(2 + Math.Cos(" + e.Text + "))",
            2 => "Math.Sqrt(1 + " + e.Text + " * " + e.Text + ")",
            _ => Pick("1.5", "2.0", "1.25"),
        };
    }

    private Expr DoubleLeaf()
    {
        var doubles = Vars(Kind.Double, writable: null).ToList();
        int r = _rng.Next(10);
        if (r < 7 && doubles.Count > 0) return new Expr(Pick(doubles).Name, VariableBound);
        if (r < 9) return Constant(2);
        return new Expr("(0.5 * (" + IntLeaf() + " % 4))", 1.5);
    }

    private Expr Constant(double max, bool positive = false)
    {
        string[] values = { "0.5", "0.25", "1.5", "2.0", "0.75", "0.1", "0.3", "1.0", "1.25", "0.9" };
        var allowed = values.Where(v => double.Parse(v, CultureInfo.InvariantCulture) <= max).ToArray();
        string text = Pick(allowed);
        double value = double.Parse(text, CultureInfo.InvariantCulture);
        if (!positive && _rng.Next(4) == 0) return new Expr("(-" + text + ")", value);
        return new Expr(text, value);
    }

    /// <summary>An int variable or a small int expression of one, as an operand (parenthesized when compound).</summary>
    private string IntLeaf()
    {
        var ints = Vars(Kind.Int, writable: null).ToList();
        return ints.Count > 0 && _rng.Next(10) != 0 ? Pick(ints).Name : _rng.Next(0, 4).ToString(CultureInfo.InvariantCulture);
    }

    private string IntExpr(int depth)
    {
        if (depth <= 0 || _rng.Next(3) == 0) return IntLeaf();
        string a = IntExpr(depth - 1);
        return _rng.Next(6) switch
        {
            0 => "(" + a + " + " + IntExpr(depth - 1) + ")",
            1 => "(" + a + " - " + IntExpr(depth - 1) + ")",
            2 => "(" + a + " * " + _rng.Next(2, 4).ToString(CultureInfo.InvariantCulture) + " % 7)",
            3 => "(" + a + " % " + _rng.Next(2, 5).ToString(CultureInfo.InvariantCulture) + ")",
            4 => "(" + a + " / " + _rng.Next(2, 4).ToString(CultureInfo.InvariantCulture) + ")",
            _ => "(" + a + " + " + _rng.Next(1, 3).ToString(CultureInfo.InvariantCulture) + ")",
        };
    }

    private string Condition(int depth)
    {
        // A branch decided by a call with effects (inside && and ||, a call that may not run).
        if (_plain && _rng.Next(10) == 0) return "Plain.Next(" + IntLeaf() + ") < " + Pick("0.0", "0.5", "(-0.5)");
        int r = _rng.Next(depth > 0 && _grammar.IncludeLogicalOperators ? 10 : 6);
        var bools = Vars(Kind.Bool, writable: null).ToList();
        switch (r)
        {
            case 0:
            case 1:
            case 2:
            {
                var a = DoubleExpr(_rng.Next(0, 2));
                string rhs = _rng.Next(2) == 0 ? Constant(1.5).Text : DoubleExpr(_rng.Next(0, 2)).Text;
                // Now and then an int against a double: an implicit conversion in a comparison.
                if (_rng.Next(8) == 0) return IntLeaf() + " " + Pick("<", ">", "<=", ">=") + " " + a.Text;
                return a.Text + " " + Pick("<", ">", "<=", ">=") + " " + rhs;
            }
            case 3:
            case 4:
                return _rng.Next(3) switch
                {
                    0 => IntExpr(1) + " % 2 == 0",
                    1 => IntLeaf() + " " + Pick("==", "!=", "<", ">=", ">") + " " + _rng.Next(0, 5).ToString(CultureInfo.InvariantCulture),
                    _ => IntExpr(1) + " " + Pick("<", ">", "==", "!=") + " " + IntExpr(1),
                };
            case 5:
                if (bools.Count > 0 && _rng.Next(4) == 0)
                    return Pick(bools).Name + Pick(" == ", " != ") + (bools.Count > 1 && _rng.Next(2) == 0 ? Pick(bools).Name : "(" + Condition(0) + ")");
                if (bools.Count > 0) return (_rng.Next(3) == 0 ? "!" : "") + Pick(bools).Name;
                return Pick("true", "false", N + " > 2");
            case 6:
            case 7:
                return "(" + Condition(depth - 1) + ") && (" + Condition(depth - 1) + ")";
            case 8:
                return "(" + Condition(depth - 1) + ") || (" + Condition(depth - 1) + ")";
            default:
                return "!(" + Condition(depth - 1) + ")";
        }
    }

    private string FinalExpression()
    {
        // Mix the locals that are still in scope into the result, so most of the program matters.
        var doubles = Vars(Kind.Double, writable: null).Select(v => v.Name).ToList();
        var terms = new List<string>();
        foreach (string v in doubles)
            if (_rng.Next(3) != 0) terms.Add(_rng.Next(3) == 0 ? "Math.Sin(" + v + ")" : v);
        terms.Add(DoubleExpr(_rng.Next(1, 3)).Text);
        return string.Join(" + ", terms);
    }

    // ---------------------------------------------------------------- for ArrayProgramGenerator

    /// <summary>
    /// A generator used only for its expression grammar, by <see cref="ArrayProgramGenerator"/>: it
    /// draws from <paramref name="rng"/> and never generates a method, so scalar programs are unaffected.
    /// </summary>
    internal static ProgramGenerator ForExpressions(Random rng, FuzzGrammar grammar) => new(rng, grammar);

    /// <summary>Whether expressions and conditions may call <c>Plain.Next</c> (<see cref="FuzzGrammar.IncludePlainCalls"/>).</summary>
    internal bool PlainCalls { set => _plain = value; }

    /// <summary>
    /// A scalar-grammar expression whose leaves are <paramref name="doubles"/> (any double-valued
    /// operand text, e.g. <c>x[i]</c>, nominally bounded by 2) and <paramref name="ints"/>; squashed
    /// above <paramref name="squashAbove"/>.
    /// </summary>
    internal (string Text, double Bound) ExpressionOver(IReadOnlyList<string> doubles, IReadOnlyList<string> ints, int depth, double squashAbove)
    {
        PushScope();
        foreach (string d in doubles) _scopes[^1].Vars.Add(new Var(d, Kind.Double, readOnly: true));
        foreach (string i in ints) _scopes[^1].Vars.Add(new Var(i, Kind.Int, readOnly: true));
        var e = Squash(DoubleExpr(depth), squashAbove);
        PopScope();
        return (e.Text, e.Bound);
    }

    /// <summary>A scalar-grammar condition over <paramref name="doubles"/> and <paramref name="ints"/>.</summary>
    internal string ConditionOver(IReadOnlyList<string> doubles, IReadOnlyList<string> ints, int depth)
    {
        PushScope();
        foreach (string d in doubles) _scopes[^1].Vars.Add(new Var(d, Kind.Double, readOnly: true));
        foreach (string i in ints) _scopes[^1].Vars.Add(new Var(i, Kind.Int, readOnly: true));
        string c = Condition(depth);
        PopScope();
        return c;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Variables in scope; <paramref name="writable"/> null means all.</summary>
    private IEnumerable<Var> Vars(Kind kind, bool? writable) =>
        _scopes.SelectMany(s => s.Vars).Where(v => v.Kind == kind && (writable is null || v.ReadOnly != writable.Value));

    private void Declare(Var v)
    {
        _scopes[^1].Vars.Add(v);
        Reserve(v.Name);
    }

    /// <summary>Marks <paramref name="name"/> as declared here before its declaration is in scope, so nothing inside redeclares it.</summary>
    private string Reserve(string name)
    {
        _scopes.Last(f => f.DeclarationSpace).DeclaredHere.Add(name);
        foreach (var frame in _scopes) frame.UsedWithin.Add(name);
        return name;
    }

    private void PushScope(bool declarationSpace = true) => _scopes.Add(new Frame(declarationSpace));

    private void PopScope() => _scopes.RemoveAt(_scopes.Count - 1);

    /// <summary>
    /// Whether <paramref name="name"/> may be declared in the current block: it is not in scope, and no
    /// block inside the current declaration space declared it (C# forbids both, CS0136 and CS0128).
    /// </summary>
    private bool Declarable(string name)
    {
        var space = _scopes.Last(f => f.DeclarationSpace);
        return !space.UsedWithin.Contains(name) && !_scopes.Any(f => f.DeclaredHere.Contains(name));
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private string Pick(params string[] items) => items[_rng.Next(items.Length)];

    private static string Paren(string text) => text.Contains(' ') ? "(" + text + ")" : text;

    private void Line(string text)
    {
        _out.Append(' ', 4 * _indent).Append(text).Append('\n');
    }
}
