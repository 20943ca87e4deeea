using System.Collections.Generic;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// ADIFF004: every construct this version cannot differentiate, inside a [Differentiable] method. Each is
/// reported at the construct (the keyword of a statement, the whole of an expression, marked
/// <c>[|like this|]</c>) with a message naming it; the generator emits nothing for the method, throws
/// nothing, and leaves no error in generated code.
/// </summary>
/// <remarks>
/// Only the outermost unsupported construct is reported: the body of an unsupported statement is not
/// lowered, so <c>break</c> and <c>continue</c> (which only occur inside a loop or switch) show up as
/// their loop while loops are unsupported.
/// </remarks>
public class UnsupportedConstructTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const string StraightLine = "yet: this version differentiates straight-line code only";

    /// <summary>One unsupported construct: the members of <c>Fns</c> with the expected locations marked, and the diagnostics in source order.</summary>
    public sealed record Construct(string Members, ExpectedDiagnostic[] Expected, string Types = "", bool AllowUnsafe = false);

    private static ExpectedDiagnostic ADIFF004(params string[] message) => new("ADIFF004", Error, message);

    private static TestCaseData Case(string name, string members, params ExpectedDiagnostic[] expected) =>
        new TestCaseData(new Construct(members, expected)).SetName(name);

    private static TestCaseData Case(string name, Construct construct) => new TestCaseData(construct).SetName(name);

    private static IEnumerable<TestCaseData> Constructs()
    {
        // ---- loops and jumps with no lowering yet
        yield return Case("foreach_over_a_list",
            "[Differentiable] public static double F(double x, System.Collections.Generic.List<double> a) { double s = x; [|foreach|] (var v in a) s += v; return s; }",
            ADIFF004("a 'foreach' loop over something other than an array or span"));
        yield return Case("loop_assigning_an_object_local",
            "[Differentiable] public static double F(double x, int n, TimeSpan s) { var t = s; [|for|] (int i = 0; i < n; i++) t = s; return x; }",
            ADIFF004("a loop that assigns 't' of type 'global::System.TimeSpan'"));
        yield return Case("goto_and_label",
            "[Differentiable] public static double F(double x) { [|goto|] done; [|done|]: return x; }",
            ADIFF004("'goto'"), ADIFF004("a labelled statement"));

        // ---- exceptions and resources
        yield return Case("try_catch",
            "[Differentiable] public static double F(double x) { [|try|] { x = x * 2; } catch (Exception) { x = 0; } return x; }",
            ADIFF004("a 'try' statement"));
        yield return Case("try_finally",
            "[Differentiable] public static double F(double x) { [|try|] { x = x * 2; } finally { } return x; }",
            ADIFF004("a 'try' statement"));
        yield return Case("throw_statement",
            "[Differentiable] public static double F(double x) { [|throw|] new InvalidOperationException(); }",
            ADIFF004("a method that throws on every path"));
        yield return Case("throw_expression_body",
            "[Differentiable] public static double F(double x) => [|throw new NotImplementedException()|];",
            ADIFF004("a method that throws on every path"));
        yield return Case("lock",
            "[Differentiable] public static double F(double x) { [|lock|] (typeof(Fns)) { x = x * 2; } return x; }",
            ADIFF004("a 'lock' statement"));
        yield return Case("using_statement",
            "[Differentiable] public static double F(double x) { [|using|] (new System.IO.MemoryStream()) { x = x * 2; } return x; }",
            ADIFF004("a 'using' statement"));
        yield return Case("using_declaration",
            "[Differentiable] public static double F(double x) { [|using|] var s = new System.IO.MemoryStream(); return x; }",
            ADIFF004("a 'using' declaration"));

        // ---- functions inside the body
        yield return Case("lambda",
            "[Differentiable] public static double F(double x) { Func<double, double> f = [|v => v * v|]; return x; }",
            ADIFF004("a lambda"));
        yield return Case("anonymous_method",
            "[Differentiable] public static double F(double x) { Func<double, double> f = [|delegate (double v) { return v * v; }|]; return x; }",
            ADIFF004("an anonymous method"));
        yield return Case("local_function",
            "[Differentiable] public static double F(double x) { double [|Sq|](double v) => v * v; return Sq(x); }",
            ADIFF004("a local function"));
        yield return Case("linq_query",
            "[Differentiable] public static double F(double x, [NoDerivative] double[] a) { var q = [|from v in a select v * 2|]; return x; }",
            ADIFF004("a LINQ query"));

        // ---- iterators and async: the return type is reported too
        yield return Case("await_in_async_method",
            "[Differentiable] public static async [|Task<double>|] F(double x) { [|await Task.Yield()|]; return x; }",
            new ExpectedDiagnostic("ADIFF002", Error, "'F' returns 'System.Threading.Tasks.Task<double>'"), ADIFF004("'await'"));
        yield return Case("yield_return",
            "[Differentiable] public static [|IEnumerable<double>|] F(double x) { [|yield|] return x; }",
            new ExpectedDiagnostic("ADIFF002", Error, "'F' returns 'System.Collections.Generic.IEnumerable<double>'"), ADIFF004("'yield'"));

        // ---- unsafe code and dynamic
        yield return Case("unsafe_block_with_a_pointer", new Construct(
            "[Differentiable] public static double F(double x) { [|unsafe|] { double* p = &x; x = *p * 2; } return x; }",
            new[] { ADIFF004("an 'unsafe' block") }, AllowUnsafe: true));
        yield return Case("dynamic",
            "[Differentiable] public static double F(double x) { double y = [|(dynamic)x * 2.0|]; return y; }",
            ADIFF004("a 'dynamic' operation"));

        // ---- objects, arrays, strings, patterns, tuples
        yield return Case("object_creation",
            "[Differentiable] public static double F(double x) { var o = [|new object()|]; return x; }",
            ADIFF004("object creation ('new')"));
        yield return Case("array_with_three_dimensions",
            "[Differentiable] public static double F(double x) { var a = [|new double[2, 2, 2]|]; return x; }",
            ADIFF004("an array of more than two dimensions", "flat double[]"));
        yield return Case("spread_in_a_collection_expression",
            "[Differentiable] public static double F(double x, double[] b) { double[] a = [|[x, .. b]|]; return a[0]; }",
            ADIFF004("a spread element '..' in a collection expression", "write the elements out"));
        yield return Case("buffer_created_inside_a_loop_with_a_size_computed_there",
            "[Differentiable] public static double F(double x, int n) { double s = x; for (int i = 0; i < n; i++) { var h = [|new double[i + 1]|]; h[0] = x; s += h[0]; } return s; }",
            ADIFF004("creating a buffer inside a loop or branch with a size computed there", "largest size it needs"));
        yield return Case("buffer_created_in_a_branch_and_used_after_it",
            "[Differentiable] public static double F(double x, bool c) { double[] h = new double[1]; if (c) h = [|new double[2]|]; h[0] = x; return h[0]; }",
            ADIFF004("a buffer created inside a loop or branch and used after it", "create it before the loop or branch"));
        yield return Case("element_access_on_a_list",
            "[Differentiable] public static double F(double x, System.Collections.Generic.List<double> a) => x * [|a[0]|];",
            ADIFF004("element access '[]'"));
        yield return Case("is_pattern",
            "[Differentiable] public static double F(double x) { bool b = [|x is > 0|]; return x; }",
            ADIFF004("pattern matching ('is')"));

        // ---- calls and operators
        yield return Case("discarded_call_statement",
            "[Differentiable] public static double F(double x) { [|Console.WriteLine(x)|]; return x; }",
            new ExpectedDiagnostic("ADIFF005", Error, "'System.Console.WriteLine'", "result is discarded"));
        yield return Case("out_argument",
            "[Differentiable] public static double F(double x) { bool ok = double.TryParse(\"1\", [|out var v|]); return x * v; }",
            ADIFF004("a 'ref' or 'out' argument"));
        yield return Case("argument_for_a_ref_readonly_parameter", new Construct(
            "[Differentiable] public static double F(double x) => H.G([|in x|]);",
            new[] { ADIFF004("an argument for the 'ref readonly' parameter 'v' of 'G'", "make that parameter 'in'") },
            "public static class H { public static double G(ref readonly double v) => v; }"));
        yield return Case("ref_local",
            "[Differentiable] public static double F(double x) { ref double [|r = ref x|]; return r; }",
            ADIFF004("a 'ref' local"));
        yield return Case("null_coalescing",
            "[Differentiable] public static double F(double x, [NoDerivative] double? y) => x * ([|y ?? 1.0|]);",
            ADIFF004("the operator '??'"));
        yield return Case("user_defined_operator_on_a_struct", new Construct(
            "[Differentiable] public static double F(double x, [NoDerivative] V a, [NoDerivative] V b) { var v = [|a + b|]; return x; }",
            new[] { ADIFF004("the user-defined operator 'op_Addition'") }, VectorStruct));
        yield return Case("user_defined_conversion", new Construct(
            "[Differentiable] public static double F(double x, [NoDerivative] V a) => x * [|a|];",
            new[] { ADIFF004("a user-defined conversion") }, VectorStruct));
        yield return Case("null_constant",
            "[Differentiable] public static double F(double x) { string? s = [|null|]; return x; }",
            ADIFF004("'null'"));
        yield return Case("discard_assignment",
            "[Differentiable] public static double F(double x) { [|_|] = x * 2; return x; }",
            ADIFF004("an assignment to '_'"));
    }

    private const string VectorStruct = """
        public struct V
            {
                public double A;
                public static V operator +(V a, V b) => new V { A = a.A + b.A };
                public static implicit operator double(V v) => v.A;
            }
        """;

    private static string Source(Construct construct) => DiagnosticCase.Source(
        "    " + construct.Types + "\n    public static partial class Fns\n    {\n        " + construct.Members + "\n    }");

    [TestCaseSource(nameof(Constructs))]
    public void Unsupported_construct_is_reported_at_the_construct_and_nothing_is_generated(Construct construct) => AssertUnsupported(construct);

    private static void AssertUnsupported(Construct construct)
    {
        var c = DiagnosticCase.For(Source(construct), construct.AllowUnsafe);

        c.AssertAnalyzer(construct.Expected);
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void Local_function_is_reported_within_its_declaration_and_nothing_is_generated()
    {
        // The location-agnostic half of the ignored local_function case above.
        const string declaration = "double Sq(double v) => v * v;";
        var c = DiagnosticCase.For(Source(new Construct(
            "[Differentiable] public static double F(double x) { " + declaration + " return Sq(x); }", System.Array.Empty<ExpectedDiagnostic>())));

        var diagnostics = c.Run.AnalyzerDiagnostics();
        Assert.That(diagnostics, Has.Length.EqualTo(1));
        int start = c.Text.IndexOf(declaration, System.StringComparison.Ordinal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(diagnostics[0].Id, Is.EqualTo("ADIFF004"));
            Assert.That(diagnostics[0].Severity, Is.EqualTo(Error));
            Assert.That(diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), Does.Contain("a local function"));
            Assert.That(diagnostics[0].Location.SourceSpan.Start, Is.InRange(start, start + declaration.Length));
            Assert.That(diagnostics[0].Location.SourceSpan.End, Is.InRange(start, start + declaration.Length));
        }
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void Local_function_declared_after_the_return_is_reported()
    {
        var c = DiagnosticCase.For(Source(new Construct(
            "[Differentiable] public static double F(double x) { return x * Sq(2.0); static double [|Sq|](double v) => v * v; }",
            System.Array.Empty<ExpectedDiagnostic>())));

        c.AssertAnalyzer(ADIFF004("a local function"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void Pointer_code_in_an_unsafe_block_is_rejected_and_nothing_is_generated()
    {
        // The location-agnostic half of the ignored unsafe case above: whatever is reported, it is an
        // error inside the unsafe block and no code is generated.
        const string block = "unsafe { double* p = &x; x = *p * 2; }";
        var c = DiagnosticCase.For(Source(new Construct(
            "[Differentiable] public static double F(double x) { " + block + " return x; }", System.Array.Empty<ExpectedDiagnostic>())), allowUnsafe: true);

        var diagnostics = c.Run.AnalyzerDiagnostics();
        int start = c.Text.IndexOf(block, System.StringComparison.Ordinal);
        Assert.That(diagnostics, Is.Not.Empty);
        foreach (var d in diagnostics)
        {
            Assert.That(d.Id, Is.EqualTo("ADIFF004"));
            Assert.That(d.Location.SourceSpan.Start, Is.InRange(start, start + block.Length));
        }
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void A_bad_method_does_not_stop_a_good_one_in_the_same_file()
    {
        var c = DiagnosticCase.For(Source(new Construct("""
            [Differentiable] public static double Bad(double x) { [|Console.WriteLine(x)|]; return x; }
                    [Differentiable] public static double Good(double x) => x * x;
            """, System.Array.Empty<ExpectedDiagnostic>())));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "result is discarded"));
        c.AssertGenerated("Demo.Fns.Good.g.cs");
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();

        using var loaded = c.Run.Load();
        var args = new object?[] { 3.0, null };
        Assert.That(loaded.Invoke("Demo.Fns", "GoodGradient", args), Is.EqualTo(9.0));
        Assert.That(args[1], Is.EqualTo(6.0));
    }
}
