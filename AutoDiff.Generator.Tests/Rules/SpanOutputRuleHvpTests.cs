using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// H·v through the [DerivativeOf] rules of a function with a span output, <c>Lin.Solve(a, b, x)</c>: when the Vjp rule is itself
/// [Differentiable], it gets a <c>Tangent</c> companion (forward mode over the rule's body, which reads the output the call wrote,
/// so its tangent is passed too) and callers' Hvp and Hessian go through it. Checked against central differences of the gradient,
/// a hand formula for a diagonal system and the symmetry of the Hessian; every primal bit for bit.
/// </summary>
public class SpanOutputRuleHvpTests
{
    /// <summary>
    /// A linear solve opaque to the generator. Its Vjp rule (by implicit differentiation) is [Differentiable]: it solves the
    /// transposed system through <c>Lin.Solve</c> itself, whose Jvp rule its Tangent companion then calls.
    /// </summary>
    private const string Library = """
        public static class Lin
        {
        """ + "\n" + LinSolveSource.Solve + "\n" + """
        }

        public static partial class LinRules
        {
            // x = A⁻¹b: λ = A⁻ᵀx̄, b̄ += λ, Ā −= λxᵀ.
            [Differentiable, DerivativeOf(typeof(Lin), nameof(Lin.Solve))]
            public static void SolveVjp(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, ReadOnlySpan<double> xAdj, Span<double> aAdj, Span<double> bAdj)
            {
                int n = b.Length;
                var t = new double[n * n];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
                }
                var lambda = new double[n];
                Lin.Solve(t, xAdj, lambda);
                for (int i = 0; i < n; i++)
                {
                    bAdj[i] += lambda[i];
                    for (int j = 0; j < n; j++) aAdj[i * n + j] -= lambda[i] * x[j];
                }
            }

            // ẋ = A⁻¹(ḃ − Ȧx).
            [DerivativeOf(typeof(Lin), nameof(Lin.Solve))]
            public static void SolveJvp(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, ReadOnlySpan<double> aDot, ReadOnlySpan<double> bDot, Span<double> xDot)
            {
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

        public static partial class Fns
        {
            [Differentiable]
            public static double Loss(double[] a, double[] b)
            {
                var x = new double[b.Length];
                Lin.Solve(a, b, x);
                double s = 0;
                for (int i = 0; i < x.Length; i++) s += (i + 1) * x[i] * x[i];
                return s;
            }

            // A scalar beside the arrays, the right-hand side computed, the solution read through a nonlinear function.
            [Differentiable]
            public static double Mixed(double[] a, double[] b, double k)
            {
                int n = b.Length;
                var y = new double[n];
                for (int i = 0; i < n; i++) y[i] = k * b[i] + Math.Sin(b[i]);
                var x = new double[n];
                Lin.Solve(a, y, x);
                double s = 0;
                for (int i = 0; i < n; i++) s += Math.Exp(0.3 * x[i]) * k;
                return s;
            }

            // The output is overwritten by each step and read by the next step's call, and written once more after the last:
            // the reverse sweep puts it back, with its tangent, for each Vjp rule's Tangent.
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
                    for (int i = 0; i < n; i++) { s += x[i] * x[i]; y[i] = Math.Sin(x[i]) + b[i]; }
                }
                x[0] = 2 * x[0];
                return s + y[0] * y[n - 1] + x[0] * x[1];
            }
        }
        """;

    public delegate double LossHvp(double[] a, double[] b, ReadOnlySpan<double> vA, ReadOnlySpan<double> vB, Span<double> hvA, Span<double> hvB);

    public delegate double LossGradient(double[] a, double[] b, Span<double> da, Span<double> db);

    public delegate double LossHessian(double[] a, double[] b, Span<double> hessian);

    public delegate double MixedHvp(double[] a, double[] b, double k, ReadOnlySpan<double> vA, ReadOnlySpan<double> vB, double vK, Span<double> hvA, Span<double> hvB, out double hvK);

    public delegate double MixedGradient(double[] a, double[] b, double k, Span<double> da, Span<double> db, out double dk);

    public delegate double MixedHessian(double[] a, double[] b, double k, Span<double> hessian);

    private static readonly double[] A = { 2.0, 0.3, -0.4, 0.5, 1.7, 0.2, -0.1, 0.6, 2.4 };

    private static readonly double[] B = { 0.7, -0.3, 0.9 };

