using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Scalar loops that carry one to three values and take branches that flip from one iteration to the next, in double and
/// in float: the shape of a reported Hvp that was 2% off central differences of the gradient (issue 13). Each has a copy
/// written over <see cref="HyperDual"/> in <see cref="HvpLoopBranchTests"/>, the reference.
/// </summary>
public static partial class HvpLoopBranch
{
    /// <summary>The reported function.</summary>
    [Differentiable]
    public static float OneF(float ax, float bx, float t, int n)
    {
        float sx = 0.5f;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax;
            if (sx > bx) sx -= bx * 0.1f;
        }
        return sx * sx;
    }

    [Differentiable]
    public static double One(double ax, double bx, double t, int n)
    {
        double sx = 0.5;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax;
            if (sx > bx) sx -= bx * 0.1;
        }
        return sx * sx;
    }

    [Differentiable]
    public static float TwoF(float ax, float bx, float ay, float t, int n)
    {
        float sx = 0.5f, sy = -0.25f;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            if (sx > bx) sx -= bx * 0.1f * sy;
            else sy += 0.05f * sx * sx;
            sy = sy * t - ay + 0.1f * sx;
        }
        return sx * sx + sx * sy * t;
    }

    [Differentiable]
    public static double Two(double ax, double bx, double ay, double t, int n)
    {
        double sx = 0.5, sy = -0.25;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            if (sx > bx) sx -= bx * 0.1 * sy;
            else sy += 0.05 * sx * sx;
            sy = sy * t - ay + 0.1 * sx;
        }
        return sx * sx + sx * sy * t;
    }

    [Differentiable]
    public static float ThreeF(float ax, float bx, float ay, float by, float t, int n)
    {
        float sx = 0.5f, sy = -0.3f, sz = 0.2f;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            if (sx > bx) sx -= bx * 0.1f;
            else sy += 0.05f * sx * sz;
            sy = sy * t - ay + 0.1f * sx;
            if (sy < by)
            {
                sy = by + 0.5f * (sy - by);
                sz *= 1.01f;
            }
            sz = sz * 0.9f + 0.1f * sx * sy;
            if (sz > 0.05f) sz -= 0.2f * sz * sz;
        }
        return sx * sx + sy * sz - sx * sz * t;
    }

    [Differentiable]
    public static double Three(double ax, double bx, double ay, double by, double t, int n)
    {
        double sx = 0.5, sy = -0.3, sz = 0.2;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            if (sx > bx) sx -= bx * 0.1;
            else sy += 0.05 * sx * sz;
            sy = sy * t - ay + 0.1 * sx;
            if (sy < by)
            {
                sy = by + 0.5 * (sy - by);
                sz *= 1.01;
            }
            sz = sz * 0.9 + 0.1 * sx * sy;
            if (sz > 0.05) sz -= 0.2 * sz * sz;
        }
        return sx * sx + sy * sz - sx * sz * t;
    }
}

/// <summary>
/// A hyper-dual number v + a·ε₁ + b·ε₂ + ab·ε₁ε₂ (ε₁² = ε₂² = 0): running a function on it with ε₁ seeded along v and ε₂
/// along eⱼ gives the value, ∇f·v, ∂f/∂xⱼ and (H·v)ⱼ exactly up to double rounding — forward over forward, with no step.
/// </summary>
public readonly record struct HyperDual(double V, double A, double B, double AB)
{
    public static implicit operator HyperDual(double c) => new(c, 0, 0, 0);
    public static HyperDual operator +(HyperDual x, HyperDual y) => new(x.V + y.V, x.A + y.A, x.B + y.B, x.AB + y.AB);
    public static HyperDual operator -(HyperDual x, HyperDual y) => new(x.V - y.V, x.A - y.A, x.B - y.B, x.AB - y.AB);
    public static HyperDual operator *(HyperDual x, HyperDual y) =>
        new(x.V * y.V, x.A * y.V + x.V * y.A, x.B * y.V + x.V * y.B, x.AB * y.V + x.A * y.B + x.B * y.A + x.V * y.AB);
}

