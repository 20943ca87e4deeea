using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using AutoDiff.Generator.Ir;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// One or more tests per diagnostic in <c>DiagnosticDescriptors</c>: the smallest source that triggers it,
/// the exact set of IDs, the severity, the exact location (marked <c>[|like this|]</c> in the source), a
/// message that names the construct, and, for errors, that the generator emits nothing for the method,
/// throws nothing, and leaves no error in generated code. Next to each, the nearest valid source that
/// must not report it.
/// </summary>
/// <remarks>
/// ADIFF099 (internal error) is not tested: it is only reported when the frontend or the emitter throws,
/// and no legitimate input found so far makes them throw.
/// </remarks>
public class DiagnosticTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;
    private const DiagnosticSeverity Info = DiagnosticSeverity.Info;

    /// <summary><paramref name="members"/> inside <c>public static partial class Fns</c> in namespace Demo.</summary>
    private static string InFns(string members, string types = "") => DiagnosticCase.Source(
        types + "\n    public static partial class Fns\n    {\n        " + members + "\n    }");

    // ---- ADIFF001 containing type not partial ------------------------------------------------------

    [Test]
    public void ADIFF001_containing_type_not_partial()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public static class [|Fns|]
                {
                    [Differentiable]
                    public static double F(double x) => x * x;
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF001", Error, "'Fns'", "'F'", "partial"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF001_enclosing_type_of_a_nested_type_not_partial()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public class [|Outer|]
                {
                    public static partial class Fns
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF001", Error, "'Outer'", "'F'", "partial"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF001_every_non_partial_type_in_the_chain_is_reported()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public class [|Outer|]
                {
                    public static class [|Fns|]
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            """));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF001", Error, "'Outer'", "'F'"),
            new ExpectedDiagnostic("ADIFF001", Error, "'Fns'", "'F'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF001_not_reported_when_every_enclosing_type_is_partial()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial class Outer
                {
                    public static partial class Fns
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Outer.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF002 unsupported return type ----------------------------------------------------------

    [TestCase("int", "=> 2;", "'int'")]
    [TestCase("long", "=> 2;", "'long'")]
    [TestCase("void", "{ }", "'void'")]
    [TestCase("Task<double>", "=> Task.FromResult(2.0);", "'System.Threading.Tasks.Task<double>'")]
    public void ADIFF002_unsupported_return_type(string returnType, string body, string shownType)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static [|{returnType}|] F(double x) {body}"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF002", Error, "'F' returns " + shownType, "double or float"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF002_ref_return()
    {
        var c = DiagnosticCase.For(InFns("""
            static double s;
                    [Differentiable] public static [|ref double|] F(double x) => ref s;
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF002", Error, "'F' returns 'ref double'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [TestCase("double")]
    [TestCase("float")]
    public void ADIFF002_not_reported_for_double_or_float(string type)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static {type} F({type} x) => x * x;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF003 unsupported parameter ------------------------------------------------------------

    [TestCase("[|ref double x|]", "x", "'ref' parameters")]
    [TestCase("double y, [|out double x|]", "{ x = 1; return y; }", "'out' parameters")]
    [TestCase("double y, [|dynamic x|]", "y", "'dynamic' parameters")]
    [TestCase("double y, [|Span<double> x|]", "y", "writable Span", "vector-valued", "[NoDerivative]")]
    [TestCase("double y, [|[NoDerivative] ref double x|]", "y", "'ref' parameters")]
    public void ADIFF003_unsupported_parameter(string parameters, string body, params string[] reason)
    {
        string member = body.StartsWith('{')
            ? $"[Differentiable] public static double F({parameters}) {body}"
            : $"[Differentiable] public static double F({parameters}) => {body};";
        var c = DiagnosticCase.For(InFns(member));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF003", Error, reason.Prepend("Parameter 'x'").ToArray()));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF003_pointer_parameter()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static unsafe double F(double y, [|double* x|]) => y;"), allowUnsafe: true);

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF003", Error, "Parameter 'x'", "pointer parameters"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF003_each_bad_parameter_is_reported_at_itself()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F([|ref double a|], double b, [|Span<double> c|]) => b;"));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF003", Error, "Parameter 'a'", "'ref'"),
            new ExpectedDiagnostic("ADIFF003", Error, "Parameter 'c'", "Span"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF012_write_to_an_input_array_is_reported_at_the_assignment()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double[] x, [NoDerivative] double[] d) { [|x[0] = 1|]; [|d[1] += x[0]|]; return x[0]; }"));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF012", Error, "'x'", "local buffer"),
            new ExpectedDiagnostic("ADIFF012", Error, "'d'", "local buffer"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF012_not_reported_for_a_local_buffer()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double[] x) { var y = new double[2]; y[0] = x[0]; y[1] += y[0] * 2; return y[1]; }"));

        c.AssertAnalyzer();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF003_not_reported_for_an_array_marked_NoDerivative()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double y, [NoDerivative] double[] x) => y * y * x.Length;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();

        // The array is passed through as data: it gets no derivative parameter.
        using var loaded = c.Run.Load();
        var args = new object?[] { 3.0, new double[] { 1, 2 }, null };
        Assert.That(loaded.Invoke("Demo.Fns", "FGradient", args), Is.EqualTo(18.0));
        Assert.That(args[2], Is.EqualTo(12.0));
    }

    [Test]
    public void ADIFF003_not_reported_for_int_and_bool_parameters()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x, int n, bool b) => x * n;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF004 unsupported construct: see UnsupportedConstructTests ------------------------------

    // ---- ADIFF005 call without a derivative --------------------------------------------------------

    private const string Helpers = """
        [System.Diagnostics.Contracts.Pure] static double Helper(double v) => v * 2;
                [System.Diagnostics.Contracts.Pure] static double IntHelper(int n) => n * 2;
        """;

    [Test]
    public void ADIFF005_call_to_a_user_method_with_an_active_argument()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x) => [|Helper(x)|] + 1;
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Helper'", "no derivative"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF005_not_reported_when_the_argument_passes_through_StopGradient()
    {
        var c = DiagnosticCase.For(InFns(
            "[System.Diagnostics.Contracts.Pure] static double Helper(double v) => v * 2;\n" +
            "        [Differentiable] public static double F(double x) => x * Helper(Ad.StopGradient(x));"));

        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources, Has.Count.EqualTo(1));
    }

    [Test]
    public void ADIFF005_not_reported_for_a_call_to_a_Differentiable_method()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double Helper(double v) => v * v;\n" +
            "        [Differentiable] public static double F(double x) => x * Helper(x);"));

        // No ADIFF005, and no ADIFF014 either: F's Hvp calls Helper's VjpTangent.
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources, Has.Count.EqualTo(2));
        Assert.That(c.Run.GeneratedSources.Single(s => s.Key.EndsWith(".F.g.cs")).Value, Does.Contain("FHvp(").And.Contain("HelperVjpTangent("));
    }

    [Test]
    public void ADIFF005_not_reported_for_a_Differentiable_method_on_another_object()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double F(double x, Model m) => x * m.Scale(x);",
            "public partial class Model { [Differentiable] public double Scale(double v) => v * 2; }"));

        // Its companions are called on the receiver (issue 16; Calls/InstanceReceiverTests).
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.Generated("Demo.Fns.F.g.cs"), Does.Contain("m.ScaleVjp(").And.Contain("m.ScaleVjpTangent("));
    }

    [TestCase("public static double [|Rule|](double v) => 1;", "no method named 'Missing'", "Missing")]
    [TestCase("public static double [|Rule|](float v) => 1;", "no overload", "Target")]
    [TestCase("public static float [|Rule|](double v) => 1;", "must return double", "Target")]
    public void ADIFF013_invalid_derivative_rule(string rule, string problem, string target)
    {
        var c = DiagnosticCase.For(InFns(
            "public static double Target(double v) => v;\n" +
            "        [DerivativeOf(typeof(Fns), \"" + target + "\")] " + rule));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'Rule'", problem));
    }

    [TestCase("public static double [|Rule|](double v) => 1;", "receiver first")]
    [TestCase("public double [|Rule|](Model model, double v) => 1;", "must be static")]
    [TestCase("public static double [|Rule|](string s, double v) => 1;", "no overload")]
    public void ADIFF013_invalid_rule_for_an_instance_method(string rule, string problem)
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source(
            "public partial class Model\n    {\n        public double Target(double v) => v;\n" +
            "        [DerivativeOf(typeof(Model), nameof(Target))] " + rule + "\n    }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'Rule'", problem));
    }

    [Test]
    public void ADIFF013_not_reported_for_a_rule_for_an_instance_method_and_the_call_is_differentiated()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source(
            "public partial class Model\n    {\n        public double Target(double v) => v * v;\n" +
            "        [DerivativeOf(typeof(Model), nameof(Target))] public static double Rule(Model model, double v) => 2 * v;\n" +
            "        [Differentiable] public double F(double x) => [|Target(x)|] + this.Target(2 * x);\n    }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Rule'", "mark it [Differentiable]"));
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Values.Single(), Does.Contain("this.Target(").And.Contain("Rule(this, "));
    }

    [Test]
    public void ADIFF013_two_rules_for_one_target()
    {
        var c = DiagnosticCase.For(InFns(
            "public static double Target(double v) => v;\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Target))] public static double [|One|](double v) => 1;\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Target))] public static double [|Two|](double v) => 1;"));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF013", Error, "'One'", "another [DerivativeOf] method"),
            new ExpectedDiagnostic("ADIFF013", Error, "'Two'", "another [DerivativeOf] method"));
    }

    [Test]
    public void ADIFF013_not_reported_for_a_valid_rule_and_the_call_is_differentiated()
    {
        var c = DiagnosticCase.For(InFns(
            "public static double Target(double v, double w) => v * w;\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Target))] public static (double, double) Rule(double v, double w) => (w, v);\n" +
            "        [Differentiable] public static double F(double x) => [|Target(x, x * x)|];"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Rule'", "several partials"));
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources, Has.Count.EqualTo(1));
    }

    [Test]
    public void ADIFF099_an_internal_failure_becomes_a_diagnostic_not_an_exception()
    {
        // No valid input is known to break the pipeline (that would be a bug to fix), so the safety net is
        // exercised with a model whose IR returns a value nothing defines.
        var broken = new IrFunction("F",
            new[] { new IrParam(0, "x", TypeRef.Double) }.ToEquatableArray(),
            EquatableArray<Instr>.Empty,
            new[] { new IrResult("value", 42) }.ToEquatableArray());
        var model = new AutoDiff.Generator.Frontend.MethodModel("Demo.Fns.F.g.cs", "Demo",
            new[] { new AutoDiff.Generator.Frontend.ContainingType("partial class", "Fns") }.ToEquatableArray(),
            "public", true, "F", TypeRef.Double,
            new[] { new AutoDiff.Generator.Frontend.ParameterModel("x", TypeRef.Double, true) }.ToEquatableArray(), broken);

        var file = DifferentiableGenerator.Generate(model, default);

        Assert.That(file.Source, Is.Null, "nothing is emitted");
        Assert.That(file.Error, Is.Not.Null.And.Not.Empty, "the failure is reported as ADIFF099");
        Assert.That(AutoDiff.Generator.Diagnostics.DiagnosticDescriptors.InternalError.Id, Is.EqualTo("ADIFF099"));
    }

    [Test]
    public void ADIFF005_active_argument_through_a_local()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x) { double t = 3 * x; double h = [|Helper(t)|]; return h * x; }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Helper'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF005_not_reported_when_the_argument_is_an_int_parameter()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x, int n) => x * IntHelper(n);
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [Test]
    public void ADIFF005_not_reported_when_the_argument_is_a_constant()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x) => x * Helper(2.0);
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [Test]
    public void ADIFF005_not_reported_when_the_result_is_unused_and_the_argument_is_used_nowhere_else()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x) { var unused = Helper(x); return 2.0; }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [Test]
    public void ADIFF005_not_reported_when_the_result_is_unused()
    {
        var c = DiagnosticCase.For(InFns(Helpers + """

                    [Differentiable] public static double F(double x) { var unused = Helper(x); return x * x; }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF006 write to a field or property -----------------------------------------------------

    private const string State = """
        double field;
                static double sfield;
                double Prop { get; set; }
        """;

    [TestCase("field = x", "C.field")]
    [TestCase("field += x", "C.field")]
    [TestCase("field++", "C.field")]
    [TestCase("this.field = x", "C.field")]
    [TestCase("sfield = x", "C.sfield")]
    [TestCase("sfield -= x", "C.sfield")]
    [TestCase("++sfield", "C.sfield")]
    [TestCase("C.sfield = x", "C.sfield")]
    [TestCase("Prop = x", "C.Prop")]
    [TestCase("Prop *= x", "C.Prop")]
    [TestCase("Prop--", "C.Prop")]
    public void ADIFF006_write_to_state(string statement, string member)
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source($$"""
                public partial class C
                {
                    {{State}}
                    [Differentiable] public double F(double x) { [|{{statement}}|]; return x; }
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF006", Error, $"'{statement}' writes to '{member}'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF006_write_inside_an_expression()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source($$"""
                public partial class C
                {
                    {{State}}
                    [Differentiable] public double F(double x) { double y = ([|field = x|]) * 2; return y; }
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF006", Error, "'field = x' writes to 'C.field'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF006_not_reported_for_reads_of_state_and_writes_to_locals_and_parameters()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source($$"""
                public partial class C
                {
                    {{State}}
                    [Differentiable] public double F(double x) { double y = field * x; y += sfield; y++; x *= Prop; return x * y; }
                }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.C.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF014 no second-order companions -------------------------------------------------------------

    [Test]
    public void ADIFF014_reported_at_a_rule_without_a_derivative_and_no_Hvp_is_generated()
    {
        var c = DiagnosticCase.For(InFns(
            "public static double Erf(double v) => Math.Tanh(v);\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Erf))] public static double ErfRule(double v) => 1 - Math.Tanh(v) * Math.Tanh(v);\n" +
            "        [Differentiable] public static double F(double x) => x * [|Erf(x * 2)|] + Erf(x);"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'ErfRule'", "'Erf'", "H·v"));
        c.AssertGeneratorClean();
        string source = c.Run.GeneratedSources.Values.Single();
        Assert.That(source, Does.Contain("FGradient(").And.Contain("FJvp(").And.Not.Contain("FHvp(").And.Not.Contain("FHessian("));
    }

    [Test]
    public void ADIFF014_reported_at_a_call_to_a_method_with_second_order_turned_off()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable(SecondOrder = false)] public static double Helper(double v) => v * v;\n" +
            "        [Differentiable] public static double F(double x) => x + [|Helper(x * 2)|];"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Helper'", "SecondOrder = false"));
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Values, Has.All.Not.Contain("Hvp(").And.All.Not.Contain("VjpTangent("));
    }

    [Test]
    public void ADIFF014_reported_at_a_call_whose_callee_is_itself_first_order_only()
    {
        // G is blocked by its rule; F calls G, so F is blocked too, at its call to G.
        var c = DiagnosticCase.For(InFns(
            "public static double Erf(double v) => Math.Tanh(v);\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Erf))] public static double ErfRule(double v) => 1 - Math.Tanh(v) * Math.Tanh(v);\n" +
            "        [Differentiable] public static double G(double x) => [|Erf(x)|] * x;\n" +
            "        [Differentiable] public static double F(double x) => [|G(x)|] + x * x;"));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF014", Info, "'G'", "'ErfRule'", "mark it [Differentiable]"),
            new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'G'", "no second-order companions of its own"));
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF014_not_reported_for_a_Differentiable_rule_and_Hvp_calls_the_rules_Jvp()
    {
        var c = DiagnosticCase.For(InFns(
            "public static double Erf(double v) => Math.Tanh(v);\n" +
            "        [DerivativeOf(typeof(Fns), nameof(Erf))] [Differentiable] public static double ErfRule(double v) => 1 - Math.Tanh(v) * Math.Tanh(v);\n" +
            "        [Differentiable] public static double F(double x) => x * Erf(x * 2);"));

        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Single(s => s.Key.EndsWith(".F.g.cs")).Value, Does.Contain("FHvp(").And.Contain("ErfRuleJvp("));
    }

    [Test]
    public void ADIFF014_not_reported_when_the_call_is_inactive_and_Hvp_is_generated()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double Helper(double v) => v * v;\n" +
            "        [Differentiable] public static double F(double x, double y) => x * x * Helper(3.0) + y * Helper(Ad.StopGradient(y));"));

        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Single(s => s.Key.EndsWith(".F.g.cs")).Value, Does.Contain("FHvp(").And.Contain("FHessian("));
    }

    [Test]
    public void ADIFF014_not_reported_when_second_order_is_turned_off()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable(SecondOrder = false)] public static double Helper(double v) => v * v;\n" +
            "        [Differentiable(SecondOrder = false)] public static double F(double x) => x * Helper(x);"));

        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Values, Has.All.Not.Contain("Hvp(").And.All.Not.Contain("Hessian("));
    }

    // ---- ADIFF007 generated name exists ------------------------------------------------------------

    [TestCase("public static double FGradient(double x) => 0;", "FGradient")]
    [TestCase("public static double FVjp(double x, double seed) => 0;", "FVjp")]
    [TestCase("public static int FJvp => 0;", "FJvp")]
    [TestCase("public static double FJvp;", "FJvp")]
    public void ADIFF007_generated_name_exists(string existing, string name)
    {
        var c = DiagnosticCase.For(InFns(existing + "\n        [Differentiable] public static double [|F|](double x) => x * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF007", Error, $"'{name}'", "'F'", "'Fns'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF007_existing_member_in_another_part_of_the_partial_type()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public static partial class Fns
                {
                    [Differentiable] public static double [|F|](double x) => x * x;
                }
                public static partial class Fns
                {
                    public static double FGradient(double x, out double dx) { dx = 2 * x; return x * x; }
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF007", Error, "'FGradient'", "'F'", "'Fns'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF007_one_diagnostic_per_existing_name()
    {
        var c = DiagnosticCase.For(InFns("""
            public static double FGradient;
                    public static double FVjp;
                    public static double FJvp;
                    [Differentiable] public static double [|[|[|F|]|]|](double x) => x * x;
            """));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF007", Error, "'F'"),
            new ExpectedDiagnostic("ADIFF007", Error, "'F'"),
            new ExpectedDiagnostic("ADIFF007", Error, "'F'"));
        Assert.That(c.Run.AnalyzerDiagnostics().Select(d => d.GetMessage(CultureInfo.InvariantCulture).Split('\'')[1]),
            Is.EquivalentTo(new[] { "FGradient", "FVjp", "FJvp" }));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF007_not_reported_for_an_unrelated_name()
    {
        var c = DiagnosticCase.For(InFns("""
            public static double Gradient(double x) => 0;
                    public static double GGradient(double x) => 0;
                    [Differentiable] public static double F(double x) => x * x;
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF008 derivative lost in a conversion --------------------------------------------------

    [Test]
    public void ADIFF008_cast_of_an_active_value_to_int_warns_and_still_generates()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x) => [|(int)x|] * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", Warning, "'x'", "'int'", "constant"));
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();

        // The truncated value is a constant: d/dx ((int)x * x) = (int)x.
        using var loaded = c.Run.Load();
        var args = new object?[] { 2.5, null };
        Assert.That(loaded.Invoke("Demo.Fns", "FGradient", args), Is.EqualTo(5.0));
        Assert.That(args[1], Is.EqualTo(2.0));
    }

    [Test]
    public void ADIFF008_cast_of_an_active_expression_to_long()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x) { long n = [|(long)(x * 3)|]; return n + x; }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", Warning, "'(x * 3)'", "'long'"));
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [TestCase("double x, int n", "x * (int)n")]
    [TestCase("double x, int n", "x * (long)n")]
    [TestCase("double x, [NoDerivative] double c", "x * (int)c")]
    [TestCase("double x", "x * (int)2.5")]
    [TestCase("double x", "(float)x * x")]
    public void ADIFF008_not_reported_for_an_inactive_or_floating_conversion(string parameters, string body)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static double F({parameters}) => {body};"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF009 nothing to differentiate ---------------------------------------------------------

    [TestCase("int n", "n * 2.0")]
    [TestCase("[NoDerivative] double x", "x * 2.0")]
    [TestCase("int n, [NoDerivative] float y, bool b", "n * y")]
    [TestCase("", "1.0")]
    public void ADIFF009_no_active_parameter(string parameters, string body)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static double [|F|]({parameters}) => {body};"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF009", Warning, "'F'", "no double or float parameter"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF009_not_reported_when_one_parameter_is_active()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(int n, [NoDerivative] double c, float y) => n * c * y;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF010 generic method -------------------------------------------------------------------

    [TestCase("<T>")]
    [TestCase("<T, U>")]
    public void ADIFF010_generic_method(string typeParameters)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static double F[|{typeParameters}|](double x) => x * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", Error, "'F' is generic"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF010_not_reported_for_a_method_of_a_generic_type()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial class Box<T>
                {
                    [Differentiable] public double F(double x) => x * x;
                }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Box{T}.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF011 method without a body ------------------------------------------------------------

    [Test]
    public void ADIFF011_abstract_method()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public abstract partial class Shape
                {
                    [Differentiable] public abstract double [|Area|](double x);
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF011", Error, "'Area'", "no body"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF011_extern_method()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static extern double [|F|](double x);"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF011", Error, "'F'", "no body"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF011_interface_method_without_a_default_body()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial interface IShape
                {
                    [Differentiable] double [|Area|](double x);
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF011", Error, "'Area'", "no body"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF011_not_reported_for_a_partial_method_whose_implementation_has_a_body()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial class Fns
                {
                    [Differentiable] public partial double F(double x);
                    public partial double F(double x) => x * x;
                }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [Test]
    public void ADIFF011_not_reported_when_the_attribute_is_on_the_implementing_part()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial class Fns
                {
                    public partial double F(double x);
                    [Differentiable] public partial double F(double x) => x * x;
                }
            """));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    // ---- several diagnostics at once --------------------------------------------------------------

    [Test]
    public void Signature_and_body_problems_are_all_reported()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static [|int|] F([|ref double a|], double x) { [|lock|] (typeof(Fns)) { x = 2 * x; } [|throw|] new InvalidOperationException(); }
            """));

        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF002", Error, "'int'"),
            new ExpectedDiagnostic("ADIFF003", Error, "'a'"),
            new ExpectedDiagnostic("ADIFF004", Error, "a 'lock' statement"),
            new ExpectedDiagnostic("ADIFF004", Error, "throws on every path"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    // ---- generated code --------------------------------------------------------------------------

    [Test]
    public void Verbatim_keyword_parameters_generate_compilable_code()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double @in, double @double) => @in * @double;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();
    }

    // ---- calls to vector-valued methods ---------------------------------------------------------------------

    private const string Field = "[Differentiable] public static void V(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < y.Length; i++) y[i] = x[i] * x[i]; }\n        ";

    [Test]
    public void ADIFF012_an_input_array_passed_as_a_vector_methods_output()
    {
        var c = DiagnosticCase.For(InFns(Field + "[Differentiable] public static double F(double[] x) { V(x, [|x|]); return x[0]; }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF012", Error, "'x'", "local buffer"));
        c.AssertGenerated("Demo.Fns.V.g.cs");
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_vector_callee_that_creates_a_buffer()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static void V(ReadOnlySpan<double> x, Span<double> y) { Span<double> t = stackalloc double[1]; t[0] = x[0]; y[0] = t[0] * t[0]; }
                    [Differentiable] public static double F(double[] x) { Span<double> k = stackalloc double[1]; [|V(x, k)|]; return k[0]; }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "vector-valued method 'V'", "creates buffers of its own", "another output span"));
        c.AssertGenerated("Demo.Fns.V.g.cs");
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_vector_method_calling_itself()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static void V(ReadOnlySpan<double> x, Span<double> y) { y[0] = x[0] * 2; if (y[0] > 5) [|V(x, y)|]; }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "a recursive call to the vector-valued method 'V'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_buffer_passed_to_a_NoDerivative_span_of_a_vector_method()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static void V(ReadOnlySpan<double> x, [NoDerivative] ReadOnlySpan<double> w, Span<double> y) { y[0] = w[0] * x[0]; }
                    [Differentiable] public static double F(double[] x) { Span<double> k = stackalloc double[1]; k[0] = x[0]; Span<double> r = stackalloc double[1]; V(x, [|k|], r); return r[0]; }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "[NoDerivative] span parameter 'w' of 'V'"));
        c.AssertGenerated("Demo.Fns.V.g.cs");
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_vector_method_called_on_another_object()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double F(double[] x, [NoDerivative] Model m) { Span<double> k = stackalloc double[1]; [|m.V(x, k)|]; return k[0]; }",
            "public sealed partial class Model { [Differentiable] public void V(ReadOnlySpan<double> x, Span<double> y) { y[0] = x[0] * x[0]; } }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "vector-valued method 'V' on another object"));
        c.AssertGenerated("Demo.Model.V.g.cs");
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF014_vector_callee_that_calls_a_method_leaves_the_caller_first_order()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static double Sq(double v) => v * v;
                    [Differentiable] public static void V(ReadOnlySpan<double> x, Span<double> y) { y[0] = Sq(x[0]); }
                    [Differentiable] public static double F(double[] x) { Span<double> k = stackalloc double[1]; [|V(x, k)|]; return k[0]; }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'V'", "H·v"));
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();
        string generated = c.Run.GeneratedSources["Demo.Fns.F.g.cs"];
        Assert.That(generated, Does.Contain("FGradient("));
        Assert.That(generated, Does.Not.Contain("FHvp("));
    }

}

/// <summary>A diagnostic the analyzer must report: its ID, severity and text its message must contain. Its location is the next <c>[|…|]</c> span of the source.</summary>
public sealed record ExpectedDiagnostic(string Id, DiagnosticSeverity Severity, params string[] MessageContains)
{
    public override string ToString() => $"{Id} {Severity} \"…{string.Join("…", MessageContains)}…\"";
}

/// <summary>
/// A test source with its expected diagnostic locations marked <c>[|like this|]</c> (markers may nest when
/// several diagnostics share a span), run through the generator and the analyzer, plus the assertions the
/// diagnostic tests share.
/// </summary>
public sealed class DiagnosticCase
{
    private DiagnosticCase(string source, ImmutableArray<TextSpan> spans, GeneratorRun run)
    {
        Text = source;
        Spans = spans;
        Run = run;
    }

    /// <summary>The source without markers.</summary>
    public string Text { get; }

    /// <summary>The marked spans, ordered by start, then end.</summary>
    public ImmutableArray<TextSpan> Spans { get; }

    public GeneratorRun Run { get; }

    /// <summary><paramref name="body"/> in namespace Demo, after the usings every test may need.</summary>
    public static string Source(string body) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using AutoDiff;

        namespace Demo
        {
        {{body}}
        }
        """;

    /// <summary>Strips the markers from <paramref name="markup"/>, compiles it and runs the generator.</summary>
    public static DiagnosticCase For(string markup, bool allowUnsafe = false)
    {
        var (source, spans) = Parse(markup);
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        if (allowUnsafe) compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));

        // A test whose input does not compile proves nothing about AutoDiff.
        var inputErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(GeneratorHarness.Format).ToList();
        Assert.That(inputErrors, Is.Empty, "the test input itself does not compile:\n" + source);

        return new DiagnosticCase(source, spans, GeneratorHarness.Run(compilation));
    }

    public static (string Source, ImmutableArray<TextSpan> Spans) Parse(string markup)
    {
        var text = new StringBuilder();
        var open = new Stack<int>();
        var spans = new List<TextSpan>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, "[|", 0, 2) == 0)
            {
                open.Push(text.Length);
                i++;
            }
            else if (string.CompareOrdinal(markup, i, "|]", 0, 2) == 0)
            {
                if (open.Count == 0) throw new ArgumentException("'|]' without '[|' in the test source");
                int start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, text.Length));
                i++;
            }
            else
            {
                text.Append(markup[i]);
            }
        }
        if (open.Count != 0) throw new ArgumentException("'[|' without '|]' in the test source");
        return (text.ToString(), spans.OrderBy(s => s.Start).ThenBy(s => s.End).ToImmutableArray());
    }

    /// <summary>
    /// The analyzer reports exactly <paramref name="expected"/>, in source order, each at its marked span
    /// in the input file, with the expected ID, severity, help link and message text.
    /// </summary>
    public void AssertAnalyzer(params ExpectedDiagnostic[] expected)
    {
        Assert.That(Spans, Has.Length.EqualTo(expected.Length), "the test marks a different number of spans than it expects diagnostics");
        ImmutableArray<Diagnostic> actual = Run.AnalyzerDiagnostics();
        string listing = "expected:\n  " + string.Join("\n  ", expected.Select((e, i) => $"{e} at [{Text.Substring(Spans[i].Start, Spans[i].Length)}]")) +
                         "\nactual:\n  " + string.Join("\n  ", actual.Select(Describe));

        Assert.That(actual.Select(d => d.Id).ToArray(), Is.EqualTo(expected.Select(e => e.Id).ToArray()), "diagnostic IDs in source order\n" + listing);
        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < expected.Length; i++)
            {
                Diagnostic d = actual[i];
                string message = d.GetMessage(CultureInfo.InvariantCulture);
                string what = $"diagnostic {i} ({Describe(d)})";
                Assert.That(d.Severity, Is.EqualTo(expected[i].Severity), what + ": severity");
                Assert.That(d.Location.IsInSource && d.Location.SourceTree!.FilePath == "Input0.cs", Is.True, what + ": not located in the input");
                Assert.That(SpanText(d), Is.EqualTo(Text.Substring(Spans[i].Start, Spans[i].Length)), what + ": text under the location");
                Assert.That(d.Location.SourceSpan, Is.EqualTo(Spans[i]), what + ": span");
                foreach (string part in expected[i].MessageContains)
                    Assert.That(message, Does.Contain(part), what + ": message");
                Assert.That(d.Descriptor.HelpLinkUri, Is.Empty.Or.EndWith("docs/diagnostics/" + d.Id + ".md"), what + ": help link");
                Assert.That(d.Descriptor.Description.ToString(CultureInfo.InvariantCulture), Does.Contain("docs/diagnostics/" + d.Id + ".md"), what + ": description names the page");
            }
        }
    }

    /// <summary>The generator produced no file at all (the source holds only methods it must skip).</summary>
    public void AssertNothingGenerated() =>
        Assert.That(Run.GeneratedSources.Keys, Is.Empty, "the generator produced code for a method with errors:\n" + Run.DescribeGenerated());

    /// <summary>The generator produced exactly the files <paramref name="hintNames"/>.</summary>
    public void AssertGenerated(params string[] hintNames) =>
        Assert.That(Run.GeneratedSources.Keys, Is.EquivalentTo(hintNames), Run.DescribeGenerated());

    /// <summary>
    /// The generator threw nothing (no exception, no CS8785), reported nothing (it leaves diagnostics to
    /// the analyzer; ADIFF099 would be an internal error), and no error is located in a generated file.
    /// </summary>
    public void AssertGeneratorClean()
    {
        var generatedTrees = new HashSet<SyntaxTree>(Run.OutputCompilation.SyntaxTrees.Except(Run.InputCompilation.SyntaxTrees));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Run.GeneratorExceptions, Is.Empty, "the generator threw");
            Assert.That(Run.GeneratorDiagnostics.Select(d => d.Id), Has.None.EqualTo("CS8785"), "the generator threw (CS8785)");
            Assert.That(Run.GeneratorDiagnostics.Select(GeneratorHarness.Format), Is.Empty, "the generator reported diagnostics");
            Assert.That(Run.CompilationErrors.Where(d => d.Location.SourceTree is { } tree && generatedTrees.Contains(tree)).Select(GeneratorHarness.Format),
                Is.Empty, "errors in generated code:\n" + Run.DescribeGenerated());
        }
    }

    /// <summary>The source text under a diagnostic's location.</summary>
    public static string SpanText(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree?.GetText().ToString(diagnostic.Location.SourceSpan) ?? "(no source)";

    private static string Describe(Diagnostic d) =>
        $"{d.Id} {d.Severity} at {d.Location.GetLineSpan().StartLinePosition} [{SpanText(d)}] \"{d.GetMessage(CultureInfo.InvariantCulture)}\"";
}