    private static readonly double[] VA = A.Select((_, i) => Math.Cos(1.3 * i)).ToArray();

    private static readonly double[] VB = { 0.5, -1.0, 0.25 };

    private static GeneratorRun Run() => GeneratorHarness.Run(DiagnosticCase.Source(Library));

    [Test]
    public void Hvp_through_a_differentiable_span_output_Vjp_rule_agrees_with_differences_of_the_gradient()
    {
        var run = Run();
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014"), Is.Empty, "no caller is first-order only");
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("LossHvp(") && s.Contains("SolveVjpTangent(")), Is.True, "the Hvp calls the rule's Tangent");
        using var loaded = run.Load();
        var hvp = loaded.Delegate<LossHvp>("Demo.Fns", "LossHvp");
        var gradient = loaded.Delegate<LossGradient>("Demo.Fns", "LossGradient");
        var hvA = new double[A.Length];
        var hvB = new double[B.Length];
        double value = hvp(A, B, VA, VB, hvA, hvB);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Loss", new object?[] { A, B })!), "the primal, bit for bit");

        const double h = 1e-6;
        var plusA = new double[A.Length];
        var plusB = new double[B.Length];
        var minusA = new double[A.Length];
        var minusB = new double[B.Length];
        gradient(Along(A, VA, h), Along(B, VB, h), plusA, plusB);
        gradient(Along(A, VA, -h), Along(B, VB, -h), minusA, minusB);
        for (int i = 0; i < A.Length; i++) Assert.That(hvA[i], Is.EqualTo((plusA[i] - minusA[i]) / (2 * h)).Within(1e-5), "H·v [a" + i + "]");
        for (int i = 0; i < B.Length; i++) Assert.That(hvB[i], Is.EqualTo((plusB[i] - minusB[i]) / (2 * h)).Within(1e-5), "H·v [b" + i + "]");
    }

    [Test]
    public void Hvp_with_the_output_overwritten_between_calls_agrees_with_differences_of_the_gradient()
    {
        var run = Run();
        run.AssertNoErrors();
        using var loaded = run.Load();
        var hvp = loaded.Delegate<LossHvp>("Demo.Fns", "IteratedHvp");
        var gradient = loaded.Delegate<LossGradient>("Demo.Fns", "IteratedGradient");
        var hvA = new double[A.Length];
        var hvB = new double[B.Length];
        double value = hvp(A, B, VA, VB, hvA, hvB);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Iterated", new object?[] { A, B })!), "the primal, bit for bit");
        const double h = 1e-6;
        var plusA = new double[A.Length];
        var plusB = new double[B.Length];
        var minusA = new double[A.Length];
        var minusB = new double[B.Length];
        gradient(Along(A, VA, h), Along(B, VB, h), plusA, plusB);
        gradient(Along(A, VA, -h), Along(B, VB, -h), minusA, minusB);
        for (int i = 0; i < A.Length; i++) Assert.That(hvA[i], Is.EqualTo((plusA[i] - minusA[i]) / (2 * h)).Within(1e-5), "H·v [a" + i + "]");
        for (int i = 0; i < B.Length; i++) Assert.That(hvB[i], Is.EqualTo((plusB[i] - minusB[i]) / (2 * h)).Within(1e-5), "H·v [b" + i + "]");
    }

    /// <summary>
    /// y = k·cumsum(sin x), opaque; its [Differentiable] Vjp rule adds into a span and a <c>ref</c> scalar adjoint and returns
    /// void: its Tangent returns the ref adjoint's tangent through a ref too.
    /// </summary>
    private const string Cumulative = """
        public static class Flow
        {
            public static void Cumulate(ReadOnlySpan<double> x, double k, Span<double> y)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++) { s += Math.Sin(x[i]); y[i] = k * s; }
            }
        }

        public static partial class FlowRules
        {
            [Differentiable, DerivativeOf(typeof(Flow), nameof(Flow.Cumulate))]
            public static void CumulateVjp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj, ref double kAdj)
            {
                double r = 0;
                for (int i = x.Length - 1; i >= 0; i--) { r += yAdj[i]; xAdj[i] += k * Math.Cos(x[i]) * r; }
                double s = 0;
                for (int i = 0; i < x.Length; i++) { s += Math.Sin(x[i]); kAdj += yAdj[i] * s; }
            }

            [DerivativeOf(typeof(Flow), nameof(Flow.Cumulate))]
            public static void CumulateJvp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, Span<double> yDot)
            {
                double s = 0, t = 0;
                for (int i = 0; i < x.Length; i++) { s += Math.Sin(x[i]); t += Math.Cos(x[i]) * xDot[i]; y[i] = k * s; yDot[i] = kDot * s + k * t; }
            }
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
        }
        """;

    public delegate double FlowedHvp(double[] x, double k, ReadOnlySpan<double> vX, double vK, Span<double> hvX, out double hvK);

    public delegate double FlowedGradient(double[] x, double k, Span<double> dx, out double dk);

    [Test]
    public void Hvp_through_a_span_output_Vjp_rule_with_a_ref_scalar_adjoint_agrees_with_differences_of_the_gradient()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Cumulative));
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014"), Is.Empty);
        using var loaded = run.Load();
        var x = new[] { 0.3, -0.8, 1.1, 0.4 };
        var vX = new[] { 1.0, -0.5, 0.25, 2.0 };
        const double k = 0.9, vK = 0.7;
        var hvp = loaded.Delegate<FlowedHvp>("Demo.Fns", "FlowedHvp");
        var gradient = loaded.Delegate<FlowedGradient>("Demo.Fns", "FlowedGradient");
        var hvX = new double[x.Length];
        double value = hvp(x, k, vX, vK, hvX, out double hvK);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Flowed", new object?[] { x, k })!), "the primal, bit for bit");
        const double h = 1e-6;
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        gradient(Along(x, vX, h), k + h * vK, plus, out double dkPlus);
        gradient(Along(x, vX, -h), k - h * vK, minus, out double dkMinus);
        for (int i = 0; i < x.Length; i++) Assert.That(hvX[i], Is.EqualTo((plus[i] - minus[i]) / (2 * h)).Within(1e-5), "H·v [x" + i + "]");
        Assert.That(hvK, Is.EqualTo((dkPlus - dkMinus) / (2 * h)).Within(1e-5), "H·v [k]");
    }

    [Test]
    public void Hvp_through_a_diagonal_solve_is_the_hand_formula()
    {
        var run = Run();
        run.AssertNoErrors();
        using var loaded = run.Load();
        var hvp = loaded.Delegate<LossHvp>("Demo.Fns", "LossHvp");
        // A = diag(d): L = Σ (i+1)·bᵢ²/dᵢ². Along a direction on the diagonal (ḋ) and b (ḃ):
        // (H·v)_bᵢ = 2(i+1)/dᵢ²·ḃᵢ − 4(i+1)bᵢ/dᵢ³·ḋᵢ, (H·v)_dᵢ = −4(i+1)bᵢ/dᵢ³·ḃᵢ + 6(i+1)bᵢ²/dᵢ⁴·ḋᵢ.
        var d = new[] { 2.0, -1.5, 0.8 };
        var dDot = new[] { 0.4, -0.7, 1.1 };
        var a = new double[9];
        var vA = new double[9];
        for (int i = 0; i < 3; i++)
        {
            a[i * 3 + i] = d[i];
            vA[i * 3 + i] = dDot[i];
        }
        var hvA = new double[9];
        var hvB = new double[3];
        hvp(a, B, vA, VB, hvA, hvB);
        for (int i = 0; i < 3; i++)
        {
            double c = i + 1, di = d[i], bi = B[i];
            Assert.That(hvB[i], Is.EqualTo(2 * c / (di * di) * VB[i] - 4 * c * bi / (di * di * di) * dDot[i]).Within(1e-12), "H·v [b" + i + "]");
            Assert.That(hvA[i * 3 + i], Is.EqualTo(-4 * c * bi / (di * di * di) * VB[i] + 6 * c * bi * bi / (di * di * di * di) * dDot[i]).Within(1e-12), "H·v [d" + i + "]");
        }
    }

    [Test]
    public void Hvp_and_Hessian_with_a_scalar_beside_the_rule_agree_with_differences_of_the_gradient_and_are_symmetric()
    {
        var run = Run();
        run.AssertNoErrors();
        using var loaded = run.Load();
        var hvp = loaded.Delegate<MixedHvp>("Demo.Fns", "MixedHvp");
        var gradient = loaded.Delegate<MixedGradient>("Demo.Fns", "MixedGradient");
        var hessianOf = loaded.Delegate<MixedHessian>("Demo.Fns", "MixedHessian");
        const double k = 0.8, vK = -0.6;
        var hvA = new double[A.Length];
        var hvB = new double[B.Length];
        double value = hvp(A, B, k, VA, VB, vK, hvA, hvB, out double hvK);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Mixed", new object?[] { A, B, k })!), "the primal, bit for bit");

        const double h = 1e-6;
        var plusA = new double[A.Length];
        var plusB = new double[B.Length];
        var minusA = new double[A.Length];
        var minusB = new double[B.Length];
        gradient(Along(A, VA, h), Along(B, VB, h), k + h * vK, plusA, plusB, out double dkPlus);
        gradient(Along(A, VA, -h), Along(B, VB, -h), k - h * vK, minusA, minusB, out double dkMinus);
        for (int i = 0; i < A.Length; i++) Assert.That(hvA[i], Is.EqualTo((plusA[i] - minusA[i]) / (2 * h)).Within(1e-5), "H·v [a" + i + "]");
        for (int i = 0; i < B.Length; i++) Assert.That(hvB[i], Is.EqualTo((plusB[i] - minusB[i]) / (2 * h)).Within(1e-5), "H·v [b" + i + "]");
        Assert.That(hvK, Is.EqualTo((dkPlus - dkMinus) / (2 * h)).Within(1e-5), "H·v [k]");

        int n = A.Length + B.Length + 1;
        var hessian = new double[n * n];
        Assert.That(hessianOf(A, B, k, hessian), Is.EqualTo(value), "the Hessian's primal, bit for bit");
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++) Assert.That(hessian[r * n + c], Is.EqualTo(hessian[c * n + r]), "symmetric at (" + r + ", " + c + ")");
        }
        // H times (vA, vB, vK) is the Hvp.
        var direction = VA.Concat(VB).Concat(new[] { vK }).ToArray();
        var product = hvA.Concat(hvB).Concat(new[] { hvK }).ToArray();
        for (int r = 0; r < n; r++)
        {
            Assert.That(Enumerable.Range(0, n).Sum(c => hessian[r * n + c] * direction[c]), Is.EqualTo(product[r]).Within(1e-10), "row " + r);
        }
    }

    [Test]
    public void Snapshot_of_the_Tangent_companion_of_a_differentiable_span_output_Vjp_rule() =>
        Snapshot.VerifyCompanion(Run(), "SolveVjp", "Tangent");

    [Test]
    public void A_span_output_Vjp_rule_that_is_not_differentiable_leaves_its_callers_first_order_with_ADIFF014_saying_what_to_do()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Library.Replace("[Differentiable, DerivativeOf", "[DerivativeOf")));
        run.AssertNoErrors();
        var adiff014 = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(adiff014, Has.Count.EqualTo(3), string.Join("\n", adiff014));
        Assert.That(adiff014[0].GetMessage(), Does.Contain("'SolveVjp'").And.Contain("span outputs").And.Contain("is not [Differentiable]").And.Contain("mark it [Differentiable]"));
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("LossHvp")), Is.False);
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("LossGradient")), Is.True);
    }

    [Test]
    public void A_differentiable_span_output_Vjp_rule_that_writes_its_cotangent_gets_ADIFF012_and_its_callers_ADIFF014()
    {
        var source = Library
            .Replace("ReadOnlySpan<double> xAdj, Span<double> aAdj", "Span<double> xAdj, Span<double> aAdj")
            .Replace("Lin.Solve(t, xAdj, lambda);", "Lin.Solve(t, xAdj, lambda); xAdj[0] = 0;");
        var run = GeneratorHarness.Run(DiagnosticCase.Source(source));
        var diagnostics = run.AnalyzerDiagnostics().ToList();
        Assert.That(diagnostics.Where(d => d.Id == "ADIFF012").Select(d => d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)),
            Is.EqualTo(new[] { "xAdj[0] = 0" }), string.Join("\n", diagnostics));
        var adiff014 = diagnostics.Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(adiff014, Has.Count.EqualTo(3), string.Join("\n", adiff014));
        Assert.That(adiff014[0].GetMessage(), Does.Contain("'SolveVjp'").And.Contain("its own errors"));
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("LossGradient")), Is.True, "the callers keep their first-order companions");
    }

    private static double[] Along(double[] x, double[] v, double h) => x.Zip(v, (p, q) => p + h * q).ToArray();
}
