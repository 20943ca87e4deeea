using System;
using AutoDiff.Samples.MassSpring;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>The mass-spring sample (<c>samples/AutoDiff.Samples.MassSpring/Chain.cs</c>, compiled here too): its energy written with structs.</summary>
public sealed class MassSpringSampleTests
{
    private static double[] Point(int particles, int seed)
    {
        var q = Chain.Start(particles);
        var rng = new Random(seed);
        for (int k = 0; k < q.Length; k++) q[k] += 0.05 * (rng.NextDouble() - 0.5);
        return q;
    }

    [TestCase(1, 0)]
    [TestCase(5, 1)]
    [TestCase(12, 2)]
    public void Gradient_matches_central_differences(int particles, int seed)
    {
        var q = Point(particles, seed);
        var gradient = new double[q.Length];
        Array.Fill(gradient, 7.0);
        Assert.That(Chain.EnergyGradient(q, gradient), Is.EqualTo(Chain.Energy(q)), "the primal value, bit for bit");
        for (int k = 0; k < q.Length; k++)
        {
            double h = 1e-6, saved = q[k];
            q[k] = saved + h;
            double plus = Chain.Energy(q);
            q[k] = saved - h;
            double minus = Chain.Energy(q);
            q[k] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-6 * Math.Max(1, Math.Abs(numeric))), $"dE/dq[{k}]");
        }
    }

    /// <summary>One spring by hand: E = ½k(|b − a| − L)², so dE/db = k(|b − a| − L)(b − a)/|b − a|.</summary>
    [Test]
    public void Spring_energy_gradient_by_hand()
    {
        var spring = new Spring(3.0, 0.5);
        var a = new Vec3(0.1, -0.2, 0.3);
        var b = new Vec3(1.0, 0.4, -0.5);
        double value = spring.EnergyGradient(a, b, out Vec3 da, out Vec3 db);
        var d = b - a;
        double length = Vec3.Length(d), k = 3.0 * (length - 0.5) / length;
        Assert.That(value, Is.EqualTo(spring.Energy(a, b)));
        Assert.That(db.X, Is.EqualTo(k * d.X).Within(1e-14));
        Assert.That(db.Y, Is.EqualTo(k * d.Y).Within(1e-14));
        Assert.That(db.Z, Is.EqualTo(k * d.Z).Within(1e-14));
        Assert.That(da.X, Is.EqualTo(-k * d.X).Within(1e-14));
        Assert.That(da.Z, Is.EqualTo(-k * d.Z).Within(1e-14));
    }

    [Test]
    public void Gradient_descent_reaches_the_rest_state()
    {
        var q = Chain.Start(8);
        var (iterations, energy, force) = Chain.Relax(q, tolerance: 1e-8, maxIterations: 20_000);
        Assert.That(force, Is.LessThanOrEqualTo(1e-8), $"after {iterations} iterations");
        Assert.That(energy, Is.LessThan(Chain.Energy(Chain.Start(8))));
        // Symmetric about the middle, hanging below the anchors, in the vertical plane.
        for (int i = 0; i < 8; i++)
        {
            Assert.That(q[3 * i + 2], Is.LessThan(0), "below the anchors");
            Assert.That(q[3 * i + 2], Is.EqualTo(q[3 * (7 - i) + 2]).Within(1e-7), "symmetric");
            Assert.That(Math.Abs(q[3 * i + 1]), Is.LessThan(1e-7), "no sideways sag");
        }
    }
}