/// <summary>
/// Checks <c>Hvp</c> of the loops in <see cref="HvpLoopBranch"/> at many random points, against (a) central differences of
/// the generated double <c>Gradient</c>, (b) the generated <c>Hessian</c> times v, and (c) forward over forward by hand
/// (<see cref="HyperDual"/>). Points are kept only when every comparison in the loop is at least <see cref="Margin"/> from
/// its threshold and the branch pattern is the same at x ± h in every coordinate, so no difference quotient straddles a
/// flip. The finding: no bug — double Hvp agrees with the hand reference to ~1e-12; float Hvp agrees to float rounding.
/// </summary>
public class HvpLoopBranchTests
{
    private const int Steps = 25;
    private const double Margin = 1e-3;
    private const double Step = 1e-6;

    /// <summary>
    /// One fixture: its dimension, the hand reference over hyper-duals (which appends each comparison's signed distance
    /// to its threshold to the list), and the generated companions called with doubles.
    /// </summary>
    private sealed record Case(
        string Name,
        bool Single,
        Func<HyperDual[], int, List<double>, HyperDual> Reference,
        Func<double[], int, double[]> Gradient,
        Func<double[], int, double[], double[]> Hvp,
        Func<double[], int, double[]> Hessian,
        Func<double[], int, double> Value,
        double[] Low,
        double[] High)
    {
        public int Dimension => Low.Length;
    }

