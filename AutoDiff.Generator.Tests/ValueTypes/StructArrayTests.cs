using System;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>
/// Arrays and spans of structs (issue 16), the fixtures of <c>StructArrays.cs</c>: the derivative of a <c>Particle[]</c> is a
/// <c>Span&lt;Particle&gt;</c>, field for field. Checked against central finite differences, reverse against forward mode,
/// H·v against differences of the gradient, hand formulas, the primal bit for bit, and 0 B allocated per call.
/// </summary>
public sealed class StructArrayTests
{
    private const double Tolerance = 1e-6;

    private static void Near(double actual, double expected, string what, double tolerance = Tolerance) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    private static Particle[] Particles() => new[]
    {
        new Particle(0.3, 1.2, 2.0),
        new Particle(-0.7, 0.4, 0.5),
        new Particle(1.1, -0.9, 1.5),
    };

    /// <summary>The particles moved by <paramref name="h"/> along <paramref name="d"/>, field by field.</summary>
    private static Particle[] Moved(Particle[] ps, Particle[] d, double h)
    {
        var moved = new Particle[ps.Length];
        for (int i = 0; i < ps.Length; i++) moved[i] = new Particle(ps[i].X + h * d[i].X, ps[i].Y + h * d[i].Y, ps[i].Mass + h * d[i].Mass);
        return moved;
    }

