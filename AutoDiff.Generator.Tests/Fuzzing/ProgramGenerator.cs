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
    /// <summary>An additional double comparison in a while condition (<c>w &lt; n &amp;&amp; d &lt; 1.5</c>).</summary>
    public bool IncludeDoubleConditionInWhile { get; init; } = true;

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

    /// <summary>A complete compilable file holding just this program, in class <c>Fuzz.Single</c>.</summary>
    public string AsFile(string className = "Single") => ProgramGenerator.File(className, new[] { Source });

    public override string ToString() => Source;
}

public sealed record FuzzParameter(string Name, bool IsInt);

/// <summary>
/// Generates random, well-typed, terminating C# <c>[Differentiable]</c> methods that stay smooth and
/// finite at test points with doubles in [-1.5, 1.5] and <c>n</c> in 0..6.
/// <para>
/// Boundedness: every double variable is nominally bounded by 2. Expressions track a bound on their
/// magnitude and are squashed through <c>Math.Tanh</c> when it exceeds 8; a plain assignment squashes
/// above 3. Compound assignments are contracting (<c>*=</c> by at most 1, <c>/=</c> by at least 1)
/// or add a small bounded increment. Every loop is counter based with at most 6 trips; loop
/// counters, <c>n</c> and while counters are never assigned in bodies, so every program terminates.
/// Divisions are only by <c>(1 + e*e)</c>, <c>(2 + cos e)</c> and the like, logarithms and square
/// roots only of <c>1 + e*e</c>, and <c>Exp</c> only of bounded arguments.
/// </para>
/// </summary>
public sealed class ProgramGenerator
{
    private const double VariableBound = 2;
    private const double SquashAbove = 8;
    private const double AssignSquashAbove = 3;

    private enum Kind { Double, Int, Bool }

    private sealed class Var
    {
        public Var(string name, Kind kind, bool readOnly) { Name = name; Kind = kind; ReadOnly = readOnly; }
        public string Name { get; }
        public Kind Kind { get; }
        /// <summary><c>n</c>, loop counters and while counters: read, never written.</summary>
        public bool ReadOnly { get; }
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
    private readonly List<List<Var>> _scopes = new();
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
    public static string File(string className, IEnumerable<string> methods)
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
        text.Append("    }\n}\n");
        return text.ToString();
    }

    private FuzzProgram Program(int index)
    {
        string name = "P" + index.ToString("D4", CultureInfo.InvariantCulture);
        int doubles = _rng.Next(1, 4);
        int nPosition = _rng.Next(doubles + 1);
        var parameters = new List<FuzzParameter>();
        for (int i = 0; i < doubles; i++)
        {
            if (i == nPosition) parameters.Add(new FuzzParameter("n", true));
            parameters.Add(new FuzzParameter("x" + i.ToString(CultureInfo.InvariantCulture), false));
        }
        if (nPosition == doubles) parameters.Add(new FuzzParameter("n", true));

        _indent = 2;
        Line("[Differentiable]");
        Line("public static double " + name + "(" + string.Join(", ", parameters.Select(p => (p.IsInt ? "int " : "double ") + p.Name)) + ")");
        Line("{");
        _indent++;
        _scopes.Add(parameters.Select(p => new Var(p.Name, p.IsInt ? Kind.Int : Kind.Double, readOnly: p.IsInt || !_grammar.IncludeParameterAssignment)).ToList());
        _budget = _rng.Next(5, 22);
        int top = Math.Max(2, _budget / 2);
        for (int i = 0; i < top && _budget > 0; i++) Statement();
        Line("return " + FinalExpression() + ";");
        _scopes.RemoveAt(_scopes.Count - 1);
        _indent--;
        Line("}");
        return new FuzzProgram(index, name, parameters, _out.ToString());
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
        if (ReturnAllowed()) choices.Add((0.6, GuardedReturn));

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
        string name = "d" + (_doubles++).ToString(CultureInfo.InvariantCulture);
        Line("double " + name + " = " + Squash(DoubleExpr(_rng.Next(0, 3)), AssignSquashAbove).Text + ";");
        Declare(new Var(name, Kind.Double, readOnly: false));
    }

