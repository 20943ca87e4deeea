using System;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>
/// The Hessian of methods taking structs and arrays of structs, and the Jacobian of methods returning structs and tuples
/// (issue 16): against hand formulas, the Hvp and Jvp they are made of, finite differences of the gradient, and 0 B per call.
/// </summary>
public sealed class StructSecondOrderTests
{
    private static void Near(double actual, double expected, string what, double tolerance = 1e-6) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    [TestCase(0.6, -1.7)]
    [TestCase(-2.5, 0.3)]
    public void Hessian_of_a_struct_parameter_is_the_hand_formula(double x, double y)
    {
        var p = new Point(x, y);
        var h = new double[4];
        Assert.That(Structs.NormHessian(p, h), Is.EqualTo(Structs.Norm(p)), "primal bit for bit");
        // ∇²|p| = (I − u uᵀ) / r, u = p / r.
        double r = Math.Sqrt(x * x + y * y), ux = x / r, uy = y / r;
        Near(h[0], (1 - ux * ux) / r, "XX");
        Near(h[1], -ux * uy / r, "XY");
        Near(h[2], -ux * uy / r, "YX");
        Near(h[3], (1 - uy * uy) / r, "YY");
    }

    [Test]
    public void Hessian_of_a_readonly_struct_and_a_scalar_matches_differences_of_the_gradient()
    {
        var q = new Polar(1.3, 0.7);
        const double scale = 2.5;
        var h = new double[9];
        Assert.That(Structs.AreaHessian(q, scale, h), Is.EqualTo(Structs.Area(q, scale)), "primal bit for bit");
        const double e = 1e-5;
        double[] Gradient(double r, double theta, double s)
        {
            Structs.AreaGradient(new Polar(r, theta), s, out Polar d, out double ds);
            return new[] { d.R, d.Theta, ds };
        }
        var coordinates = new[] { 1.3, 0.7, scale };
        for (int j = 0; j < 3; j++)
        {
            var plus = (double[])coordinates.Clone();
            var minus = (double[])coordinates.Clone();
            plus[j] += e;
            minus[j] -= e;
            var gp = Gradient(plus[0], plus[1], plus[2]);
            var gm = Gradient(minus[0], minus[1], minus[2]);
            for (int i = 0; i < 3; i++) Near(h[i * 3 + j], (gp[i] - gm[i]) / (2 * e), $"H[{i},{j}]", 1e-5);
        }
        Assert.That(h[1], Is.EqualTo(h[3]), "exactly symmetric");
    }

    [Test]
    public void Hessian_skips_pass_through_fields()
    {
        var s = new Sample(1.5, -0.25, 7);
        var h = new double[4];
        Assert.That(Structs.WeightedHessian(s, h), Is.EqualTo(Structs.Weighted(s)));
        Assert.That(h, Is.EqualTo(new[] { 0.0, 1.0, 1.0, 0.0 }), "∂²(Value·Weight): only the two floating fields count");
    }