    private static double Dot(Particle[] a, ReadOnlySpan<Particle> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i].X * b[i].X + a[i].Y * b[i].Y + a[i].Mass * b[i].Mass;
        return sum;
    }

    private static Particle Unit(int field) => new Particle(field == 0 ? 1 : 0, field == 1 ? 1 : 0, field == 2 ? 1 : 0);

    private static double Field(Particle p, int field) => field == 0 ? p.X : field == 1 ? p.Y : p.Mass;

    [Test]
    public void Array_of_structs_gradient_matches_differences_and_the_other_modes()
    {
        var ps = Particles();
        const double k = 0.8;
        var dps = new Particle[ps.Length];
        double value = StructArrays.EnergyGradient(ps, k, dps, out double dk);
        Assert.That(value, Is.EqualTo(StructArrays.Energy(ps, k)), "primal bit for bit");
        for (int i = 0; i < ps.Length; i++)
        {
            for (int f = 0; f < 3; f++)
            {
                var d = new Particle[ps.Length];
                d[i] = Unit(f);
                const double h = 1e-6;
                double fd = (StructArrays.Energy(Moved(ps, d, h), k) - StructArrays.Energy(Moved(ps, d, -h), k)) / (2 * h);
                Near(Field(dps[i], f), fd, $"d/d ps[{i}] field {f} by differences");
            }
        }
        Near(dk, (StructArrays.Energy(ps, k + 1e-6) - StructArrays.Energy(ps, k - 1e-6)) / 2e-6, "d/dk by differences");

        // Vjp adds seed × gradient into what is there.
        var adj = new Particle[ps.Length];
        adj[1] = new Particle(1, 2, 3);
        double kAdj = 0.5;
        Assert.That(StructArrays.EnergyVjp(ps, k, 2.0, adj, ref kAdj), Is.EqualTo(value));
        Near(adj[1].Y, 2 + 2 * dps[1].Y, "Vjp accumulates");
        Near(adj[2].Mass, 2 * dps[2].Mass, "Vjp");
        Near(kAdj, 0.5 + 2 * dk, "Vjp k");

        // Forward mode agrees with reverse mode.
        var dot = new[] { new Particle(0.2, -0.1, 0.3), new Particle(-0.5, 0.4, 0.1), new Particle(0.7, 0.2, -0.6) };
        Assert.That(StructArrays.EnergyJvp(ps, k, dot, 0.25, out double tangent), Is.EqualTo(value));
        Near(tangent, Dot(dps, dot) + 0.25 * dk, "Jvp = gradient · tangent");

        // H·v against differences of the gradient.
        var hv = new Particle[ps.Length];
        Assert.That(StructArrays.EnergyHvp(ps, k, dot, 0.25, hv, out double hvK), Is.EqualTo(value));
        const double e = 1e-5;
        var plus = new Particle[ps.Length];
        var minus = new Particle[ps.Length];
        StructArrays.EnergyGradient(Moved(ps, dot, e), k + 0.25 * e, plus, out double dkPlus);
        StructArrays.EnergyGradient(Moved(ps, dot, -e), k - 0.25 * e, minus, out double dkMinus);
        for (int i = 0; i < ps.Length; i++)
        {
            for (int f = 0; f < 3; f++) Near(Field(hv[i], f), (Field(plus[i], f) - Field(minus[i], f)) / (2 * e), $"H·v ps[{i}] field {f}", 1e-5);
        }
        Near(hvK, (dkPlus - dkMinus) / (2 * e), "H·v k", 1e-5);
    }

    [Test]
    public void Span_of_structs_gradient_is_the_hand_formula()
    {
        var ps = Particles();
        var dps = new Particle[ps.Length];
        double value = StructArrays.CenterOfMassXGradient(ps, dps);
        Assert.That(value, Is.EqualTo(StructArrays.CenterOfMassX(ps)), "primal bit for bit");
        double mass = 0;
        foreach (var p in ps) mass += p.Mass;
        for (int i = 0; i < ps.Length; i++)
        {
            Near(dps[i].X, ps[i].Mass / mass, "d/dX = m_i / M");
            Near(dps[i].Y, 0, "d/dY = 0");
            Near(dps[i].Mass, (ps[i].X - value) / mass, "d/dm = (x_i - x̄) / M");
        }
    }

    [Test]
    public void Array_of_nested_float_structs()
    {
        var sticks = new[]
        {
            new Stick { A = new Vec2f { X = 0, Y = 0 }, B = new Vec2f { X = 3, Y = 4 } },
            new Stick { A = new Vec2f { X = 1, Y = -1 }, B = new Vec2f { X = 1, Y = 1 } },
        };
        var d = new Stick[2];
        float value = StructArrays.TotalLengthGradient(sticks, d);
        Assert.That(value, Is.EqualTo(StructArrays.TotalLength(sticks)), "primal bit for bit");
        Assert.That(value, Is.EqualTo(7f));
        // The derivative of |B - A| is the unit vector from A to B (and its opposite for A).
        Near(d[0].B.X, 0.6, "dB.X", 1e-6);
        Near(d[0].B.Y, 0.8, "dB.Y", 1e-6);
        Near(d[0].A.X, -0.6, "dA.X", 1e-6);
        Near(d[1].B.Y, 1, "dB.Y", 1e-6);
        Near(d[1].A.Y, -1, "dA.Y", 1e-6);
        Near(d[1].B.X, 0, "dB.X", 1e-6);
    }

    [Test]
    public void Span_of_structs_output_forward_matches_differences_and_reverse()
    {
        var ps = Particles();
        const double dt = 0.1;
        var next = new Particle[ps.Length];
        StructArrays.Step(ps, dt, next);
        Assert.That(next[2].X, Is.EqualTo(ps[2].X + dt * ps[2].Y), "element written whole");
        Assert.That(next[2].Y, Is.EqualTo(ps[2].Y - dt * Math.Sin(ps[2].X)), "field written into the element");

        var dot = new[] { new Particle(0.2, -0.1, 0.3), new Particle(-0.5, 0.4, 0.1), new Particle(0.7, 0.2, -0.6) };
        var jNext = new Particle[ps.Length];
        var tangent = new Particle[ps.Length];
        StructArrays.StepJvp(ps, dt, jNext, dot, 0.5, tangent);
        Assert.That(jNext, Is.EqualTo(next), "outputs bit for bit");
        const double h = 1e-6;
        var plus = new Particle[ps.Length];
        var minus = new Particle[ps.Length];
        StructArrays.Step(Moved(ps, dot, h), dt + 0.5 * h, plus);
        StructArrays.Step(Moved(ps, dot, -h), dt - 0.5 * h, minus);
        for (int i = 0; i < ps.Length; i++)
        {
            for (int f = 0; f < 3; f++) Near(Field(tangent[i], f), (Field(plus[i], f) - Field(minus[i], f)) / (2 * h), $"Jvp next[{i}] field {f}");
        }

        // ⟨ȳ, J·ṗ⟩ = ⟨Jᵀ·ȳ, ṗ⟩.
        var cotangent = new[] { new Particle(1, 0.5, -1), new Particle(0.3, -2, 0.2), new Particle(-0.4, 0.9, 1.1) };
        var psAdj = new Particle[ps.Length];
        double dtAdj = 0;
        var vNext = new Particle[ps.Length];
        StructArrays.StepVjp(ps, dt, vNext, cotangent, psAdj, ref dtAdj);
        Assert.That(vNext, Is.EqualTo(next), "outputs bit for bit");
        Near(Dot(psAdj, dot) + dtAdj * 0.5, Dot(cotangent, tangent), "reverse mode is the transpose of forward mode");
    }

    [Test]
    public void Span_of_the_wrong_length_throws()
    {
        var ps = Particles();
        Assert.Throws<ArgumentException>(() => StructArrays.EnergyGradient(ps, 1, new Particle[2], out _));
        Assert.Throws<ArgumentException>(() => StructArrays.CenterOfMassXJvp(ps, new Particle[4], out _));
    }

    [Test]
    public void Companions_of_arrays_of_structs_allocate_nothing()
    {
        var ps = Particles();
        var d = new Particle[ps.Length];
        var next = new Particle[ps.Length];
        var tangent = new Particle[ps.Length];
        double sink = 0;
        void Run()
        {
            for (int i = 0; i < 200; i++)
            {
                sink += StructArrays.EnergyGradient(ps, 0.5, d, out double dk) + dk;
                sink += StructArrays.CenterOfMassXVjp(ps, 1, d);
                sink += StructArrays.EnergyHvp(ps, 0.5, ps, 1, d, out double hk) + hk;
                StructArrays.StepJvp(ps, 0.1, next, ps, 1, tangent);
                double dtAdj = 0;
                StructArrays.StepVjp(ps, 0.1, next, ps, d, ref dtAdj);
                sink += dtAdj;
            }
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    // ---- in memory: diagnostics and snapshots ----

    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;

    [Test]
    public void Array_of_a_struct_with_data_fields_is_ADIFF018_at_the_parameter()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct Tagged
                {
                    public double X;
                    public int Tag;
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double Sum([|Tagged[] ts|], double s) => s * ts[0].X;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF018", Error, "'Demo.Tagged[]'", "every field of 'Demo.Tagged' to be a double, or every one a float"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Array_of_tuples_is_ADIFF018_at_the_parameter()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public static partial class Fns
                {
                    [Differentiable]
                    public static double Sum([|(double A, double B)[] ts|]) => ts[0].A * ts[0].B;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF018", Error, "an array of tuples", "use an array of a struct"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Array_of_structs_passed_whole_is_ADIFF004_at_the_use()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct P { public double X; public double Y; }

                public static partial class Fns
                {
                    public static int Count(P[] ps) => ps.Length;

                    [Differentiable]
                    public static double F(P[] ps, double s) => s * Count([|ps|]);
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "an array of structs used whole", "ps[i].X"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Writing_into_an_input_array_of_structs_is_ADIFF012()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct P { public double X; public double Y; }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(P[] ps)
                    {
                        [|ps[0].X = 2|];
                        return ps[0].X * ps[0].Y;
                    }
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF012", Error, "ps"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Snapshot_of_an_array_of_structs()
    {
        const string source = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public record struct P(double X, double Y);

                public static partial class Fns
                {
                    [Differentiable]
                    public static double Spread(ReadOnlySpan<P> ps)
                    {
                        double s = 0;
                        for (int i = 0; i < ps.Length; i++) s += ps[i].X * ps[i].X + ps[i].Y * ps[i].Y;
                        return s;
                    }

                    [Differentiable]
                    public static void Scale(ReadOnlySpan<P> ps, double k, Span<P> ys)
                    {
                        for (int i = 0; i < ps.Length; i++) ys[i] = new P(k * ps[i].X, k * ps[i].Y);
                    }
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, nameof(Snapshot_of_an_array_of_structs));
    }
}
