using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// The value-type family of the differential fuzzer (issue 16): each program declares its own structs and a
/// <c>[Differentiable]</c> method over them, checked through scalar adapters by <see cref="FuzzRunner"/>.
/// <para>
/// The types: <c>P####S0</c> (two doubles <c>X</c>, <c>Y</c> and maybe a pass-through <c>int Tag</c>) is a mutable struct,
/// a readonly struct, a record struct or a readonly record struct, with <c>[Differentiable]</c> operators <c>+</c>,
/// <c>-</c>, <c>double * S0</c> and an instance method <c>Dot</c>; <c>P####S1</c> nests an <c>S0</c> (<c>A</c>) beside a
/// double <c>S</c> and a pass-through <c>int Count</c>, a mutable struct or a record struct. The method
/// <c>P####(S0 a, S1 b, double y, int n)</c> builds structs (constructors, <c>default</c> and field writes, object
/// initializers, <c>with</c>), combines them with the operators and with <c>[Differentiable]</c> helpers taking and
/// returning structs (<c>P####H0</c>, <c>P####H1</c>), writes fields of locals (nested ones too), deconstructs and swaps
/// tuples (of doubles and of structs), and does all of it in loops (bounded by <c>n</c> or by the pass-through
/// <c>a.Tag</c>) and branches (on comparisons, on struct or tuple equality).
/// </para>
/// <para>
/// The adapters <c>P####A0</c> (value), <c>P####A0Gradient</c>, <c>…Vjp</c>, <c>…Jvp</c>, <c>…Hvp</c> take the six leaves as
/// doubles <c>x0</c>…<c>x5</c> (a.X, a.Y, b.A.X, b.A.Y, b.S, y) and <c>n</c> (also the pass-through fields), build the
/// structs, call the companion with struct adjoints, tangents and seeds (<c>out S0 da</c>, <c>ref S1 bAdj</c>, …) and
/// return the leaves, so the scalar oracle (finite differences, Jvp against Gradient, Vjp accumulation, Hvp against
/// differences of the gradient, primal values bit for bit) checks the struct companions' signatures as well.
/// </para>
/// <para>Boundedness: updates inside loops go through <c>Math.Sin</c>/<c>Math.Tanh</c> or contract (<c>0.5 * p + q</c>);
/// divisions only by <c>1 + e*e</c>; loops run at most <c>n</c> (6) times.</para>
/// </summary>
public sealed class StructProgramGenerator
{
    private enum SKind { Mutable, Readonly, Record, ReadonlyRecord }

    private readonly Random _rng;
    private readonly StringBuilder _body = new();
    private readonly string _name, _s0, _s1;
    private readonly SKind _kind;
    private readonly bool _tag;
    private readonly bool _s1Record;
    private int _indent = 3;
    private int _counter;

    /// <summary>Double locals (and <c>y</c>), S0 locals (and <c>a</c>), S1 locals (and <c>b</c>) in scope.</summary>
    private readonly List<string> _doubles = new() { "y" }, _points = new() { "a" }, _pairs = new() { "b" };
    /// <summary>Locals declared at the top level of the body (assigned in loops and branches).</summary>
    private readonly List<string> _doubleLocals = new(), _pointLocals = new(), _pairLocals = new();

    private StructProgramGenerator(Random rng, string name)
    {
        _rng = rng;
        _name = name;
        _s0 = name + "S0";
        _s1 = name + "S1";
        _kind = (SKind)rng.Next(4);
        _tag = rng.Next(3) != 0;
        _s1Record = rng.Next(3) == 0;
    }

    /// <summary>Program <paramref name="index"/> of the run with <paramref name="seed"/>; the same inputs always give the same text.</summary>
    public static FuzzProgram Generate(int seed, int index)
    {
        var rng = new Random(unchecked(seed * 1_000_033 + index * 7927 + 29));
        string name = "P" + index.ToString("D4", CultureInfo.InvariantCulture);
        return new StructProgramGenerator(rng, name).Program(index);
    }

