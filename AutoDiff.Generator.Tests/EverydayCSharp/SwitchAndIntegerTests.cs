using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.EverydayCSharp.ConditionAndSwitchChecks;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// Issue 15, item 8: <c>switch</c> on strings and chars (statements and expressions), <c>goto case</c> and
/// <c>goto default</c>, the integer operators <c>~ &lt;&lt; &gt;&gt; &gt;&gt;&gt; &amp; | ^ %</c> (and their compound
/// assignments, and <c>&amp; | ^</c> on bools), <c>char</c> parameters, locals and constants. All of it is data: the
/// checks (<see cref="ConditionAndSwitchChecks.Check(System.Reflection.MethodInfo, object[])"/>) are that every
/// companion returns the method's value bit for bit and that the derivatives of the double values it selects or scales
/// are right.
/// </summary>
public class SwitchAndIntegerTests
{
    private const string StringSwitch = """
        [Differentiable]
        public static double Shape(double x, string mode)
        {
            switch (mode)
            {
                case "square":
                    return x * x;
                case "twice":
                case "double":
                    return 2 * x;
                case "it's \"cubed\"\n\\":
                    return x * x * x;
                default:
                    return x;
            }
        }
        """;

    [TestCase("square", 2 * 1.3)]
    [TestCase("twice", 2.0)]
    [TestCase("double", 2.0)]
    [TestCase("it's \"cubed\"\n\\", 3 * 1.3 * 1.3)]
    [TestCase("other", 1.0)]
    [TestCase("", 1.0)]
    public void Switch_statement_on_a_string(string mode, double expected)
    {
        var gradient = Check(StringSwitch, "Shape", new object[] { 1.3, mode })[0];
        Assert.That(gradient[0], Is.EqualTo(expected).Within(1e-12));
    }

