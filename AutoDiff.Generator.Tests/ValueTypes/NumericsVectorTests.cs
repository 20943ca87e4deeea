using System;
using System.Numerics;
using AutoDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>System.Numerics vectors (float), differentiated at build time: every supported operation is used below.</summary>
public static partial class VectorFns
{
    [Differentiable]
    public static float Arithmetic(Vector3 a, Vector3 b, float t)
    {
        var c = (a + b) * t - (-b) * 0.5f + 2f * (a * b) - a / (b * b + Vector3.One) + b / (t * t + 1f);
        c = Vector3.Add(c, Vector3.Multiply(Vector3.Subtract(a, b), 0.25f)) + Vector3.Negate(Vector3.Divide(a, 3f));
        return c.X + c.Y * c.Z;
    }

    [Differentiable]
    public static float DotAndCross(Vector3 a, Vector3 b, float t) =>
        Vector3.Dot(Vector3.Cross(a, b), new Vector3(t, 1f, 2f)) + Vector3.Cross(b, a * t).Z + Vector3.Dot(a, b) * t;

    [Differentiable]
    public static float Lengths(Vector3 a, Vector3 b, float t) =>
        a.Length() * t + b.LengthSquared() + Vector3.Distance(a, b) + Vector3.DistanceSquared(a, b * t);

    [Differentiable]
    public static float Normalized(Vector3 a, Vector3 b, float t)
    {
        var n = Vector3.Normalize(a + b * t);
        return n.X * 2f + n.Y - n.Z * t;
    }

    [Differentiable]
    public static float Lerped(Vector3 a, Vector3 b, float t)
    {
        var l = Vector3.Lerp(a, b, t);
        return Vector3.Dot(l, l) + l.Y;
    }

    [Differentiable]
    public static float Elementwise(Vector3 a, Vector3 b, float t)
    {
        var m = Vector3.Min(a, b) + Vector3.Max(a * t, b) + Vector3.Abs(a - b) + Vector3.SquareRoot(a * a + Vector3.One)
            + Vector3.Clamp(a, -Vector3.One, Vector3.One * 2f);
        return m.X + m.Y * m.Z;
    }

    [Differentiable]
    public static float Components(Vector3 a, Vector3 b, float t)
    {
        var v = new Vector3(a.X * t, b.Y, 1f);
        var w = new Vector3(t);
        var u = new Vector3(new Vector2(a.Z, b.X), t);
        v.Y += w.Z;
        v += u;
        v *= 0.5f;
        v -= +a;
        if (a == b || v != u) v.Z = v.Z * t;
        return v.X * v.Y + v.Z;
    }

    [Differentiable]
    public static float OtherSizes(Vector3 a, Vector3 b, float t)
    {
        var p = new Vector2(a.X, b.Y);
        var q = new Vector4(a, t);
        var r = new Vector4(new Vector2(b.Z, a.Y), 1f, b.X);
        return p.Length() + Vector2.Dot(p, p * t) + Vector4.Dot(q, r) + Vector4.Distance(q, r) + Vector4.Lerp(q, r, t).W
            + Vector2.Normalize(p).Y + Vector4.Max(q, r).Z + Vector2.DistanceSquared(p, -p) + (q / r).W + q.LengthSquared() * Vector2.Abs(p).X;
    }

    [Differentiable]
    public static float Loop(Vector3 a, Vector3 b, float t)
    {
        Vector3 s = Vector3.Zero;
        for (int i = 0; i < 4; i++)
        {
            s = s * t + a;
            s -= b * (0.1f * s.X);
        }
        return s.Length() + s.Y;
    }

    /// <summary>A struct result: the force of a spring of rest length 1 between a and b, stiffness t.</summary>
    [Differentiable]
    public static Vector3 Spring(Vector3 a, Vector3 b, float t)
    {
        var d = b - a;
        float length = d.Length();
        return t * (length - 1f) / length * d;
    }

    /// <summary>A mass–spring energy over three points: the benchmark's function.</summary>
    [Differentiable]
    public static float SpringEnergy(Vector3 p0, Vector3 p1, Vector3 p2, float k)
    {
        float e01 = Vector3.Distance(p0, p1) - 1f;
        float e12 = Vector3.Distance(p1, p2) - 1f;
        float e20 = Vector3.Distance(p2, p0) - 1.5f;
        return 0.5f * k * (e01 * e01 + e12 * e12 + e20 * e20) + 9.81f * (p0.Y + p1.Y + p2.Y);
    }
}

