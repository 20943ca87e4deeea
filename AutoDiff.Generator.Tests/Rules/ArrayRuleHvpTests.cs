using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// H·v through [DerivativeOf] rules of array functions: when the Vjp rule is itself [Differentiable], it gets a
/// <c>Tangent</c> companion (forward mode over the rule, the VjpTangent contract) and callers' Hvp and Hessian go through it.
/// Checked against central differences of the gradient, a hand formula and the symmetry of the Hessian.
/// </summary>
public class ArrayRuleHvpTests
{
    /// <summary>E(x) = Σᵢ wᵢ·(xᵢ − xᵢ₋₁)⁴, opaque to the generator; w is data. Its Vjp rule is [Differentiable], its Jvp rule not.</summary>
    private const string Library = """
        public static class Lib
        {
            public static double Energy(ReadOnlySpan<double> x, [NoDerivative] double[] w)
            {
                double s = 0;
                for (int i = 1; i < x.Length; i++) { double d = x[i] - x[i - 1]; s += w[i] * d * d * d * d; }
                return s;
            }
        }

        public static partial class LibRules
        {
            [Differentiable, DerivativeOf(typeof(Lib), nameof(Lib.Energy))]
            public static double EnergyVjp(ReadOnlySpan<double> x, double[] w, double seed, Span<double> xAdj)
            {
                double s = 0;
                for (int i = 1; i < x.Length; i++)
                {
                    double d = x[i] - x[i - 1];
                    double g = 4 * w[i] * d * d * d;
                    s += w[i] * d * d * d * d;
                    xAdj[i] += seed * g;
                    xAdj[i - 1] -= seed * g;
                }
                return s;
            }

            [DerivativeOf(typeof(Lib), nameof(Lib.Energy))]
            public static double EnergyJvp(ReadOnlySpan<double> x, double[] w, ReadOnlySpan<double> xDot, out double tangent)
            {
                double s = 0, t = 0;
                for (int i = 1; i < x.Length; i++) { double d = x[i] - x[i - 1]; s += w[i] * d * d * d * d; t += 4 * w[i] * d * d * d * (xDot[i] - xDot[i - 1]); }
                tangent = t;
                return s;
            }
        }

        public static partial class Fns
        {
            [Differentiable]
            public static double Plain(double[] x, [NoDerivative] double[] w) => Lib.Energy(x, w);

            [Differentiable]
            public static double Mixed(double[] x, double k, [NoDerivative] double[] w)
            {
                double e = Lib.Energy(x, w);
                double s = 0;
                for (int i = 0; i < 2; i++) s += Math.Sin(k * Lib.Energy(x, w)) * x[i];
                return k * k * e + s;
            }
        }
        """;

    public delegate double PlainHvp(double[] x, double[] w, ReadOnlySpan<double> vX, Span<double> hvX);

    public delegate double PlainGradient(double[] x, double[] w, Span<double> dx);

    public delegate double MixedHvp(double[] x, double k, double[] w, ReadOnlySpan<double> vX, double vK, Span<double> hvX, out double hvK);

    public delegate double MixedGradient(double[] x, double k, double[] w, Span<double> dx, out double dk);

    public delegate double MixedHessian(double[] x, double k, double[] w, Span<double> hessian);

    private static readonly double[] X = { 0.3, -0.2, 0.5, 0.1, 0.9 };
    private static readonly double[] W = { 0, 1.5, 0.7, 2.0, 0.4 };
    private static readonly double[] V = { 0.5, -1.0, 0.25, 2.0, -0.75 };

    private static GeneratorRun Run() => GeneratorHarness.Run(DiagnosticCase.Source(Library));

