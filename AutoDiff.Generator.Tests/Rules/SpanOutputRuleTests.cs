using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// [DerivativeOf] rules for functions with span outputs, <c>void Solve(ReadOnlySpan&lt;double&gt; a, ReadOnlySpan&lt;double&gt; b,
/// Span&lt;double&gt; x)</c>: a Vjp rule and a Jvp rule shaped like a vector-valued method's generated companions, used wherever
/// the target is called (a buffer as the output, in loops, the output overwritten and read again, a vector-valued caller),
/// in both modes. Numbers are checked against central finite differences, reverse against forward mode and a hand formula;
/// every companion's primal bit for bit. ADIFF013 for each way such a pair can be wrong.
/// </summary>
public class SpanOutputRuleTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;

    /// <summary>A linear solve (Gaussian elimination with partial pivoting), opaque to the generator, with rules by implicit differentiation.</summary>
    private const string Library = """
        public static class Lin
        {
        """ + "\n" + LinSolveSource.Solve + "\n" + """

            public static void SolveTransposed(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x)
            {
                int n = b.Length;
                var t = new double[n * n];
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
                Solve(t, b, x);
            }
        }

        public static class LinRules
        {
            public static int VjpCalls, JvpCalls;

            // x = A⁻¹b: b̄ += A⁻ᵀx̄, Ā −= (A⁻ᵀx̄)xᵀ. The cotangent is work space: the rule may overwrite it.
            [DerivativeOf(typeof(Lin), nameof(Lin.Solve))]
            public static void SolveVjp(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, Span<double> xAdj, Span<double> aAdj, Span<double> bAdj)
            {
                VjpCalls++;
                int n = b.Length;
                Span<double> lambda = stackalloc double[n];
                Lin.SolveTransposed(a, xAdj, lambda);
                for (int i = 0; i < n; i++)
                {
                    bAdj[i] += lambda[i];
                    for (int j = 0; j < n; j++) aAdj[i * n + j] -= lambda[i] * x[j];
                }
                xAdj.Fill(double.NaN);
            }

            // ẋ = A⁻¹(ḃ − Ȧx).
            [DerivativeOf(typeof(Lin), nameof(Lin.Solve))]
            public static void SolveJvp(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, ReadOnlySpan<double> aDot, ReadOnlySpan<double> bDot, Span<double> xDot)
            {
                JvpCalls++;
                Lin.Solve(a, b, x);
                int n = b.Length;
                Span<double> r = stackalloc double[n];
                for (int i = 0; i < n; i++)
                {
                    double s = bDot[i];
                    for (int j = 0; j < n; j++) s -= aDot[i * n + j] * x[j];
                    r[i] = s;
                }
                Lin.Solve(a, r, xDot);
            }
        }
        """;

    private const string Callers = """
        public static partial class Fns
        {
            [Differentiable]
            public static double Loss(double[] a, double[] b)
            {
                Span<double> x = stackalloc double[b.Length];
                Lin.Solve(a, b, x);
                double s = 0;
                for (int i = 0; i < x.Length; i++) s += (i + 1) * x[i] * x[i];
                return s;
            }

            // The output is overwritten by each step and read by the next step's call through y: the reverse sweep puts
            // x back for each Vjp.
            [Differentiable]
            public static double Iterated(double[] a, double[] b)
            {
                int n = b.Length;
                var y = new double[n];
                for (int i = 0; i < n; i++) y[i] = b[i];
                var x = new double[n];
                double s = 0;
                for (int k = 0; k < 3; k++)
                {
                    Lin.Solve(a, y, x);
                    for (int i = 0; i < n; i++) { s += x[i]; y[i] = Math.Sin(x[i]) + b[i]; }
                }
                x[0] = 2 * x[0]; // written after the last call: put back before its Vjp
                return s + y[0] * y[n - 1] + x[0];
            }

            // The call in one branch, a write in the other.
            [Differentiable]
            public static double Branched(double[] a, double[] b)
            {
                var x = new double[b.Length];
                if (b[0] > 0) Lin.Solve(a, b, x);
                else x[0] = b[0];
                return x[0] * x[1] + Math.Exp(x[2]);
            }
        }
        """;

    public delegate double Fn(double[] a, double[] b);

    public delegate double Gradient(double[] a, double[] b, Span<double> da, Span<double> db);

    public delegate double Jvp(double[] a, double[] b, ReadOnlySpan<double> aDot, ReadOnlySpan<double> bDot, out double tangent);

    public delegate double Vjp(double[] a, double[] b, double seed, Span<double> aAdj, Span<double> bAdj);

    private static readonly double[] A = { 2.0, 0.3, -0.4, 0.5, 1.7, 0.2, -0.1, 0.6, 2.4 };

    private static readonly double[] B = { 0.7, -0.3, 0.9 };

    private static GeneratorRun Run(string callers) => GeneratorHarness.Run(DiagnosticCase.Source(Library + callers));

    [TestCase("Loss", true)]
    [TestCase("Iterated", true)]
    [TestCase("Branched", true)]
    [TestCase("Iterated", false)]
    public void Both_modes_go_through_the_rules_and_agree_with_finite_differences(string method, bool optimize)
    {
        var run = optimize ? Run(Callers) : GeneratorHarness.RunWith(HarnessOptions.Unoptimized, DiagnosticCase.Source(Library + Callers));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var f = loaded.Delegate<Fn>("Demo.Fns", method);
        var gradient = loaded.Delegate<Gradient>("Demo.Fns", method + "Gradient");
        var jvp = loaded.Delegate<Jvp>("Demo.Fns", method + "Jvp");
        var vjp = loaded.Delegate<Vjp>("Demo.Fns", method + "Vjp");
        var rules = loaded.Type("Demo.LinRules");
        int Count(string field) => (int)rules.GetField(field)!.GetValue(null)!;
        int vjpCalls = Count("VjpCalls"), jvpCalls = Count("JvpCalls");

        var da = new double[A.Length];
        var db = new double[B.Length];
        double value = gradient(A, B, da, db);
        Assert.That(value, Is.EqualTo(f(A, B)), "the gradient's primal, bit for bit");
        Assert.That(Count("VjpCalls"), Is.GreaterThan(vjpCalls), "reverse mode called the Vjp rule");
        for (int i = 0; i < A.Length; i++)
        {
            int at = i;
            Assert.That(da[i], Is.EqualTo(Central(v => f(With(A, at, v), B), A[i])).Within(1e-6), "∂/∂a[" + i + "]");
        }
        for (int i = 0; i < B.Length; i++)
        {
            int at = i;
            Assert.That(db[i], Is.EqualTo(Central(v => f(A, With(B, at, v)), B[i])).Within(1e-6), "∂/∂b[" + i + "]");
        }

        var aDot = A.Select((_, i) => Math.Cos(i)).ToArray();
        var bDot = new[] { 0.5, -1.0, 0.25 };
        double jvpValue = jvp(A, B, aDot, bDot, out double tangent);
        Assert.That(jvpValue, Is.EqualTo(value), "the Jvp's primal, bit for bit");
        Assert.That(Count("JvpCalls"), Is.GreaterThan(jvpCalls), "forward mode called the Jvp rule");
        Assert.That(tangent, Is.EqualTo(da.Zip(aDot, (p, q) => p * q).Sum() + db.Zip(bDot, (p, q) => p * q).Sum()).Within(1e-9), "forward against reverse mode");

        var aAdj = Enumerable.Repeat(1.0, A.Length).ToArray();
        var bAdj = Enumerable.Repeat(-1.0, B.Length).ToArray();
        Assert.That(vjp(A, B, 0.5, aAdj, bAdj), Is.EqualTo(value), "the Vjp's primal, bit for bit");
        for (int i = 0; i < A.Length; i++) Assert.That(aAdj[i], Is.EqualTo(1 + 0.5 * da[i]).Within(1e-12));
        for (int i = 0; i < B.Length; i++) Assert.That(bAdj[i], Is.EqualTo(-1 + 0.5 * db[i]).Within(1e-12));
    }

    [Test]
    public void The_gradient_through_a_diagonal_solve_is_the_hand_formula()
    {
        var run = Run(Callers);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var gradient = loaded.Delegate<Gradient>("Demo.Fns", "LossGradient");
        // A = diag(d): x_i = b_i/d_i, L = Σ (i+1)·b_i²/d_i², ∂L/∂b_i = 2(i+1)b_i/d_i², ∂L/∂d_i = −2(i+1)b_i²/d_i³, and
        // ∂L/∂a_ij = −λ_i x_j with λ_i = 2(i+1)x_i/d_i off the diagonal too.
        var d = new[] { 2.0, -1.5, 0.8 };
        var a = new double[9];
        for (int i = 0; i < 3; i++) a[i * 3 + i] = d[i];
        var da = new double[9];
        var db = new double[3];
        double value = gradient(a, B, da, db);
        Assert.That(value, Is.EqualTo(Enumerable.Range(0, 3).Sum(i => (i + 1) * B[i] * B[i] / (d[i] * d[i]))).Within(1e-12));
        for (int i = 0; i < 3; i++)
        {
            Assert.That(db[i], Is.EqualTo(2 * (i + 1) * B[i] / (d[i] * d[i])).Within(1e-12), "∂/∂b[" + i + "]");
            for (int j = 0; j < 3; j++)
            {
                double lambda = 2 * (i + 1) * (B[i] / d[i]) / d[i];
                Assert.That(da[i * 3 + j], Is.EqualTo(-lambda * B[j] / d[j]).Within(1e-12), "∂/∂a[" + i + ", " + j + "]");
            }
        }
    }

    /// <summary>
    /// A rule can hand the call on to the generated companions of a [Differentiable] vector-valued twin: the shapes are the
    /// same. The target takes a scalar input too (a <c>ref</c> adjoint, a scalar tangent).
    /// </summary>
    private const string Twins = """
        public static class Flow
        {
            // y[i] = k·Σ_{j≤i} sin x[j]
            public static void Cumulate(ReadOnlySpan<double> x, double k, Span<double> y)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++) { s += Math.Sin(x[i]); y[i] = k * s; }
            }
        }

        public static partial class Twin
        {
            [Differentiable]
            public static void Cumulate(ReadOnlySpan<double> x, double k, Span<double> y)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++) { s += Math.Sin(x[i]); y[i] = k * s; }
            }
        }

        public static class FlowRules
        {
            [DerivativeOf(typeof(Flow), nameof(Flow.Cumulate))]
            public static void CumulateVjp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj, ref double kAdj) =>
                Twin.CumulateVjp(x, k, y, yAdj, xAdj, ref kAdj);

            [DerivativeOf(typeof(Flow), nameof(Flow.Cumulate))]
            public static void CumulateJvp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, Span<double> yDot) =>
                Twin.CumulateJvp(x, k, y, xDot, kDot, yDot);
        }

        public static partial class Fns
        {
            [Differentiable]
            public static double Flowed(double[] x, double k)
            {
                var y = new double[x.Length];
                Flow.Cumulate(x, k * k, y);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * y[i] * x[i];
                return s;
            }

            // A vector-valued caller: its output span is the rule's output.
            [Differentiable]
            public static void Field(double[] x, double k, Span<double> y)
            {
                Flow.Cumulate(x, 2 * k, y);
            }

            // ... and written again after the call.
            [Differentiable]
            public static void Squared(double[] x, double k, Span<double> y)
            {
                Flow.Cumulate(x, k, y);
                for (int i = 0; i < y.Length; i++) y[i] = y[i] * y[i];
            }
        }
        """;

    public delegate double ScalarGradient(double[] x, double k, Span<double> dx, out double dk);

    public delegate double ScalarJvp(double[] x, double k, ReadOnlySpan<double> xDot, double kDot, out double tangent);

    public delegate void FieldFn(double[] x, double k, Span<double> y);

    public delegate void FieldJacobian(double[] x, double k, Span<double> y, Span<double> jacobian);

    [Test]
    public void Rules_handing_on_to_a_twin_s_generated_companions_agree_with_finite_differences()
    {
        var run = Run(Twins);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var x = new[] { 0.3, -0.8, 1.1, 0.4 };
        const double k = 0.9;
        double F(double[] xs, double kk) => (double)loaded.Invoke("Demo.Fns", "Flowed", new object?[] { xs, kk })!;
        var gradient = loaded.Delegate<ScalarGradient>("Demo.Fns", "FlowedGradient");
        var dx = new double[x.Length];
        double value = gradient(x, k, dx, out double dk);
        Assert.That(value, Is.EqualTo(F(x, k)), "the primal, bit for bit");
        Assert.That(dk, Is.EqualTo(Central(v => F(x, v), k)).Within(1e-6), "∂/∂k");
        for (int i = 0; i < x.Length; i++)
        {
            int at = i;
            Assert.That(dx[i], Is.EqualTo(Central(v => F(With(x, at, v), k), x[i])).Within(1e-6), "∂/∂x[" + i + "]");
        }
        var xDot = new[] { 1.0, -0.5, 0.25, 2.0 };
        var jvp = loaded.Delegate<ScalarJvp>("Demo.Fns", "FlowedJvp");
        Assert.That(jvp(x, k, xDot, 0.7, out double tangent), Is.EqualTo(value), "the Jvp's primal, bit for bit");
        Assert.That(tangent, Is.EqualTo(dk * 0.7 + dx.Zip(xDot, (p, q) => p * q).Sum()).Within(1e-9), "forward against reverse mode");

        // The vector-valued caller's Jacobian (through its Jvp or Vjp, whichever is fewer) against the hand formula:
        // ∂y_i/∂x_j = 2k·cos x_j for j ≤ i, ∂y_i/∂k = 2·Σ_{j≤i} sin x_j.
        var field = loaded.Delegate<FieldFn>("Demo.Fns", "Field");
        var jacobian = loaded.Delegate<FieldJacobian>("Demo.Fns", "FieldJacobian");
        var y = new double[x.Length];
        var expected = new double[x.Length];
        field(x, k, expected);
        var J = new double[x.Length * (x.Length + 1)];
        jacobian(x, k, y, J);
        Assert.That(y, Is.EqualTo(expected), "the Jacobian's outputs, bit for bit");
        int columns = x.Length + 1;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < x.Length; j++) Assert.That(J[i * columns + j], Is.EqualTo(j <= i ? 2 * k * Math.Cos(x[j]) : 0).Within(1e-12), "∂y[" + i + "]/∂x[" + j + "]");
            Assert.That(J[i * columns + x.Length], Is.EqualTo(2 * Enumerable.Range(0, i + 1).Sum(j => Math.Sin(x[j]))).Within(1e-12), "∂y[" + i + "]/∂k");
        }
    }

    public delegate void FieldVjp(double[] x, double k, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj, ref double kAdj);

    [Test]
    public void A_vector_valued_caller_that_writes_its_output_again_keeps_its_outputs_and_agrees_with_the_hand_formula()
    {
        var run = Run(Twins);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var x = new[] { 0.3, -0.8, 1.1 };
        const double k = 0.9;
        var expected = new double[3];
        loaded.Delegate<FieldFn>("Demo.Fns", "Squared")(x, k, expected);
        var vjp = loaded.Delegate<FieldVjp>("Demo.Fns", "SquaredVjp");
        var y = new double[3];
        var yAdj = new[] { 1.0, -2.0, 0.5 };
        var xAdj = new double[3];
        double kAdj = 0;
        vjp(x, k, y, yAdj, xAdj, ref kAdj);
        Assert.That(y, Is.EqualTo(expected), "the Vjp's outputs, bit for bit");
        // y_i = (k·S_i)², S_i = Σ_{j≤i} sin x_j: ∂y_i/∂x_j = 2k²S_i·cos x_j (j ≤ i), ∂y_i/∂k = 2kS_i².
        double S(int i) => Enumerable.Range(0, i + 1).Sum(j => Math.Sin(x[j]));
        Assert.That(kAdj, Is.EqualTo(Enumerable.Range(0, 3).Sum(i => yAdj[i] * 2 * k * S(i) * S(i))).Within(1e-12), "∂/∂k");
        for (int j = 0; j < 3; j++)
        {
            int at = j;
            Assert.That(xAdj[j], Is.EqualTo(Enumerable.Range(at, 3 - at).Sum(i => yAdj[i] * 2 * k * k * S(i) * Math.Cos(x[at]))).Within(1e-12), "∂/∂x[" + j + "]");
        }
    }

    [Test]
    public void A_caller_through_span_output_rules_gets_first_order_companions_and_ADIFF014()
    {
        var run = Run(Callers);
        run.AssertNoErrors();
        var ad0014 = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(ad0014, Has.Count.EqualTo(3), string.Join("\n", ad0014));
        Assert.That(ad0014[0].GetMessage(), Does.Contain("SolveVjp").And.Contain("span outputs"));
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("LossHvp")), Is.False);
    }

    [Test]
    public void Snapshot_of_the_gradient_through_a_span_output_rule() =>
        Snapshot.VerifyCompanion(Run(Callers), "Loss", "Gradient");

    /// <summary>
    /// The implicit-differentiation sample's second version (samples/AutoDiff.Samples.ImplicitDiff/Ridge.cs, compiled into this
    /// project): only the ridge solve w*(λ) is behind rules, a function with a span output whose Vjp solves the transposed
    /// system; the loss around it is differentiated by the generator. It agrees with the loss whose whole value is behind a rule,
    /// with central finite differences, and with forward mode.
    /// </summary>
    [TestCase(0.01)]
    [TestCase(0.3)]
    [TestCase(4.0)]
    public void The_sample_s_span_output_solve_agrees_with_the_implicit_derivative_and_finite_differences(double lambda)
    {
        var p = new AutoDiff.Samples.ImplicitDiff.Problem(n: 15, m: 8, d: 3, seed: 11);
        double L(double l) => AutoDiff.Samples.ImplicitDiff.Model.SolvedLoss(l, p.X, p.Y, p.XVal, p.YVal);
        double value = AutoDiff.Samples.ImplicitDiff.Model.SolvedLossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, out double gradient);
        Assert.That(value, Is.EqualTo(L(lambda)), "the primal, bit for bit");
        AutoDiff.Samples.ImplicitDiff.Model.LossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, out double whole);
        Assert.That(gradient, Is.EqualTo(whole).Within(1e-10 * Math.Max(1, Math.Abs(whole))), "the loss whose whole value is behind a rule");
        Assert.That(gradient, Is.EqualTo(Central(L, lambda, 1e-5)).Within(1e-7 * Math.Max(1, Math.Abs(gradient))), "central finite differences");
        AutoDiff.Samples.ImplicitDiff.Model.SolvedLossJvp(lambda, p.X, p.Y, p.XVal, p.YVal, 0.5, out double tangent);
        Assert.That(tangent, Is.EqualTo(0.5 * gradient).Within(1e-12 * Math.Max(1, Math.Abs(gradient))), "forward mode against reverse mode");
    }

    private static double[] With(double[] x, int i, double v)
    {
        var copy = (double[])x.Clone();
        copy[i] = v;
        return copy;
    }

    private static double Central(Func<double, double> f, double at, double h = 1e-6) => (f(at + h) - f(at - h)) / (2 * h);

    // ---- ADIFF013 for rules of functions with span outputs ------------------------------------------------------

    private const string Target = """
        public static class Lib
        {
            public static void Softmax(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < x.Length; i++) y[i] = x[i]; }
            public static void Scaled(ReadOnlySpan<double> x, double k, Span<double> y) { for (int i = 0; i < x.Length; i++) y[i] = k * x[i]; }
            public static void Both(ReadOnlySpan<double> x, Span<double> y, Span<double> z) { }
        }
        """;

    private static DiagnosticCase Rules(string rules) => DiagnosticCase.For(DiagnosticCase.Source(Target + "public static class LibRules\n{\n" + rules + "\n}\n"));

    private const string ScaledVjp = "[DerivativeOf(typeof(Lib), nameof(Lib.Scaled))] public static void ScaledVjp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj, ref double kAdj) { }\n";

    private const string ScaledJvp = "[DerivativeOf(typeof(Lib), nameof(Lib.Scaled))] public static void ScaledJvp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, Span<double> yDot) { }\n";

    [Test]
    public void ADIFF013_not_reported_for_a_Vjp_and_a_Jvp_rule_of_a_function_with_a_span_output()
    {
        Rules(ScaledVjp + ScaledJvp).AssertAnalyzer();
        // One input span and one output: both signatures read alike, the names say which is which.
        Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Softmax))] public static void SoftmaxVjp(ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj) { }\n" +
              "[DerivativeOf(typeof(Lib), nameof(Lib.Softmax))] public static void SoftmaxJvp(ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> xDot, Span<double> yDot) { }").AssertAnalyzer();
    }

    [Test]
    public void ADIFF013_for_a_partials_rule_of_a_function_with_a_span_output()
    {
        Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Softmax))] public static double [|SoftmaxDerivative|](ReadOnlySpan<double> x, Span<double> y) => 0;")
            .AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "writes the span output 'y'", "partials cannot be returned", "System.ReadOnlySpan<double> yAdj, System.Span<double> xAdj", "System.ReadOnlySpan<double> xDot, System.Span<double> yDot"));
    }

    [Test]
    public void ADIFF013_for_a_rule_whose_parameters_fit_neither_shape()
    {
        Rules(ScaledVjp + "[DerivativeOf(typeof(Lib), nameof(Lib.Scaled))] public static void [|ScaledJvp|](ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, ReadOnlySpan<double> yDot) { }")
            .AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'ScaledJvp'", "are neither those of", "ref double kAdj", "System.Span<double> yDot"));
    }

    [Test]
    public void ADIFF013_for_a_rule_that_fits_both_shapes_and_whose_name_does_not_say()
    {
        Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Softmax))] public static void [|SoftmaxRule|](ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> a, Span<double> b) { }")
            .AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'SoftmaxRule'", "fit both", "end its name with Vjp or Jvp"));
    }

    [Test]
    public void ADIFF013_for_a_span_output_rule_that_returns_a_value()
    {
        Rules(ScaledVjp + "[DerivativeOf(typeof(Lib), nameof(Lib.Scaled))] public static double [|ScaledJvp|](ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, Span<double> yDot) => 0;")
            .AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'ScaledJvp'", "returns void"));
    }

    [Test]
    public void ADIFF013_for_a_rule_of_a_function_with_several_span_outputs()
    {
        Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Both))] public static void [|BothVjp|](ReadOnlySpan<double> x, Span<double> y, Span<double> z, ReadOnlySpan<double> yAdj, ReadOnlySpan<double> zAdj, Span<double> xAdj) { }")
            .AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "several span outputs ('y', 'z')", "not supported yet"));
    }

    [Test]
    public void ADIFF013_for_a_span_output_Vjp_rule_without_a_Jvp_rule()
    {
        Rules(ScaledVjp.Replace("ScaledVjp", "[|ScaledVjp|]")).AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'ScaledVjp'", "has no Jvp-shaped rule"));
    }

    [Test]
    public void ADIFF012_for_an_input_passed_as_the_output_and_ADIFF004_for_an_output_passed_twice()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Target + "public static class LibRules\n{\n" + ScaledVjp + ScaledJvp + "}\n" + """
            public static partial class Fns
            {
                [Differentiable]
                public static double ToInput(double[] x, double[] y) { Lib.Scaled(x, 2.0, y); return y[0]; }

                [Differentiable]
                public static double Twice(double[] x)
                {
                    var y = new double[x.Length];
                    for (int i = 0; i < x.Length; i++) y[i] = x[i];
                    Lib.Scaled(y, 2.0, y);
                    return y[0];
                }
            }
            """));
        var errors = run.AnalyzerDiagnostics().Where(d => d.Severity == Error).ToList();
        Assert.That(errors.Select(d => d.Id), Is.EquivalentTo(new[] { "ADIFF012", "ADIFF004" }), string.Join("\n", errors));
        Assert.That(errors.Single(d => d.Id == "ADIFF004").GetMessage(), Does.Contain("both as its output 'y' and as another argument"));
    }
}