/// <summary>
/// <see cref="VectorFns"/>: the primal of every companion equals the method's bit for bit at many random points; gradients
/// against central differences (float: step 1e-2, relative 1e-3) and hand formulas; Jvp against the gradient; Hvp against
/// differences of the gradient; Vjp adds seed × gradient; no allocation.
/// </summary>
public sealed class NumericsVectorTests
{
    private delegate float F(Vector3 a, Vector3 b, float t);
    private delegate float G(Vector3 a, Vector3 b, float t, out Vector3 da, out Vector3 db, out float dt);
    private delegate float V(Vector3 a, Vector3 b, float t, float seed, ref Vector3 aAdj, ref Vector3 bAdj, ref float tAdj);
    private delegate float J(Vector3 a, Vector3 b, float t, Vector3 aDot, Vector3 bDot, float tDot, out float tangent);
    private delegate float H(Vector3 a, Vector3 b, float t, Vector3 vA, Vector3 vB, float vT, out Vector3 hvA, out Vector3 hvB, out float hvT);

    private static T Bind<T>(string name) where T : Delegate =>
        (T)Delegate.CreateDelegate(typeof(T), typeof(VectorFns).GetMethod(name) ?? throw new MissingMethodException(name));

    public static readonly string[] Methods = { "Arithmetic", "DotAndCross", "Lengths", "Normalized", "Lerped", "Elementwise", "Components", "OtherSizes", "Loop" };

    private static float[] Flat(Vector3 a, Vector3 b, float t) => new[] { a.X, a.Y, a.Z, b.X, b.Y, b.Z, t };

    private static (Vector3, Vector3, float) Point(float[] x) => (new Vector3(x[0], x[1], x[2]), new Vector3(x[3], x[4], x[5]), x[6]);

    /// <summary>Points away from kinks and ties: components in ±[0.3, 1.8], t in [0.4, 1.2].</summary>
    private static float[] Random(Random rng)
    {
        var x = new float[7];
        for (int i = 0; i < 6; i++) x[i] = (float)((0.3 + 1.5 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1));
        x[6] = (float)(0.4 + 0.8 * rng.NextDouble());
        return x;
    }

    /// <summary>The bits of a value; every NaN is one (the JIT may swap a commutative operation's operands, which picks which NaN propagates).</summary>
    private static int Bits(float value) => float.IsNaN(value) ? -1 : BitConverter.SingleToInt32Bits(value);