    [TestCase("exp", 0.4)]
    [TestCase("log", 0.4)]
    [TestCase("sqrt", 0.4)]
    [TestCase("none", 0.4)]
    public void Switch_expression_and_equality_on_strings(string name, double x)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Apply(double x, string name)
            {
                double y = name switch
                {
                    "exp" => Math.Exp(x),
                    "log" or "ln" => Math.Log(x),
                    _ => x,
                };
                if (name == "sqrt") y = Math.Sqrt(x);
                return name != "none" ? y * x : y;
            }
            """, "Apply", new object[] { x, name })[0];
        double expected = name switch
        {
            "exp" => System.Math.Exp(x) * (1 + x),
            "log" => 1 + System.Math.Log(x),
            "sqrt" => 1.5 * System.Math.Sqrt(x),
            _ => 1,
        };
        Assert.That(gradient[0], Is.EqualTo(expected).Within(1e-12));
    }

    [TestCase('a', 2.0)]
    [TestCase('\n', 3.0)]
    [TestCase('\'', 4.0)]
    [TestCase('\\', 5.0)]
    [TestCase('é', 6.0)]
    [TestCase('z', 1.0)]
    public void Switch_on_a_char_parameter(char c, double expected)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Pick(double x, char c)
            {
                double k = c switch
                {
                    'a' => 2,
                    '\n' => 3,
                    '\'' => 4,
                    _ => 1,
                };
                switch (c)
                {
                    case '\\': k = 5; break;
                    case 'é': k = 6; break;
                }
                return k * x;
            }
            """, "Pick", new object[] { 0.6, c })[0];
        Assert.That(gradient[0], Is.EqualTo(expected));
    }

    [TestCase(4)]
    [TestCase(1)]
    public void String_and_char_values_chosen_inside_a_loop(int n)
    {
        Check("""
            [Differentiable]
            public static double Chosen(double x, int n, string name)
            {
                double s = x;
                for (int i = 0; i < n; i++)
                {
                    string kind = i % 2 == 0 ? "even" : "odd";
                    char mark = (char)('a' + i % 3);
                    switch (kind)
                    {
                        case "even": s = s * x; break;
                        default: s = s + Math.Sin(s); break;
                    }
                    if (s > 0.3)
                    {
                        // Compared again inside a branch: the string is not recorded, the comparison is.
                        if (kind != "odd" || name == "up") s = s * s;
                    }
                    s = mark switch { 'a' => s * 0.5, 'b' => s * s, _ => s };
                }
                return s;
            }
            """, "Chosen", new object[] { 0.9, n, "up" }, new object[] { 0.9, n, "down" });
    }

    [TestCase('d', 0.7)]
    [TestCase('a', 1.2)]
    [TestCase('q', 1.2)]
    public void Char_arithmetic_constants_and_a_char_loop_counter(char last, double x)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Letters(double x, char last)
            {
                const char quit = 'q';
                if (last == quit) return -x;
                double s = 0;
                for (char c = 'a'; c <= last; c++) s += x * x * (c - 'a' + 1);
                char next = last;
                next++;
                return s + (next - last) * x;
            }
            """, "Letters", new object[] { x, last })[0];
        int n = last - 'a' + 1;
        double expected = last == 'q' ? -1 : 2 * x * n * (n + 1) / 2.0 + 1;
        Assert.That(gradient[0], Is.EqualTo(expected).Within(1e-12));
    }

    private const string FallThrough = """
        [Differentiable]
        public static double Cascade(double x, int k)
        {
            double y = x;
            switch (k)
            {
                case 0:
                    y = y * x;
                    goto case 1;
                case 1:
                    y = y + Math.Sin(x);
                    break;
                case 2:
                    if (x > 1) goto default;
                    y = y * 3;
                    break;
                default:
                    y = y * y;
                    break;
            }
            return y;
        }
        """;

    [TestCase(0, 0.8)]
    [TestCase(1, 0.8)]
    [TestCase(2, 0.8)]
    [TestCase(2, 1.5)]
    [TestCase(7, 0.8)]
    public void Goto_case_and_goto_default(int k, double x)
    {
        var gradient = Check(FallThrough, "Cascade", new object[] { x, k })[0];
        double expected = k switch
        {
            0 => 2 * x + System.Math.Cos(x),
            1 => 1 + System.Math.Cos(x),
            2 when x <= 1 => 3,
            _ => 2 * x,
        };
        Assert.That(gradient[0], Is.EqualTo(expected).Within(1e-12));
    }

    [TestCase(5)]
    [TestCase(0)]
    public void Goto_case_in_a_switch_inside_a_loop(int n)
    {
        Check("""
            [Differentiable]
            public static double Machine(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++)
                {
                    switch (i % 3)
                    {
                        case 0: s += x; goto case 2;
                        case 1: s *= x; break;
                        case 2: s += x * x; goto default;
                        default: s = s * 0.5; break;
                    }
                }
                return s;
            }
            """, "Machine", new object[] { 1.1, n });
    }

    [TestCase(13)]
    [TestCase(-6)]
    [TestCase(0)]
    public void Integer_operators_on_int(int k)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Bits(double x, int k)
            {
                int m = (~k & 7) | (k << 2) ^ (k >> 1);
                int u = k >>> 28;
                int r = k % 5;
                return x * m + x * x * u + r;
            }
            """, "Bits", new object[] { 0.9, k })[0];
        int m = (~k & 7) | (k << 2) ^ (k >> 1);
        Assert.That(gradient[0], Is.EqualTo(m + 2 * 0.9 * (k >>> 28)).Within(1e-12));
    }

    [TestCase(12L, 3u, (byte)0x5A)]
    [TestCase(-40L, 0xF0000000u, (byte)1)]
    public void Compound_integer_assignments_on_long_uint_byte_and_bool(long k, uint u, byte b)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Mixed(double x, long k, uint u, byte b)
            {
                k <<= 3; k |= 5; k ^= 0x30; k >>= 1; k &= ~3L; k >>>= 2;
                u >>= 4; u ^= 0xFFu; u %= 1000;
                b <<= 1; b |= 3; b = (byte)~b;
                bool on = x > 0;
                on &= k != 0;
                on |= u == 3;
                on ^= (b & 1) == 0;
                bool both = (k > 0) & (u > 1) | (b > 7) ^ on;
                return (on ? x * k : x) + (both ? x * u : 2 * x) + b * x;
            }
            """, "Mixed", new object[] { 0.5, k, u, b })[0];
        k <<= 3; k |= 5; k ^= 0x30; k >>= 1; k &= ~3L; k >>>= 2;
        u >>= 4; u ^= 0xFFu; u %= 1000;
        b <<= 1; b |= 3; b = (byte)~b;
        bool on = true;
        on &= k != 0;
        on |= u == 3;
        on ^= (b & 1) == 0;
        bool both = (k > 0) & (u > 1) | (b > 7) ^ on;
        Assert.That(gradient[0], Is.EqualTo((double)((on ? k : 1) + (both ? u : 2) + b)).Within(1e-9));
    }

    [Test]
    public void Goto_case_back_to_a_section_it_came_from_is_reported_at_the_goto()
    {
        var run = GeneratorHarness.Run(InFns("""
            [Differentiable]
            public static double Loop(double x, int k)
            {
                switch (k)
                {
                    case 0: x = x * 2; goto case 1;
                    case 1: if (x < 10) goto case 0; break;
                }
                return x;
            }
            """));
        // Each goto of the cycle closes it (entered from either section), each reported once, at the goto.
        var diagnostics = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF004").ToList();
        Assert.That(diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)), Is.EquivalentTo(new[]
        {
            "'goto case 1;' back to a section it came from (a loop) is not supported in a [Differentiable] method; write the loop as a 'while' loop",
            "'goto case 0;' back to a section it came from (a loop) is not supported in a [Differentiable] method; write the loop as a 'while' loop",
        }));
        Assert.That(diagnostics.Select(d => StatementAt(d)), Is.EquivalentTo(new[] { "goto case 1;", "goto case 0;" }));
        Assert.That(run.GeneratedSources, Is.Empty);
    }

    [Test]
    public void Goto_case_inside_a_loop_in_a_section_is_reported_at_the_goto()
    {
        var run = GeneratorHarness.Run(InFns("""
            [Differentiable]
            public static double Inner(double x, int k)
            {
                switch (k)
                {
                    case 0:
                        for (int i = 0; i < 3; i++) { if (x > 5) goto case 1; x = x * 2; }
                        break;
                    case 1: x = -x; break;
                }
                return x;
            }
            """));
        var diagnostic = run.AnalyzerDiagnostics().Single(d => d.Id == "ADIFF004");
        Assert.That(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), Does.Contain("'goto case 1;' inside a loop"));
        Assert.That(StatementAt(diagnostic), Is.EqualTo("goto case 1;"));
    }

    /// <summary>The statement a diagnostic is reported at (statements are reported at their first token).</summary>
    private static string StatementAt(Microsoft.CodeAnalysis.Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree!;
        var token = tree.GetRoot().FindToken(diagnostic.Location.SourceSpan.Start);
        var statement = token.Parent!.AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax>().First();
        Assert.That(statement.SpanStart, Is.EqualTo(diagnostic.Location.SourceSpan.Start), "reported at the statement's start");
        return statement.ToString();
    }

    // ---- the generated code ----

    [Test]
    public void Snapshot_switch_on_a_string() => GeneratedCode.VerifyInFns(StringSwitch, nameof(Snapshot_switch_on_a_string));

    [Test]
    public void Snapshot_goto_case() => GeneratedCode.VerifyInFns(FallThrough, nameof(Snapshot_goto_case));

    [Test]
    public void Snapshot_integer_operators_and_chars() => GeneratedCode.VerifyInFns("""
        [Differentiable]
        public static double Code(double x, int k, char c)
        {
            int m = (~k & 0xF) | (k << 2) ^ (k >> 1) + (k >>> 3) % 7;
            m <<= 1;
            double w = c switch { 'a' => 1, '\'' => 2, _ => 0.5 };
            return x * m * w;
        }
        """, nameof(Snapshot_integer_operators_and_chars));
}