    private void DeclareInt()
    {
        string name = "k" + (_ints++).ToString(CultureInfo.InvariantCulture);
        Line("int " + name + " = " + IntExpr(_rng.Next(0, 2)) + ";");
        Declare(new Var(name, Kind.Int, readOnly: false));
    }

    private void DeclareBool()
    {
        string name = "b" + (_bools++).ToString(CultureInfo.InvariantCulture);
        Line("bool " + name + " = " + Condition(_rng.Next(0, 2)) + ";");
        Declare(new Var(name, Kind.Bool, readOnly: false));
    }

    private void AssignDouble() => Line(DoubleAssignment());

    /// <summary>An assignment to a writable double variable, as a statement with its semicolon.</summary>
    private string DoubleAssignment()
    {
        var targets = Vars(Kind.Double, writable: true).ToList();
        if (targets.Count == 0)
        {
            // Only read-only parameters and no locals yet: declare instead.
            string name = "d" + (_doubles++).ToString(CultureInfo.InvariantCulture);
            string text = "double " + name + " = " + Squash(DoubleExpr(1), AssignSquashAbove).Text + ";";
            Declare(new Var(name, Kind.Double, readOnly: false));
            return text;
        }
        string v = Pick(targets).Name;
        bool inLoop = _loops.Count > 0;
        int form = _grammar.IncludeCompoundAssignment ? _rng.Next(inLoop ? 1 : 0, 7) : _rng.Next(0, 2);
        switch (form)
        {
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
        _scopes.Add(new List<Var>());
        Line(DoubleAssignment());
        Line(jump + ";");
        _scopes.RemoveAt(_scopes.Count - 1);
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
        _scopes.Add(new List<Var>());
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
        _scopes.RemoveAt(_scopes.Count - 1);
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
        _scopes.Add(new List<Var>());
        if (firstLine != null) Line(firstLine);
        int length = _rng.Next(1, 5);
        for (int i = 0; i < length && (i == 0 || _budget > 0); i++) Statement();
        _scopes.RemoveAt(_scopes.Count - 1);
        _indent--;
        Line("}");
        _loops.Pop();
        _directlyInSwitch = wasInSwitch;
    }

    private string TripBound()
    {
        var bounds = new List<string> { "n", "n", "n", "n / 2 + 1", "n % 4", _rng.Next(1, 5).ToString(CultureInfo.InvariantCulture) };
        // An enclosing loop's counter (0..6) bounds a nested loop: a triangular nest.
        var counters = Vars(Kind.Int, writable: false).Where(v => v.Name.StartsWith("i", StringComparison.Ordinal) || v.Name.StartsWith("w", StringComparison.Ordinal)).ToList();
        if (counters.Count > 0) bounds.Add(Pick(counters).Name + " + 1");
        return Pick(bounds.ToArray());
    }

    private void For()
    {
        _nesting++;
        string i = "i" + (_counters++).ToString(CultureInfo.InvariantCulture);
        string bound = TripBound();
        string header = _rng.Next(6) switch
        {
            0 => "for (int " + i + " = " + Paren(bound) + "; " + i + " > 0; " + i + "--)",
            1 => "for (int " + i + " = 1; " + i + " <= " + bound + "; " + i + "++)",
            2 => "for (int " + i + " = 0; " + i + " < " + bound + "; " + i + " += 2)",
            _ => "for (int " + i + " = 0; " + i + " < " + bound + "; " + i + "++)",
        };
        Line(header);
        _scopes.Add(new List<Var> { new Var(i, Kind.Int, readOnly: true) });
        LoopBody(new LoopContext { ContinueAllowed = true }, null);
        _scopes.RemoveAt(_scopes.Count - 1);
        _nesting--;
    }

    private void While()
    {
        _nesting++;
        string w = "w" + (_counters++).ToString(CultureInfo.InvariantCulture);
        string bound = TripBound();
        Line("int " + w + " = 0;");
        var counter = new Var(w, Kind.Int, readOnly: true);
        string condition = w + " < " + bound;
        if (_grammar.IncludeDoubleConditionInWhile && _rng.Next(4) == 0)
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
            _scopes.Add(new List<Var>());
            int length = _rng.Next(1, 5);
            for (int k = 0; k < length && (k == 0 || _budget > 0); k++) Statement();
            Line(w + "++;");
            _scopes.RemoveAt(_scopes.Count - 1);
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
        string w = "w" + (_counters++).ToString(CultureInfo.InvariantCulture);
        string bound = TripBound();
        Line("int " + w + " = 0;");
        Declare(new Var(w, Kind.Int, readOnly: true));
        Line("do");
        LoopBody(new LoopContext { ContinueAllowed = true }, w + "++;");
        Line("while (" + w + " < " + bound + ");");
        _nesting--;
    }

    private void Switch()
    {
        _nesting++;
        var governing = new List<string> { "n", "n % 3", "n / 2" };
        governing.AddRange(Vars(Kind.Int, writable: null).Where(v => v.Name != "n").Select(v => v.Name));
        governing.AddRange(Vars(Kind.Int, writable: null).Where(v => v.Name != "n").Select(v => "(" + v.Name + " % 4)"));
        Line("switch (" + Pick(governing.ToArray()) + ")");
        Line("{");
        _indent++;
        int sections = _rng.Next(1, 4);
        var labels = Enumerable.Range(0, 6).OrderBy(_ => _rng.Next()).ToList();
        int used = 0;
        bool wasInSwitch = _directlyInSwitch;
        for (int s = 0; s <= sections; s++)
        {
            bool isDefault = s == sections;
            if (isDefault && _rng.Next(3) == 0) break;
            if (isDefault) Line("default:");
            else
            {
                int count = _rng.Next(4) == 0 ? 2 : 1;
                for (int c = 0; c < count && used < labels.Count; c++) Line("case " + labels[used++].ToString(CultureInfo.InvariantCulture) + ":");
            }
            _indent++;
            _directlyInSwitch = true;
            bool braced = _rng.Next(3) == 0;
            if (braced) { Line("{"); _indent++; }
            _scopes.Add(new List<Var>());
            int length = _rng.Next(1, 3);
            for (int i = 0; i < length && (i == 0 || _budget > 0); i++) Statement();
            _scopes.RemoveAt(_scopes.Count - 1);
            var ends = new List<string> { "break;", "break;", "break;" };
            if (ReturnAllowed()) ends.Add("return " + Squash(DoubleExpr(_rng.Next(0, 2)), SquashAbove).Text + ";");
            if (_loops.Count > 0 && _loops.Peek().ContinueAllowed && _grammar.IncludeContinue && _grammar.IncludeContinueAsSwitchSectionEnd) ends.Add("continue;");
            Line(Pick(ends.ToArray()));
            if (braced) { _indent--; Line("}"); }
            _directlyInSwitch = wasInSwitch;
            _indent--;
        }
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
            case 10 when _grammar.IncludeSwitchExpression:
            {
                var arms = new List<Expr>();
                var text = new StringBuilder("(" + Pick("n", "(n % 3)", IntLeaf()) + " switch { ");
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
                result = new Expr("(" + a.Text + " * (" + IntLeaf() + " % 3))", a.Bound * 2);
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
                if (bools.Count > 0) return (_rng.Next(3) == 0 ? "!" : "") + Pick(bools).Name;
                return Pick("true", "false", "n > 2");
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

    // ---------------------------------------------------------------- helpers

    /// <summary>Variables in scope; <paramref name="writable"/> null means all.</summary>
    private IEnumerable<Var> Vars(Kind kind, bool? writable) =>
        _scopes.SelectMany(s => s).Where(v => v.Kind == kind && (writable is null || v.ReadOnly != writable.Value));

    private void Declare(Var v) => _scopes[^1].Add(v);

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private string Pick(params string[] items) => items[_rng.Next(items.Length)];

    private static string Paren(string text) => text.Contains(' ') ? "(" + text + ")" : text;

    private void Line(string text)
    {
        _out.Append(' ', 4 * _indent).Append(text).Append('\n');
    }
}