    private static void Near(double actual, double expected, double tolerance, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    [TestCaseSource(nameof(Methods))]
    public void Primal_of_every_companion_is_the_methods_bit_for_bit(string name)
    {
        var f = Bind<F>(name);
        var g = Bind<G>(name + "Gradient");
        var v = Bind<V>(name + "Vjp");
        var j = Bind<J>(name + "Jvp");
        var h = Bind<H>(name + "Hvp");
        var rng = new Random(16);
        for (int k = 0; k < 500; k++)
        {
            // Wide random values (signed zeros and ties included now and then), not only the smooth region.
            float R() => rng.Next(8) switch { 0 => 0f, 1 => -0f, 2 => 1f, _ => (float)(rng.NextDouble() * 20 - 10) };
            var a = new Vector3(R(), R(), R());
            var b = rng.Next(10) == 0 ? a : new Vector3(R(), R(), R());
            float t = R();
            float expected = f(a, b, t);
            var adj = (Vector3.Zero, Vector3.Zero, 0f);
            Assert.Multiple(() =>
            {
                Assert.That(Bits(g(a, b, t, out _, out _, out _)), Is.EqualTo(Bits(expected)), $"Gradient at {a} {b} {t}");
                Assert.That(Bits(v(a, b, t, 1f, ref adj.Item1, ref adj.Item2, ref adj.Item3)), Is.EqualTo(Bits(expected)), "Vjp");
                Assert.That(Bits(j(a, b, t, Vector3.One, Vector3.UnitX, 1f, out _)), Is.EqualTo(Bits(expected)), "Jvp");
                Assert.That(Bits(h(a, b, t, Vector3.One, Vector3.UnitY, 1f, out _, out _, out _)), Is.EqualTo(Bits(expected)), "Hvp");
            });
        }
    }

    [TestCaseSource(nameof(Methods))]
    public void Gradient_matches_differences_forward_mode_Vjp_and_Hvp(string name)
    {
        var f = Bind<F>(name);
        var g = Bind<G>(name + "Gradient");
        var v = Bind<V>(name + "Vjp");
        var j = Bind<J>(name + "Jvp");
        var h = Bind<H>(name + "Hvp");
        var rng = new Random(3);
        int checkedHvp = 0; // components checked against differences
        for (int k = 0; k < 6; k++)
        {
            var x = Random(rng);
            var (a, b, t) = Point(x);
            g(a, b, t, out var da, out var db, out float dt);
            var grad = Flat(da, db, dt);
            // Central differences, in double around the float function, where it is smooth (two steps agree).
            for (int i = 0; i < 7; i++)
            {
                double wide = Difference(f, x, i, 1e-2f), narrow = Difference(f, x, i, 5e-3f);
                if (Math.Abs(wide - narrow) > 1e-2 * (1 + Math.Abs(narrow))) continue;
                Near(grad[i], (4 * narrow - wide) / 3, 2e-3, $"{name}: ∂{i} at {a} {b} {t}");
                checkedHvp++;
            }
            // Forward mode along a direction: the gradient's dot product with it.
            var direction = Random(rng);
            var (pa, pb, pt) = Point(direction);
            j(a, b, t, pa, pb, pt, out float tangent);
            double dot = 0, scale = 0;
            for (int i = 0; i < 7; i++) { dot += grad[i] * direction[i]; scale += Math.Abs(grad[i] * direction[i]); }
            Assert.That(tangent, Is.EqualTo(dot).Within(1e-5 * (1 + scale)), $"{name}: Jvp vs gradient");
            // Vjp adds seed × gradient into what the adjoints hold.
            var (aAdj, bAdj, tAdj) = (Vector3.One, -Vector3.One, 0.5f);
            v(a, b, t, -2f, ref aAdj, ref bAdj, ref tAdj);
            var added = Flat(aAdj, bAdj, tAdj);
            var before = new[] { 1f, 1f, 1f, -1f, -1f, -1f, 0.5f };
            for (int i = 0; i < 7; i++) Near(added[i], before[i] - 2.0 * grad[i], 1e-5, $"{name}: Vjp {i}");
            // H·v against central differences of the gradient along v, where the gradient is smooth (two steps agree:
            // Min, Max, Abs, Clamp and branches have kinks a step may cross).
            h(a, b, t, pa, pb, pt, out var ha, out var hb, out float ht);
            var hv = Flat(ha, hb, ht);
            var coarse = GradientDifference(g, x, direction, 1e-2f);
            var fine = GradientDifference(g, x, direction, 5e-3f);
            for (int i = 0; i < 7; i++)
            {
                if (Math.Abs(coarse[i] - fine[i]) > 1e-2 * (1 + Math.Abs(fine[i]))) continue;
                // Richardson: (4·fine − coarse)/3 cancels the differences' h² error.
                Near(hv[i], (4 * fine[i] - coarse[i]) / 3, 5e-3, $"{name}: Hvp {i} at {a} {b} {t} along {pa} {pb} {pt}");
                checkedHvp++;
            }
        }
        Assert.That(checkedHvp, Is.GreaterThan(60), "components checked where the function is smooth");
    }

    private static double Difference(F f, float[] x, int i, float step)
    {
        var up = (float[])x.Clone();
        var down = (float[])x.Clone();
        up[i] += step;
        down[i] -= step;
        var (ua, ub, ut) = Point(up);
        var (la, lb, lt) = Point(down);
        return ((double)f(ua, ub, ut) - f(la, lb, lt)) / (up[i] - down[i]);
    }

    private static double[] GradientDifference(G g, float[] x, float[] direction, float step)
    {
        var plus = new float[7];
        var minus = new float[7];
        for (int i = 0; i < 7; i++) { plus[i] = x[i] + step * direction[i]; minus[i] = x[i] - step * direction[i]; }
        var (qa, qb, qt) = Point(plus);
        var (ma, mb, mt) = Point(minus);
        g(qa, qb, qt, out var ga, out var gb, out float gt);
        g(ma, mb, mt, out var ha, out var hb, out float ht);
        var gp = Flat(ga, gb, gt);
        var gm = Flat(ha, hb, ht);
        var result = new double[7];
        for (int i = 0; i < 7; i++) result[i] = ((double)gp[i] - gm[i]) / (2 * step);
        return result;
    }

    [Test]
    public void Hand_formulas_for_length_dot_normalize()
    {
        var a = new Vector3(0.6f, -1.2f, 0.9f);
        var b = new Vector3(-0.4f, 0.7f, 1.3f);
        const float t = 0.8f;
        // Lengths: ∂/∂a = t·a/|a| + (a − b)/|a − b| + 2(a − tb);  ∂/∂b = 2b − (a − b)/|a − b| − 2t(a − tb).
        VectorFns.LengthsGradient(a, b, t, out var da, out var db, out float dt);
        var expectA = t * a / a.Length() + (a - b) / (a - b).Length() + 2 * (a - t * b);
        var expectB = 2 * b - (a - b) / (a - b).Length() - 2 * t * (a - t * b);
        for (int i = 0; i < 3; i++)
        {
            Near(da[i], expectA[i], 1e-6, "Lengths ∂a" + i);
            Near(db[i], expectB[i], 1e-6, "Lengths ∂b" + i);
        }
        Near(dt, a.Length() - 2 * Vector3.Dot(b, a - t * b), 1e-6, "Lengths ∂t");
        // Normalize: ∂n/∂v = (I − n nᵀ)/|v|, v = a + t·b, and the output weights (2, 1, −t).
        VectorFns.NormalizedGradient(a, b, t, out da, out db, out dt);
        var vv = a + t * b;
        var n = Vector3.Normalize(vv);
        var w = new Vector3(2f, 1f, -t);
        var expect = (w - Vector3.Dot(w, n) * n) / vv.Length();
        for (int i = 0; i < 3; i++)
        {
            Near(da[i], expect[i], 1e-5, "Normalize ∂a" + i);
            Near(db[i], t * expect[i], 1e-5, "Normalize ∂b" + i);
        }
        Near(dt, Vector3.Dot(expect, b) - n.Z, 1e-5, "Normalize ∂t");
    }

    [Test]
    public void Length_at_zero_has_derivative_zero_not_NaN()
    {
        VectorFns.LengthsGradient(Vector3.Zero, Vector3.Zero, 1f, out var da, out var db, out float dt);
        Assert.That(float.IsNaN(da.X) || float.IsNaN(db.X) || float.IsNaN(dt), Is.False, $"{da} {db} {dt}");
    }

    [Test]
    public void Struct_result_Jvp_and_Vjp_match_differences()
    {
        var a = new Vector3(0.3f, -0.8f, 1.1f);
        var b = new Vector3(1.4f, 0.2f, -0.5f);
        const float k = 2.5f;
        var da = new Vector3(0.5f, -0.25f, 1f);
        var primal = VectorFns.SpringJvp(a, b, k, da, Vector3.Zero, 0f, out Vector3 tangent);
        Assert.That(primal, Is.EqualTo(VectorFns.Spring(a, b, k)), "primal bit for bit");
        const float step = 1e-2f;
        var fd = (VectorFns.Spring(a + step * da, b, k) - VectorFns.Spring(a - step * da, b, k)) / (2 * step);
        for (int i = 0; i < 3; i++) Near(tangent[i], fd[i], 2e-3, "Jvp " + i);
        // ⟨seed, J·da⟩ = ⟨Jᵀ·seed, da⟩.
        var seed = new Vector3(0.7f, 0.1f, -0.3f);
        Vector3 aAdj = Vector3.Zero, bAdj = Vector3.Zero;
        float kAdj = 0f;
        VectorFns.SpringVjp(a, b, k, seed, ref aAdj, ref bAdj, ref kAdj);
        Near(Vector3.Dot(aAdj, da), Vector3.Dot(seed, tangent), 1e-5, "Vjp against Jvp");
        Near(kAdj, Vector3.Dot(seed, VectorFns.Spring(a, b, 1f)), 1e-5, "∂/∂k is the unit-stiffness force");
    }

    [Test]
    public void Spring_energy_gradient_by_hand_and_no_allocation()
    {
        var p0 = new Vector3(0f, 0f, 0f);
        var p1 = new Vector3(1.2f, 0.1f, -0.2f);
        var p2 = new Vector3(0.3f, 1.1f, 0.4f);
        const float k = 3f;
        float e = VectorFns.SpringEnergyGradient(p0, p1, p2, k, out var d0, out var d1, out var d2, out float dk);
        Assert.That(e, Is.EqualTo(VectorFns.SpringEnergy(p0, p1, p2, k)));
        // ∂E/∂p0 = k(|p0−p1|−1)(p0−p1)/|p0−p1| + k(|p2−p0|−1.5)(p0−p2)/|p2−p0| + g·ŷ.
        var u01 = p0 - p1;
        var u20 = p0 - p2;
        var expect = k * (u01.Length() - 1f) * u01 / u01.Length() + k * (u20.Length() - 1.5f) * u20 / u20.Length() + new Vector3(0f, 9.81f, 0f);
        for (int i = 0; i < 3; i++) Near(d0[i], expect[i], 1e-5, "∂p0 " + i);
        Assert.That(dk, Is.GreaterThan(0f));
        // Warm up, then count the bytes of many calls.
        float sink = 0;
        for (int i = 0; i < 10; i++) sink += VectorFns.SpringEnergyGradient(p0, p1, p2, k, out d0, out d1, out d2, out dk);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sink += VectorFns.SpringEnergyGradient(p0, p1, p2, k, out d0, out d1, out d2, out dk);
            sink += VectorFns.ElementwiseHvp(p1, p2, k, p0, p1, 1f, out _, out _, out _);
            sink += VectorFns.LerpedJvp(p1, p2, k, p0, p1, 1f, out _);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}