    [Test]
    public void Hvp_through_a_differentiable_Vjp_rule_matches_the_hand_formula_and_differences_of_the_gradient()
    {
        var run = Run();
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014"), Is.Empty, "no caller is first-order only");
        using var loaded = run.Load();
        var hvp = loaded.Delegate<PlainHvp>("Demo.Fns", "PlainHvp");
        var gradient = loaded.Delegate<PlainGradient>("Demo.Fns", "PlainGradient");
        var hv = new double[X.Length];
        double value = hvp(X, W, V, hv);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Plain", new object?[] { X, W })!), "the primal, bit for bit");

        // By hand: H = Σᵢ 12·wᵢ·dᵢ²·(eᵢ − eᵢ₋₁)(eᵢ − eᵢ₋₁)ᵀ.
        var expected = new double[X.Length];
        for (int i = 1; i < X.Length; i++)
        {
            double d = X[i] - X[i - 1];
            double c = 12 * W[i] * d * d * (V[i] - V[i - 1]);
            expected[i] += c;
            expected[i - 1] -= c;
        }
        var differences = GradientDifferences((x, g) => gradient(x, W, g), X, V);
        for (int i = 0; i < X.Length; i++)
        {
            Assert.That(hv[i], Is.EqualTo(expected[i]).Within(1e-12), "the hand formula, [" + i + "]");
            Assert.That(hv[i], Is.EqualTo(differences[i]).Within(1e-6), "differences of the gradient, [" + i + "]");
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
        var hv = new double[X.Length];
        double value = hvp(X, k, W, V, vK, hv, out double hvK);
        Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "Mixed", new object?[] { X, k, W })!), "the primal, bit for bit");

        // Central differences of the gradient along (v, vK).
        const double h = 1e-6;
        var plus = new double[X.Length];
        var minus = new double[X.Length];
        gradient(X.Zip(V, (a, b) => a + h * b).ToArray(), k + h * vK, W, plus, out double dkPlus);
        gradient(X.Zip(V, (a, b) => a - h * b).ToArray(), k - h * vK, W, minus, out double dkMinus);
        for (int i = 0; i < X.Length; i++) Assert.That(hv[i], Is.EqualTo((plus[i] - minus[i]) / (2 * h)).Within(1e-5), "H·v [" + i + "]");
        Assert.That(hvK, Is.EqualTo((dkPlus - dkMinus) / (2 * h)).Within(1e-5), "H·v [k]");

        int n = X.Length + 1;
        var hessian = new double[n * n];
        Assert.That(hessianOf(X, k, W, hessian), Is.EqualTo(value), "the Hessian's primal, bit for bit");
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++) Assert.That(hessian[r * n + c], Is.EqualTo(hessian[c * n + r]), "symmetric at (" + r + ", " + c + ")");
        }
        // H times (v, vK) is the Hvp.
        var direction = V.Concat(new[] { vK }).ToArray();
        for (int r = 0; r < n; r++)
        {
            double product = Enumerable.Range(0, n).Sum(c => hessian[r * n + c] * direction[c]);
            Assert.That(product, Is.EqualTo(r < X.Length ? hv[r] : hvK).Within(1e-10), "row " + r);
        }
    }

    [Test]
    public void Snapshot_of_the_Tangent_companion_of_a_differentiable_Vjp_rule() =>
        Snapshot.VerifyCompanion(Run(), "EnergyVjp", "Tangent");

    [Test]
    public void A_Vjp_rule_that_is_not_differentiable_leaves_its_callers_first_order_with_ADIFF014_saying_what_to_do()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Library.Replace("[Differentiable, DerivativeOf", "[DerivativeOf")));
        run.AssertNoErrors();
        var adiff014 = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(adiff014, Has.Count.EqualTo(2), string.Join("\n", adiff014));
        Assert.That(adiff014[0].GetMessage(), Does.Contain("'EnergyVjp'").And.Contain("is not [Differentiable]").And.Contain("mark it [Differentiable]"));
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("PlainHvp")), Is.False);
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("PlainGradient")), Is.True);
    }

    /// <summary>C(v, k) = k²·Σ vᵢ³, whose Vjp rule adds into a span and a ref scalar adjoint.</summary>
    private const string ScalarLibrary = """
        public static class SLib
        {
            public static double Cube(ReadOnlySpan<double> v, double k) { double s = 0; foreach (double e in v) s += e * e * e; return k * k * s; }
        }

        public static partial class SLibRules
        {
            [Differentiable, DerivativeOf(typeof(SLib), nameof(SLib.Cube))]
            public static double CubeVjp(ReadOnlySpan<double> v, double k, double seed, Span<double> vAdj, ref double kAdj)
            {
                double s = 0;
                for (int i = 0; i < v.Length; i++) { s += v[i] * v[i] * v[i]; vAdj[i] += seed * k * k * 3 * v[i] * v[i]; }
                kAdj += seed * 2 * k * s;
                return k * k * s;
            }

            [DerivativeOf(typeof(SLib), nameof(SLib.Cube))]
            public static double CubeJvp(ReadOnlySpan<double> v, double k, ReadOnlySpan<double> vDot, double kDot, out double tangent)
            {
                double s = 0, t = 0;
                for (int i = 0; i < v.Length; i++) { s += v[i] * v[i] * v[i]; t += 3 * v[i] * v[i] * vDot[i]; }
                tangent = 2 * k * kDot * s + k * k * t;
                return k * k * s;
            }
        }

        public static partial class Fns
        {
            [Differentiable]
            public static double Direct(double[] v, double k) => SLib.Cube(v, k);

            [Differentiable]
            public static double Composite(double[] v, double k) => Math.Sin(0.3 * SLib.Cube(v, k)) * k + SLib.Cube(v, 2 * k);
        }
        """;

    [Test]
    public void Hvp_through_a_differentiable_Vjp_rule_with_a_ref_scalar_adjoint_matches_the_hand_formula_and_differences_of_the_gradient()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(ScalarLibrary));
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014"), Is.Empty);
        using var loaded = run.Load();
        var v = new[] { 0.4, -0.7, 1.1 };
        var dv = new[] { 0.3, 0.5, -0.2 };
        const double k = 1.3, dk = -0.4;
        foreach (string name in new[] { "Direct", "Composite" })
        {
            var hvp = loaded.Delegate<MixedHvpNoData>("Demo.Fns", name + "Hvp");
            var gradient = loaded.Delegate<MixedGradientNoData>("Demo.Fns", name + "Gradient");
            var hv = new double[v.Length];
            double value = hvp(v, k, dv, dk, hv, out double hvK);
            Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", name, new object?[] { v, k })!), name + ": the primal, bit for bit");
            const double h = 1e-6;
            var plus = new double[v.Length];
            var minus = new double[v.Length];
            gradient(v.Zip(dv, (a, b) => a + h * b).ToArray(), k + h * dk, plus, out double gkPlus);
            gradient(v.Zip(dv, (a, b) => a - h * b).ToArray(), k - h * dk, minus, out double gkMinus);
            for (int i = 0; i < v.Length; i++) Assert.That(hv[i], Is.EqualTo((plus[i] - minus[i]) / (2 * h)).Within(1e-5), name + ": H·v [" + i + "]");
            Assert.That(hvK, Is.EqualTo((gkPlus - gkMinus) / (2 * h)).Within(1e-5), name + ": H·v [k]");
            if (name != "Direct") continue;
            // By hand: ∂²C/∂vᵢ² = 6k²vᵢ, ∂²C/∂vᵢ∂k = 6k·vᵢ², ∂²C/∂k² = 2·Σ vᵢ³.
            for (int i = 0; i < v.Length; i++) Assert.That(hv[i], Is.EqualTo(6 * k * k * v[i] * dv[i] + 6 * k * v[i] * v[i] * dk).Within(1e-12), "hand formula [" + i + "]");
            Assert.That(hvK, Is.EqualTo(Enumerable.Range(0, v.Length).Sum(i => 6 * k * v[i] * v[i] * dv[i]) + 2 * v.Sum(e => e * e * e) * dk).Within(1e-12), "hand formula [k]");
        }
    }

    public delegate double MixedHvpNoData(double[] v, double k, ReadOnlySpan<double> vV, double vK, Span<double> hvV, out double hvK);

    public delegate double MixedGradientNoData(double[] v, double k, Span<double> dv, out double dk);

    [Test]
    public void Snapshot_of_the_Tangent_companion_of_a_Vjp_rule_with_a_ref_scalar_adjoint() =>
        Snapshot.VerifyCompanion(GeneratorHarness.Run(DiagnosticCase.Source(ScalarLibrary)), "CubeVjp", "Tangent");

    /// <summary>(∇f(x + h·v) − ∇f(x − h·v)) / 2h.</summary>
    private static double[] GradientDifferences(Action<double[], double[]> gradient, double[] x, double[] v, double h = 1e-6)
    {
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        gradient(x.Zip(v, (a, b) => a + h * b).ToArray(), plus);
        gradient(x.Zip(v, (a, b) => a - h * b).ToArray(), minus);
        return plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
    }
}