    private static HyperDual OneRef(HyperDual[] p, int n, List<double> gaps)
    {
        HyperDual ax = p[0], bx = p[1], t = p[2];
        HyperDual sx = 0.5;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax;
            gaps.Add(sx.V - bx.V);
            if (sx.V > bx.V) sx -= bx * 0.1;
        }
        return sx * sx;
    }

    private static HyperDual TwoRef(HyperDual[] p, int n, List<double> gaps)
    {
        HyperDual ax = p[0], bx = p[1], ay = p[2], t = p[3];
        HyperDual sx = 0.5, sy = -0.25;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            gaps.Add(sx.V - bx.V);
            if (sx.V > bx.V) sx -= bx * 0.1 * sy;
            else sy += 0.05 * sx * sx;
            sy = sy * t - ay + 0.1 * sx;
        }
        return sx * sx + sx * sy * t;
    }

    private static HyperDual ThreeRef(HyperDual[] p, int n, List<double> gaps)
    {
        HyperDual ax = p[0], bx = p[1], ay = p[2], by = p[3], t = p[4];
        HyperDual sx = 0.5, sy = -0.3, sz = 0.2;
        for (int i = 0; i < n; i++)
        {
            sx = sx * t + ax * sy;
            gaps.Add(sx.V - bx.V);
            if (sx.V > bx.V) sx -= bx * 0.1;
            else sy += 0.05 * sx * sz;
            sy = sy * t - ay + 0.1 * sx;
            gaps.Add(sy.V - by.V);
            if (sy.V < by.V)
            {
                sy = by + 0.5 * (sy - by);
                sz *= 1.01;
            }
            sz = sz * 0.9 + 0.1 * sx * sy;
            gaps.Add(sz.V - 0.05);
            if (sz.V > 0.05) sz -= 0.2 * sz * sz;
        }
        return sx * sx + sy * sz - sx * sz * t;
    }

    private static float F(double x) => (float)x;

    private static IEnumerable<Case> Cases()
    {
        yield return new Case("One", false, OneRef,
            (p, n) => { HvpLoopBranch.OneGradient(p[0], p[1], p[2], n, out var g0, out var g1, out var g2); return new[] { g0, g1, g2 }; },
            (p, n, v) => { HvpLoopBranch.OneHvp(p[0], p[1], p[2], n, v[0], v[1], v[2], out var h0, out var h1, out var h2); return new[] { h0, h1, h2 }; },
            (p, n) => { var h = new double[9]; HvpLoopBranch.OneHessian(p[0], p[1], p[2], n, h); return h; },
            (p, n) => HvpLoopBranch.One(p[0], p[1], p[2], n),
            new[] { 0.05, 0.2, 0.5 }, new[] { 0.4, 0.9, 0.95 });
        yield return new Case("OneF", true, OneRef,
            (p, n) => { HvpLoopBranch.OneFGradient(F(p[0]), F(p[1]), F(p[2]), n, out var g0, out var g1, out var g2); return new double[] { g0, g1, g2 }; },
            (p, n, v) => { HvpLoopBranch.OneFHvp(F(p[0]), F(p[1]), F(p[2]), n, F(v[0]), F(v[1]), F(v[2]), out var h0, out var h1, out var h2); return new double[] { h0, h1, h2 }; },
            (p, n) => { var h = new float[9]; HvpLoopBranch.OneFHessian(F(p[0]), F(p[1]), F(p[2]), n, h); return h.Select(x => (double)x).ToArray(); },
            (p, n) => HvpLoopBranch.OneF(F(p[0]), F(p[1]), F(p[2]), n),
            new[] { 0.05, 0.2, 0.5 }, new[] { 0.4, 0.9, 0.95 });
        yield return new Case("Two", false, TwoRef,
            (p, n) => { HvpLoopBranch.TwoGradient(p[0], p[1], p[2], p[3], n, out var g0, out var g1, out var g2, out var g3); return new[] { g0, g1, g2, g3 }; },
            (p, n, v) => { HvpLoopBranch.TwoHvp(p[0], p[1], p[2], p[3], n, v[0], v[1], v[2], v[3], out var h0, out var h1, out var h2, out var h3); return new[] { h0, h1, h2, h3 }; },
            (p, n) => { var h = new double[16]; HvpLoopBranch.TwoHessian(p[0], p[1], p[2], p[3], n, h); return h; },
            (p, n) => HvpLoopBranch.Two(p[0], p[1], p[2], p[3], n),
            new[] { -0.6, -0.1, -0.2, 0.5 }, new[] { 0.6, 0.4, 0.2, 0.9 });
        yield return new Case("TwoF", true, TwoRef,
            (p, n) => { HvpLoopBranch.TwoFGradient(F(p[0]), F(p[1]), F(p[2]), F(p[3]), n, out var g0, out var g1, out var g2, out var g3); return new double[] { g0, g1, g2, g3 }; },
            (p, n, v) => { HvpLoopBranch.TwoFHvp(F(p[0]), F(p[1]), F(p[2]), F(p[3]), n, F(v[0]), F(v[1]), F(v[2]), F(v[3]), out var h0, out var h1, out var h2, out var h3); return new double[] { h0, h1, h2, h3 }; },
            (p, n) => { var h = new float[16]; HvpLoopBranch.TwoFHessian(F(p[0]), F(p[1]), F(p[2]), F(p[3]), n, h); return h.Select(x => (double)x).ToArray(); },
            (p, n) => HvpLoopBranch.TwoF(F(p[0]), F(p[1]), F(p[2]), F(p[3]), n),
            new[] { -0.6, -0.1, -0.2, 0.5 }, new[] { 0.6, 0.4, 0.2, 0.9 });
        yield return new Case("Three", false, ThreeRef,
            (p, n) => { HvpLoopBranch.ThreeGradient(p[0], p[1], p[2], p[3], p[4], n, out var g0, out var g1, out var g2, out var g3, out var g4); return new[] { g0, g1, g2, g3, g4 }; },
            (p, n, v) => { HvpLoopBranch.ThreeHvp(p[0], p[1], p[2], p[3], p[4], n, v[0], v[1], v[2], v[3], v[4], out var h0, out var h1, out var h2, out var h3, out var h4); return new[] { h0, h1, h2, h3, h4 }; },
            (p, n) => { var h = new double[25]; HvpLoopBranch.ThreeHessian(p[0], p[1], p[2], p[3], p[4], n, h); return h; },
            (p, n) => HvpLoopBranch.Three(p[0], p[1], p[2], p[3], p[4], n),
            new[] { -0.8, -0.1, -0.2, -0.6, 0.5 }, new[] { 0.8, 0.5, 0.3, 0.0, 0.9 });
        yield return new Case("ThreeF", true, ThreeRef,
            (p, n) => { HvpLoopBranch.ThreeFGradient(F(p[0]), F(p[1]), F(p[2]), F(p[3]), F(p[4]), n, out var g0, out var g1, out var g2, out var g3, out var g4); return new double[] { g0, g1, g2, g3, g4 }; },
            (p, n, v) => { HvpLoopBranch.ThreeFHvp(F(p[0]), F(p[1]), F(p[2]), F(p[3]), F(p[4]), n, F(v[0]), F(v[1]), F(v[2]), F(v[3]), F(v[4]), out var h0, out var h1, out var h2, out var h3, out var h4); return new double[] { h0, h1, h2, h3, h4 }; },
            (p, n) => { var h = new float[25]; HvpLoopBranch.ThreeFHessian(F(p[0]), F(p[1]), F(p[2]), F(p[3]), F(p[4]), n, h); return h.Select(x => (double)x).ToArray(); },
            (p, n) => HvpLoopBranch.ThreeF(F(p[0]), F(p[1]), F(p[2]), F(p[3]), F(p[4]), n),
            new[] { -0.8, -0.1, -0.2, -0.6, 0.5 }, new[] { 0.8, 0.5, 0.3, 0.0, 0.9 });
    }

    private static readonly string[] Names = Cases().Select(c => c.Name).ToArray();

    /// <summary>The reference at <paramref name="x"/>: value, gradient, H·v, and the gaps of every comparison.</summary>
    private static (double Value, double[] Gradient, double[] Hv, List<double> Gaps) Reference(Case c, double[] x, double[] v)
    {
        int d = x.Length;
        var gradient = new double[d];
        var hv = new double[d];
        double value = 0;
        List<double> gaps = new();
        for (int j = 0; j < d; j++)
        {
            gaps = new List<double>();
            var p = Enumerable.Range(0, d).Select(i => new HyperDual(x[i], v[i], i == j ? 1 : 0, 0)).ToArray();
            var r = c.Reference(p, Steps, gaps);
            value = r.V;
            gradient[j] = r.B;
            hv[j] = r.AB;
        }
        return (value, gradient, hv, gaps);
    }

    private static List<bool> Pattern(List<double> gaps) => gaps.Select(g => g > 0).ToList();

    /// <summary>
    /// Random points (and directions) where no comparison is within <see cref="Margin"/> of its threshold, whose branch
    /// pattern is the same at x ± <see cref="Step"/>·eⱼ for every j, and where at least one branch flips between iterations.
    /// </summary>
    private static IEnumerable<(double[] X, double[] V)> Points(Case c, int count, int seed)
    {
        var random = new Random(seed);
        int found = 0;
        for (int attempt = 0; attempt < 20000 && found < count; attempt++)
        {
            var x = Enumerable.Range(0, c.Dimension).Select(i => c.Low[i] + (c.High[i] - c.Low[i]) * random.NextDouble()).ToArray();
            if (c.Single) x = x.Select(e => (double)(float)e).ToArray();
            var v = Enumerable.Range(0, c.Dimension).Select(_ => (double)(float)(2 * random.NextDouble() - 1)).ToArray();
            var zero = new double[c.Dimension];
            var gaps = Reference(c, x, zero).Gaps;
            if (gaps.Any(g => Math.Abs(g) < Margin)) continue;
            var pattern = Pattern(gaps);
            int taken = pattern.Count(b => b);
            if (taken == 0 || taken == pattern.Count) continue;
            bool stable = true;
            for (int j = 0; j < c.Dimension && stable; j++)
            {
                foreach (double sign in new[] { -1.0, 1.0 })
                {
                    var shifted = (double[])x.Clone();
                    shifted[j] += sign * Step;
                    stable &= Pattern(Reference(c, shifted, zero).Gaps).SequenceEqual(pattern);
                }
            }
            if (!stable) continue;
            found++;
            yield return (x, v);
        }
        Assert.That(found, Is.EqualTo(count), $"{c.Name}: points away from branch flips");
    }

    private static double Norm(double[] a) => a.Max(Math.Abs);

    private static double Distance(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();

    [TestCaseSource(nameof(Names))]
    public void Hvp_matches_forward_over_forward_the_Hessian_and_central_differences_of_the_gradient(string name)
    {
        var c = Cases().Single(k => k.Name == name);
        var worst = new double[4];
        foreach (var (x, v) in Points(c, 40, 17))
        {
            var reference = Reference(c, x, v);
            var hv = c.Hvp(x, Steps, v);
            var gradient = c.Gradient(x, Steps);
            var hessian = c.Hessian(x, Steps);
            double scale = Math.Max(1, Norm(reference.Hv));
            double gradientScale = Math.Max(1, Norm(reference.Gradient));

            // (c) forward over forward by hand.
            double hvError = Distance(hv, reference.Hv) / scale;
            // (b) the generated Hessian times v.
            var hessianTimesV = Enumerable.Range(0, c.Dimension).Select(i => Enumerable.Range(0, c.Dimension).Sum(k => hessian[i * c.Dimension + k] * v[k])).ToArray();
            double hessianError = Distance(hv, hessianTimesV) / scale;
            // The gradient itself, which tells how much the precision's rounding grows through the loop.
            double gradientError = Distance(gradient, reference.Gradient) / gradientScale;
            // (a) central differences of the double gradient along v (for the float fixtures, the double fixture's).
            var doubleCase = c.Single ? Cases().Single(k => k.Name == c.Name.TrimEnd('F')) : c;
            var plus = x.Zip(v, (p, q) => p + Step * q).ToArray();
            var minus = x.Zip(v, (p, q) => p - Step * q).ToArray();
            Assert.That(Pattern(Reference(c, plus, v).Gaps), Is.EqualTo(Pattern(reference.Gaps)), "no branch flips along v");
            Assert.That(Pattern(Reference(c, minus, v).Gaps), Is.EqualTo(Pattern(reference.Gaps)), "no branch flips along v");
            var gp = doubleCase.Gradient(plus, Steps);
            var gm = doubleCase.Gradient(minus, Steps);
            var central = gp.Zip(gm, (p, q) => (p - q) / (2 * Step)).ToArray();
            double centralError = Distance(hv, central) / scale;
            worst[0] = Math.Max(worst[0], hvError);
            worst[1] = Math.Max(worst[1], hessianError);
            worst[2] = Math.Max(worst[2], gradientError);
            worst[3] = Math.Max(worst[3], centralError);

            Assert.That(c.Hvp(x, Steps, new double[c.Dimension]), Is.All.EqualTo(0.0), "H·0 = 0");
            if (!c.Single) Assert.That(reference.Value, Is.EqualTo(c.Value(x, Steps)), "the reference reproduces the primal bit for bit");
        }
        TestContext.Out.WriteLine($"{name}: worst relative error of Hvp vs hand {worst[0]:E2}, vs Hessian·v {worst[1]:E2}, gradient vs hand {worst[2]:E2}, Hvp vs central differences {worst[3]:E2}");
        // Double: both sides are exact up to double rounding through 25 iterations; the central difference of a double
        // gradient with step 1e-6 has truncation error ~h²·|∇³f| and rounding error ~1e-16·|∇f|/h, about 1e-9 here.
        // Float: every companion rounds each of the ~10 operations per iteration to 6e-8; 25 iterations bound the relative
        // error by about 25·10·6e-8 = 1.5e-5, the allowance (measured: at most 2.5e-6 for Hvp, 3e-6 for the float gradient
        // itself), a thousand times tighter than the reported 2%.
        double hand = c.Single ? 1.5e-5 : 1e-12;
        double byDifferences = c.Single ? 1.5e-5 : 1e-7;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(worst[0], Is.LessThan(hand), "Hvp against forward over forward");
            Assert.That(worst[1], Is.LessThan(hand), "Hvp against the generated Hessian times v");
            Assert.That(worst[3], Is.LessThan(byDifferences), "Hvp against central differences of the double gradient");
        }
    }
}
