using System;
using System.Numerics;
using AutoDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>A polyline of <see cref="Vector3"/> points given as a span (issue 16): spans of System.Numerics vectors as active inputs.</summary>
public static partial class VectorSpanFns
{
    /// <summary>E = k Σᵢ |pᵢ − pᵢ₋₁|², the sum of squared lengths of the differences of consecutive points.</summary>
    [Differentiable]
    public static float PathEnergy(ReadOnlySpan<Vector3> ps, float k)
    {
        float e = 0f;
        for (int i = 1; i < ps.Length; i++)
        {
            var d = ps[i] - ps[i - 1];
            e += k * d.LengthSquared();
        }
        return e;
    }
}

/// <summary>
/// <c>ReadOnlySpan&lt;Vector3&gt;</c> as an active input: the gradient (a <c>Span&lt;Vector3&gt;</c>) against central differences of the
/// float function (step 1e-2, relative 1e-3) and the hand formula, Vjp against Jvp, the primal bit for bit and 0 B per call.
/// </summary>
public sealed class NumericsSpanTests
{
    private static Vector3[] Points() => new[]
    {
        new Vector3(0.2f, -0.4f, 1.1f),
        new Vector3(1.3f, 0.5f, 0.7f),
        new Vector3(0.9f, 1.6f, -0.3f),
        new Vector3(-0.5f, 0.8f, 0.4f),
        new Vector3(0.1f, -1.2f, 0.6f),
    };

    private const float K = 1.7f;

    private static void Near(double actual, double expected, double tolerance, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    [Test]
    public void Span_of_Vector3_gradient_matches_differences_and_the_hand_formula()
    {
        var ps = Points();
        var dps = new Vector3[ps.Length];
        float value = VectorSpanFns.PathEnergyGradient(ps, K, dps, out float dk);
        Assert.That(value, Is.EqualTo(VectorSpanFns.PathEnergy(ps, K)), "primal bit for bit");

        // Hand formula: ∂E/∂pᵢ = 2k(pᵢ − pᵢ₋₁) − 2k(pᵢ₊₁ − pᵢ) (the terms that exist), ∂E/∂k = E/k.
        for (int i = 0; i < ps.Length; i++)
        {
            var expect = Vector3.Zero;
            if (i > 0) expect += 2 * K * (ps[i] - ps[i - 1]);
            if (i + 1 < ps.Length) expect -= 2 * K * (ps[i + 1] - ps[i]);
            for (int c = 0; c < 3; c++) Near(dps[i][c], expect[c], 1e-5, $"hand formula ∂p{i}[{c}]");
        }
        Near(dk, value / K, 1e-5, "hand formula ∂k");

        // Central differences of the float function, step 1e-2 (E is quadratic in the points: exact up to rounding).
        const float h = 1e-2f;
        for (int i = 0; i < ps.Length; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                var up = (Vector3[])ps.Clone();
                var down = (Vector3[])ps.Clone();
                up[i][c] += h;
                down[i][c] -= h;
                double fd = ((double)VectorSpanFns.PathEnergy(up, K) - VectorSpanFns.PathEnergy(down, K)) / ((double)up[i][c] - down[i][c]);
                Near(dps[i][c], fd, 1e-3, $"differences ∂p{i}[{c}]");
            }
        }
        Near(dk, ((double)VectorSpanFns.PathEnergy(ps, K + h) - VectorSpanFns.PathEnergy(ps, K - h)) / ((double)(K + h) - (K - h)), 1e-3, "differences ∂k");
    }

    [Test]
    public void Span_of_Vector3_Vjp_agrees_with_Jvp()
    {
        var ps = Points();
        var dot = new[]
        {
            new Vector3(0.3f, -0.1f, 0.5f),
            new Vector3(-0.7f, 0.2f, 0.1f),
            new Vector3(0.4f, 0.9f, -0.6f),
            new Vector3(0.0f, -0.3f, 0.8f),
            new Vector3(-0.2f, 0.6f, 0.3f),
        };
        const float kDot = -0.4f;
        float primal = VectorSpanFns.PathEnergy(ps, K);
        Assert.That(VectorSpanFns.PathEnergyJvp(ps, K, dot, kDot, out float tangent), Is.EqualTo(primal), "Jvp primal bit for bit");

        // ⟨ȳ, J·v⟩ = ⟨Jᵀ·ȳ, v⟩, from zero adjoints.
        const float seed = 0.6f;
        var adj = new Vector3[ps.Length];
        float kAdj = 0f;
        Assert.That(VectorSpanFns.PathEnergyVjp(ps, K, seed, adj, ref kAdj), Is.EqualTo(primal), "Vjp primal bit for bit");
        double transposed = (double)kAdj * kDot;
        for (int i = 0; i < ps.Length; i++) transposed += Vector3.Dot(adj[i], dot[i]);
        Near(seed * (double)tangent, transposed, 1e-5, "⟨ȳ, J v⟩ = ⟨Jᵀȳ, v⟩");

        // The Vjp adds into the adjoints it is given.
        var again = (Vector3[])adj.Clone();
        float kAgain = kAdj;
        VectorSpanFns.PathEnergyVjp(ps, K, seed, again, ref kAgain);
        for (int i = 0; i < ps.Length; i++)
            for (int c = 0; c < 3; c++) Near(again[i][c], 2 * adj[i][c], 1e-6, $"Vjp accumulates p{i}[{c}]");
        Near(kAgain, 2 * kAdj, 1e-6, "Vjp accumulates k");
    }

    [Test]
    public void Span_of_Vector3_companions_allocate_nothing()
    {
        var ps = Points();
        var dps = new Vector3[ps.Length];
        var adj = new Vector3[ps.Length];
        var dot = new Vector3[ps.Length];
        dot[2] = Vector3.One;
        float kAdj = 0f, sink = 0f;
        for (int i = 0; i < 10; i++)
        {
            sink += VectorSpanFns.PathEnergyGradient(ps, K, dps, out float dk) + dk;
            sink += VectorSpanFns.PathEnergyVjp(ps, K, 1f, adj, ref kAdj);
            sink += VectorSpanFns.PathEnergyJvp(ps, K, dot, 0f, out float tangent) + tangent;
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sink += VectorSpanFns.PathEnergyGradient(ps, K, dps, out float dk) + dk;
            sink += VectorSpanFns.PathEnergyVjp(ps, K, 1f, adj, ref kAdj);
            sink += VectorSpanFns.PathEnergyJvp(ps, K, dot, 0f, out float tangent) + tangent;
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}