    private bool Writable => _kind is SKind.Mutable or SKind.Record;
    private bool HasWith => _kind != SKind.Readonly;
    private bool IsRecord => _kind is SKind.Record or SKind.ReadonlyRecord;
    private string TagArg(string of) => _tag ? ", " + of + ".Tag" : "";

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];
    private string Fresh(string prefix) => prefix + (_counter++).ToString(CultureInfo.InvariantCulture);
    private string C() => (0.25 + _rng.Next(12) * 0.125).ToString("0.0##", CultureInfo.InvariantCulture);

    private FuzzProgram Program(int index)
    {
        int statements = 3 + _rng.Next(5);
        for (int s = 0; s < statements; s++) Statement(topLevel: true);

        var terms = new List<string>();
        foreach (string d in _doubleLocals.Concat(new[] { "y" })) terms.Add(d);
        foreach (string p in _pointLocals.Concat(new[] { "a" })) terms.Add(_rng.Next(2) == 0 ? p + ".X - " + C() + " * " + p + ".Y" : "0.5 * " + p + ".Dot(" + Pick(_points) + ")");
        foreach (string w in _pairLocals.Concat(new[] { "b" })) terms.Add(w + ".S * " + w + ".A.Y");
        terms.Add(_name + "H1(" + Pick(_points) + ", " + Pick(_pairs) + ")");
        Line("return " + string.Join(" + ", terms.OrderBy(_ => _rng.Next())) + ";");

        var source = new StringBuilder();
        source.Append("        [Differentiable]\n");
        source.Append("        public static double ").Append(_name).Append('(').Append(_s0).Append(" a, ").Append(_s1).Append(" b, double y, int n)\n");
        source.Append("        {\n").Append(_body).Append("        }\n\n");
        source.Append(Helpers());

        var parameters = Enumerable.Range(0, 6).Select(k => new FuzzParameter("x" + k.ToString(CultureInfo.InvariantCulture), false))
            .Append(new FuzzParameter("n", true)).ToList();
        return new FuzzProgram(index, _name, parameters, source.ToString())
        {
            Types = Types(),
            Harness = Adapters(),
            CheckedName = _name + "A0",
        };
    }

    private void Line(string text) => _body.Append(' ', 4 * _indent).Append(text).Append('\n');

    /// <summary>A double expression of bounded size (at most about 4 in magnitude when its atoms are about 2).</summary>
    private string Scalar(int depth = 2)
    {
        if (depth == 0 || _rng.Next(4) == 0) return Atom();
        switch (_rng.Next(10))
        {
            case 0: return Scalar(depth - 1) + " + " + Scalar(depth - 1);
            case 1: return Scalar(depth - 1) + " - " + C() + " * " + Scalar(depth - 1);
            case 2: return "(" + Scalar(depth - 1) + ") * Math.Tanh(" + Scalar(depth - 1) + ")";
            case 3: return "Math.Sin(" + Scalar(depth - 1) + ")";
            case 4: return "Math.Cos(" + Scalar(depth - 1) + ")";
            case 5: { string e = Scalar(depth - 1); return Scalar(depth - 1) + " / (1.0 + " + e + " * " + e + ")"; }
            case 6: return "0.25 * " + Pick(_points) + ".Dot(" + Pick(_points) + ")";
            case 7: return "Math.Tanh(" + _name + "H1(" + Pick(_points) + ", " + Pick(_pairs) + "))";
            case 8: return IsRecord ? "(" + Pick(_points) + " == " + Pick(_points) + " ? " + Scalar(depth - 1) + " : " + Scalar(depth - 1) + ")"
                : "((" + Pick(_points) + ".X, " + Pick(_points) + ".Y) == (" + Pick(_points) + ".X, " + Pick(_points) + ".Y) ? " + Scalar(depth - 1) + " : " + Scalar(depth - 1) + ")";
            default: return "Math.Tanh(" + Scalar(depth - 1) + " * " + Scalar(depth - 1) + ")";
        }
    }

    private string Atom() => _rng.Next(6) switch
    {
        0 or 1 => Pick(_doubles),
        2 => Pick(_points) + ".X",
        3 => Pick(_points) + ".Y",
        4 => Pick(_pairs) + (_rng.Next(2) == 0 ? ".S" : ".A." + (_rng.Next(2) == 0 ? "X" : "Y")),
        _ => C(),
    };

    /// <summary>A value of <c>S0</c>.</summary>
    private string Point(bool bounded)
    {
        string p = Pick(_points), q = Pick(_points);
        switch (_rng.Next(bounded ? 5 : 8))
        {
            case 0: return "new " + _s0 + "(Math.Sin(" + Scalar(1) + "), Math.Tanh(" + Scalar(1) + ")" + (_tag ? ", " + p + ".Tag" : "") + ")";
            case 1: return "0.5 * " + p + " + " + C() + " * " + q;
            case 2: return _name + "H0(" + p + ", " + Scalar(1) + ")";
            case 3: return HasWith ? p + " with { " + (_rng.Next(2) == 0 ? "X" : "Y") + " = Math.Sin(" + Scalar(1) + ") }" : "0.5 * (" + p + " - " + q + ")";
            case 4: return "0.5 * (" + p + " - " + q + ")";
            case 5: return p + " + " + q;
            case 6: return "new " + _s0 + "(" + Scalar() + ", " + Scalar() + (_tag ? ", n" : "") + ")";
            default: return "(" + Scalar(1) + ") * " + p;
        }
    }

    /// <summary>A value of <c>S1</c>.</summary>
    private string Pair()
    {
        string w = Pick(_pairs);
        switch (_rng.Next(3))
        {
            case 0: return _s1Record ? "new " + _s1 + "(" + Point(true) + ", " + Scalar(1) + ", " + w + ".Count)" : "new " + _s1 + " { A = " + Point(true) + ", S = " + Scalar(1) + ", Count = " + w + ".Count }";
            case 1: return w + " with { S = Math.Sin(" + Scalar(1) + ") }";
            default: return w + " with { A = " + Point(true) + " }";
        }
    }

    private void Statement(bool topLevel)
    {
        if (!topLevel) { Assignment(); return; }
        switch (_rng.Next(4))
        {
            case 0: case 1: Declaration(); break;
            case 2: Loop(); break;
            default: Branch(); break;
        }
    }

    private void Declaration()
    {
        switch (_rng.Next(8))
        {
            case 0:
            case 1:
            {
                string d = Fresh("d");
                Line("double " + d + " = " + Scalar() + ";");
                Add(_doubles, _doubleLocals, d);
                break;
            }
            case 2:
            {
                string d = Fresh("d"), e = Fresh("d");
                Line("var (" + d + ", " + e + ") = (" + Scalar() + ", " + Scalar() + ");");
                Add(_doubles, _doubleLocals, d);
                Add(_doubles, _doubleLocals, e);
                break;
            }
            case 3:
            case 4:
            {
                string p = Fresh("p");
                Line("var " + p + " = " + Point(false) + ";");
                Add(_points, _pointLocals, p);
                break;
            }
            case 5:
            {
                string p = Fresh("p");
                if (Writable)
                {
                    Line(_s0 + " " + p + " = default;");
                    Line(p + ".X = " + Scalar() + ";");
                    Line(p + ".Y " + (_rng.Next(2) == 0 ? "+=" : "=") + " " + Scalar() + ";");
                }
                else Line(_s0 + " " + p + " = " + Point(false) + ";");
                Add(_points, _pointLocals, p);
                break;
            }
            case 6:
            {
                string w = Fresh("w");
                Line("var " + w + " = " + Pair() + ";");
                Add(_pairs, _pairLocals, w);
                break;
            }
            default:
            {
                string w = Fresh("w");
                Line("var " + w + " = " + Pick(_pairs) + ";");
                Add(_pairs, _pairLocals, w);
                Line(w + ".S " + (_rng.Next(2) == 0 ? "-=" : "=") + " " + Scalar() + ";");
                if (Writable && !_s1Record && _rng.Next(2) == 0) Line(w + ".A.X *= Math.Tanh(" + Scalar(1) + ");");
                else Line(w + ".A = " + Point(true) + ";");
                break;
            }
        }
    }

    private static void Add(List<string> inScope, List<string> locals, string name)
    {
        inScope.Add(name);
        locals.Add(name);
    }

    /// <summary>An assignment to a top-level local, bounded so that loops keep values small.</summary>
    private void Assignment()
    {
        int choice = _rng.Next(8);
        if (choice is 0 or 1 && _doubleLocals.Count > 0)
        {
            string d = Pick(_doubleLocals);
            Line(d + (_rng.Next(2) == 0 ? " = Math.Sin(" : " += 0.5 * Math.Tanh(") + Scalar() + ");");
        }
        else if (choice == 2 && _doubleLocals.Count > 1)
        {
            string d = _doubleLocals[_rng.Next(_doubleLocals.Count)], e = _doubleLocals.Where(v => v != d).OrderBy(_ => _rng.Next()).First();
            Line(_rng.Next(2) == 0 ? "(" + d + ", " + e + ") = (" + e + ", " + d + ");" : "(" + d + ", " + e + ") = (Math.Sin(" + e + " + " + Scalar(1) + "), " + d + ");");
        }
        else if (choice == 3 && _pointLocals.Count > 1)
        {
            string p = _pointLocals[_rng.Next(_pointLocals.Count)], q = _pointLocals.Where(v => v != p).OrderBy(_ => _rng.Next()).First();
            Line("(" + p + ", " + q + ") = (" + q + ", " + p + ");");
        }
        else if (choice is 4 or 5 && _pointLocals.Count > 0)
        {
            string p = Pick(_pointLocals);
            if (Writable && _rng.Next(2) == 0) Line(p + "." + (_rng.Next(2) == 0 ? "X" : "Y") + " = Math.Sin(" + Scalar() + ");");
            else Line(p + " = " + Point(true) + ";");
        }
        else if (choice == 6 && _pairLocals.Count > 0)
        {
            string w = Pick(_pairLocals);
            Line(_rng.Next(2) == 0 ? w + ".S = Math.Tanh(" + Scalar() + ");" : w + " = " + Pair() + ";");
        }
        else if (_doubleLocals.Count > 0 || _pointLocals.Count > 0)
        {
            if (_pointLocals.Count > 0 && _rng.Next(2) == 0) Line(Pick(_pointLocals) + " = " + Point(true) + ";");
            else if (_doubleLocals.Count > 0) Line(Pick(_doubleLocals) + " = Math.Cos(" + Scalar() + ");");
            else Line(Pick(_pointLocals) + " = " + Point(true) + ";");
        }
        else
        {
            // Nothing assignable yet: a local of the block (a tuple deconstruction), read in the block.
            string d = Fresh("t"), e = Fresh("t");
            Line("var (" + d + ", " + e + ") = (" + Scalar(1) + ", " + Scalar(1) + ");");
            Line("y += 0.125 * Math.Sin(" + d + " * " + e + ");");
        }
    }

    private void Block(int statements)
    {
        _indent++;
        for (int s = 0; s < statements; s++) Statement(topLevel: false);
        _indent--;
    }

    private void Loop()
    {
        string i = Fresh("i");
        string bound = _tag && _rng.Next(2) == 0 ? "a.Tag" : _rng.Next(3) == 0 ? "b.Count" : "n";
        Line("for (int " + i + " = 0; " + i + " < " + bound + "; " + i + "++)");
        Line("{");
        Block(1 + _rng.Next(3));
        Line("}");
    }

    private void Branch()
    {
        string condition = _rng.Next(3) switch
        {
            0 => Scalar(1) + " > " + Scalar(1),
            1 => _tag ? "a.Tag % 2 == 0" : "n > 2",
            _ => IsRecord ? Pick(_points) + " != " + Pick(_points) : "(" + Pick(_points) + ".X, " + Pick(_pairs) + ".S) != (" + Pick(_points) + ".Y, " + Pick(_pairs) + ".A.X)",
        };
        Line("if (" + condition + ")");
        Line("{");
        Block(1 + _rng.Next(2));
        Line("}");
        if (_rng.Next(2) == 0)
        {
            Line("else");
            Line("{");
            Block(1 + _rng.Next(2));
            Line("}");
        }
    }

    /// <summary>The program's <c>[Differentiable]</c> helpers: a struct in and out (<c>H0</c>), structs in and a double out (<c>H1</c>).</summary>
    private string Helpers()
    {
        var text = new StringBuilder();
        text.Append("        [Differentiable]\n");
        text.Append("        public static ").Append(_s0).Append(' ').Append(_name).Append("H0(").Append(_s0).Append(" p, double t)\n");
        text.Append("        {\n");
        switch (_rng.Next(3))
        {
            case 0:
                text.Append("            var q = new ").Append(_s0).Append("(Math.Sin(p.X * t) + 0.5 * p.Y, Math.Tanh(p.Y - t)").Append(TagArg("p")).Append(");\n");
                text.Append("            return q;\n");
                break;
            case 1:
                text.Append("            var (u, v) = (Math.Cos(p.Y + t), Math.Sin(p.X));\n");
                text.Append("            (u, v) = (v, u * t);\n");
                text.Append("            return new ").Append(_s0).Append("(u, Math.Tanh(v)").Append(TagArg("p")).Append(");\n");
                break;
            default:
                text.Append("            var q = 0.5 * p + t * new ").Append(_s0).Append("(Math.Sin(p.Y), 0.25").Append(TagArg("p")).Append(");\n");
                text.Append("            return q - new ").Append(_s0).Append("(0.125 * t, q.Dot(p) / (1.0 + q.X * q.X)").Append(TagArg("q")).Append(");\n");
                break;
        }
        text.Append("        }\n\n");
        text.Append("        [Differentiable]\n");
        text.Append("        public static double ").Append(_name).Append("H1(").Append(_s0).Append(" p, ").Append(_s1).Append(" w)\n");
        text.Append("        {\n");
        if (_rng.Next(2) == 0) text.Append("            return p.X * w.A.Y + Math.Sin(w.S - p.Y) + 0.125 * w.Count;\n");
        else
        {
            text.Append("            var r = p - w.A;\n");
            text.Append("            double s = 0;\n");
            text.Append("            for (int k = 0; k < w.Count; k++) s += 0.25 * Math.Sin(r.X + k * w.S);\n");
            text.Append("            return s + r.Dot(r) / (1.0 + r.Y * r.Y);\n");
        }
        text.Append("        }\n");
        return text.ToString();
    }

    private string Types()
    {
        var text = new StringBuilder();
        string ctorParams = "double x, double y" + (_tag ? ", int tag" : "");
        string Make(string x, string y, string of) => "new " + _s0 + "(" + x + ", " + y + TagArg(of) + ")";
        string members =
            "        [Differentiable]\n" +
            "        public static " + _s0 + " operator +(" + _s0 + " l, " + _s0 + " r) => " + Make("l.X + r.X", "l.Y + r.Y", "l") + ";\n\n" +
            "        [Differentiable]\n" +
            "        public static " + _s0 + " operator -(" + _s0 + " l, " + _s0 + " r) => " + Make("l.X - r.X", "l.Y - r.Y", "l") + ";\n\n" +
            "        [Differentiable]\n" +
            "        public static " + _s0 + " operator *(double k, " + _s0 + " p) => " + Make("k * p.X", "k * p.Y", "p") + ";\n\n" +
            "        [Differentiable]\n" +
            "        public double Dot(" + _s0 + " o) => X * o.X + Y * o.Y;\n";
        switch (_kind)
        {
            case SKind.Record:
            case SKind.ReadonlyRecord:
                text.Append("\n    public ").Append(_kind == SKind.ReadonlyRecord ? "readonly " : "").Append("partial record struct ").Append(_s0)
                    .Append("(double X, double Y").Append(_tag ? ", int Tag" : "").Append(")\n    {\n").Append(members).Append("    }\n");
                break;
            default:
                string ro = _kind == SKind.Readonly ? "readonly " : "";
                text.Append("\n    public ").Append(ro).Append("partial struct ").Append(_s0).Append("\n    {\n");
                text.Append("        public ").Append(ro).Append("double X;\n");
                text.Append("        public ").Append(ro).Append("double Y;\n");
                if (_tag) text.Append("        public ").Append(ro).Append("int Tag;\n");
                text.Append("\n        public ").Append(_s0).Append('(').Append(ctorParams).Append(")\n        {\n            X = x;\n            Y = y;\n");
                if (_tag) text.Append("            Tag = tag;\n");
                text.Append("        }\n\n").Append(members).Append("    }\n");
                break;
        }
        if (_s1Record) text.Append("\n    public record struct ").Append(_s1).Append('(').Append(_s0).Append(" A, double S, int Count);\n");
        else text.Append("\n    public struct ").Append(_s1).Append("\n    {\n        public ").Append(_s0).Append(" A;\n        public double S;\n        public int Count;\n    }\n");
        return text.ToString();
    }

    /// <summary>The adapters: the six leaves and <c>n</c> in, the companions' struct results taken apart.</summary>
    private string Adapters()
    {
        string a = _name + "A0";
        string P(string x, string y, string tag) => "new " + _s0 + "(" + x + ", " + y + (_tag ? ", " + tag : "") + ")";
        string W(string ax, string ay, string s, string count) => _s1Record
            ? "new " + _s1 + "(" + P(ax, ay, count) + ", " + s + ", " + count + ")"
            : "new " + _s1 + " { A = " + P(ax, ay, count) + ", S = " + s + ", Count = " + count + " }";
        string Args(string prefix) => string.Join(", ", Enumerable.Range(0, 6).Select(k => "double " + prefix + k.ToString(CultureInfo.InvariantCulture)));
        string Outs(string prefix, string modifier) => string.Join(", ", Enumerable.Range(0, 6).Select(k => modifier + " double " + prefix + k.ToString(CultureInfo.InvariantCulture)));
        string Build() => "            var a = " + P("x0", "x1", "n") + ";\n            var b = " + W("x2", "x3", "x4", "n") + ";\n";
        string Leaves(string s0, string s1, string y, string prefix) =>
            "            " + prefix + "0 = " + s0 + ".X; " + prefix + "1 = " + s0 + ".Y; " + prefix + "2 = " + s1 + ".A.X; " + prefix + "3 = " + s1 + ".A.Y; " + prefix + "4 = " + s1 + ".S; " + prefix + "5 = " + y + ";\n";

        var text = new StringBuilder();
        text.Append("\n        public static double ").Append(a).Append('(').Append(Args("x")).Append(", int n)\n        {\n").Append(Build())
            .Append("            return ").Append(_name).Append("(a, b, x5, n);\n        }\n");
        text.Append("\n        public static double ").Append(a).Append("Gradient(").Append(Args("x")).Append(", int n, ").Append(Outs("g", "out")).Append(")\n        {\n").Append(Build())
            .Append("            double value = ").Append(_name).Append("Gradient(a, b, x5, n, out ").Append(_s0).Append(" da, out ").Append(_s1).Append(" db, out double dy);\n")
            .Append(Leaves("da", "db", "dy", "g")).Append("            return value;\n        }\n");
        text.Append("\n        public static double ").Append(a).Append("Vjp(").Append(Args("x")).Append(", int n, double seed, ").Append(Outs("g", "ref")).Append(")\n        {\n").Append(Build())
            .Append("            var aAdj = ").Append(P("g0", "g1", "0")).Append(";\n")
            .Append("            var bAdj = ").Append(W("g2", "g3", "g4", "0")).Append(";\n")
            .Append("            double yAdj = g5;\n")
            .Append("            double value = ").Append(_name).Append("Vjp(a, b, x5, n, seed, ref aAdj, ref bAdj, ref yAdj);\n")
            .Append(Leaves("aAdj", "bAdj", "yAdj", "g")).Append("            return value;\n        }\n");
        text.Append("\n        public static double ").Append(a).Append("Jvp(").Append(Args("x")).Append(", int n, ").Append(Args("v")).Append(", out double tangent)\n        {\n").Append(Build())
            .Append("            return ").Append(_name).Append("Jvp(a, b, x5, n, ").Append(P("v0", "v1", "0")).Append(", ").Append(W("v2", "v3", "v4", "0")).Append(", v5, out tangent);\n        }\n");
        text.Append("\n        public static double ").Append(a).Append("Hvp(").Append(Args("x")).Append(", int n, ").Append(Args("v")).Append(", ").Append(Outs("h", "out")).Append(")\n        {\n").Append(Build())
            .Append("            double value = ").Append(_name).Append("Hvp(a, b, x5, n, ").Append(P("v0", "v1", "0")).Append(", ").Append(W("v2", "v3", "v4", "0")).Append(", v5, out ")
            .Append(_s0).Append(" ha, out ").Append(_s1).Append(" hb, out double hy);\n")
            .Append(Leaves("ha", "hb", "hy", "h")).Append("            return value;\n        }\n");
        return text.ToString();
    }
}