    [Test]
    public void Hessian_of_an_array_of_structs_matches_its_Hvp()
    {
        var ps = new[] { new Particle(0.3, 1.2, 2.0), new Particle(-0.7, 0.4, 0.5) };
        const double k = 0.8;
        int n = ps.Length * 3 + 1;
        var h = new double[n * n];
        Assert.That(StructArrays.EnergyHessian(ps, k, h), Is.EqualTo(StructArrays.Energy(ps, k)), "primal bit for bit");
        var v = new Particle[ps.Length];
        var hv = new Particle[ps.Length];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(v);
            double vk = 0;
            if (j < n - 1) v[j / 3] = new Particle(j % 3 == 0 ? 1 : 0, j % 3 == 1 ? 1 : 0, j % 3 == 2 ? 1 : 0);
            else vk = 1;
            StructArrays.EnergyHvp(ps, k, v, vk, hv, out double hvK);
            for (int i = 0; i < ps.Length; i++)
            {
                Near(h[(3 * i) * n + j], hv[i].X, $"H[{3 * i},{j}]");
                Near(h[(3 * i + 1) * n + j], hv[i].Y, $"H[{3 * i + 1},{j}]");
                Near(h[(3 * i + 2) * n + j], hv[i].Mass, $"H[{3 * i + 2},{j}]");
            }
            Near(h[(n - 1) * n + j], hvK, $"H[k,{j}]");
        }
    }

    [TestCase(0.4, -1.1, 0.9)]
    public void Jacobian_of_a_struct_result_matches_its_Jvp_and_the_hand_formula(double x, double y, double angle)
    {
        var p = new Point(x, y);
        var j = new double[2 * 3];
        var value = Structs.RotateJacobian(p, angle, j);
        Assert.That(value, Is.EqualTo(Structs.Rotate(p, angle)), "primal bit for bit");
        double c = Math.Cos(angle), s = Math.Sin(angle);
        // Rows: result X, Y; columns: p.X, p.Y, angle.
        Assert.That(j[0], Is.EqualTo(c), "∂X/∂p.X");
        Assert.That(j[1], Is.EqualTo(-s), "∂X/∂p.Y");
        Near(j[2], -s * x - c * y, "∂X/∂angle");
        Assert.That(j[3], Is.EqualTo(s), "∂Y/∂p.X");
        Assert.That(j[4], Is.EqualTo(c), "∂Y/∂p.Y");
        Near(j[5], c * x - s * y, "∂Y/∂angle");
        Structs.RotateJvp(p, angle, new Point(0, 0), 1, out Point tangent);
        Near(j[2], tangent.X, "column of angle = Jvp");
        Near(j[5], tangent.Y, "column of angle = Jvp");
    }

    [Test]
    public void Jacobian_of_a_tuple_result()
    {
        const double x = 0.7;
        var j = new double[2];
        var value = Structs.SinCosJacobian(x, j);
        Assert.That(value, Is.EqualTo(Structs.SinCos(x)), "primal bit for bit");
        Near(j[0], Math.Cos(2 * x), "d(sin·cos)/dx");
        Near(j[1], -Math.Sin(x) - Math.Cos(x), "d(cos − sin)/dx");
        Assert.Throws<ArgumentException>(() => Structs.SinCosJacobian(x, new double[3]));
    }

    [Test]
    public void Hessian_and_Jacobian_allocate_nothing()
    {
        var ps = new[] { new Particle(0.3, 1.2, 2.0), new Particle(-0.7, 0.4, 0.5) };
        var h = new double[49];
        var h2 = new double[4];
        var j = new double[6];
        double sink = 0;
        void Run()
        {
            for (int i = 0; i < 100; i++)
            {
                sink += StructArrays.EnergyHessian(ps, 0.5, h) + h[3];
                sink += Structs.NormHessian(new Point(0.5, i), h2);
                sink += Structs.RotateJacobian(new Point(0.5, 0.25), i, j).X + j[2];
            }
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    // ---- calls with struct arguments to methods that are not [Differentiable] ----

    [Test]
    public void Struct_data_passed_to_an_ordinary_method_runs_as_written()
    {
        var p = new Particle(0.5, -1, 2.5);
        double value = StructArrays.ScaledGradient(1.5, p, out double dx);
        Assert.That(value, Is.EqualTo(StructArrays.Scaled(1.5, p)), "primal bit for bit");
        Near(dx, 2 * 1.5 * StructArrays.Weight(p), "d(x² w)/dx = 2 x w");
        double local = StructArrays.WithLocalGradient(0.75, 4, out double dLocal);
        Assert.That(local, Is.EqualTo(StructArrays.WithLocal(0.75, 4)), "primal bit for bit");
        Near(dLocal, StructArrays.Weight(new Particle(4, 0.5, 3)), "d(x w)/dx = w");
    }

    [Test]
    public void Active_struct_passed_to_an_ordinary_method_is_ADIFF005_at_the_call()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct P { public double X; public double Y; public P(double x, double y) { X = x; Y = y; } }

                public static partial class Fns
                {
                    public static double Norm(P p) => Math.Sqrt(p.X * p.X + p.Y * p.Y);

                    [Differentiable]
                    public static double F(double x) => [|Norm(new P(x, 1))|];
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Microsoft.CodeAnalysis.DiagnosticSeverity.Error, "Demo.Fns.Norm"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Snapshot_of_a_Hessian_over_a_struct_and_a_Jacobian_of_a_struct_result()
    {
        const string source = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public readonly struct V
                {
                    public readonly double X;
                    public readonly double Y;
                    public V(double x, double y) { X = x; Y = y; }
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double Bowl(V v, double k) => k * (v.X * v.X + 3 * v.Y * v.Y);

                    [Differentiable]
                    public static V Polar(double r, double t) => new V(r * Math.Cos(t), r * Math.Sin(t));
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, nameof(Snapshot_of_a_Hessian_over_a_struct_and_a_Jacobian_of_a_struct_result));
    }
}
