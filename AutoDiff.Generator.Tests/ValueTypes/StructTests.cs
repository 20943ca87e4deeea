using System;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>
/// Structs as differentiated values (issue 16): the fixtures of <c>Structs.cs</c> get their companions at build time, with
/// a struct's derivative a value of the same struct. Each companion is checked against central finite differences,
/// reverse against forward mode, a hand formula where short, and the primal value bit for bit.
/// </summary>
public sealed class StructTests
{
    private const double Tolerance = 1e-6;

    /// <summary>Central finite difference of <paramref name="f"/> along <paramref name="direction"/>.</summary>
    private static double Directional(Func<double, double> f, double h = 1e-6) => (f(h) - f(-h)) / (2 * h);

    private static void Near(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(Tolerance * (1 + Math.Abs(expected))), what);

    [TestCase(0.6, -1.7)]
    [TestCase(-2.5, 0.3)]
    public void Norm_of_a_mutable_struct(double x, double y)
    {
        var p = new Point(x, y);
        double value = Structs.NormGradient(p, out Point dp);
        Assert.That(value, Is.EqualTo(Structs.Norm(p)), "primal bit for bit");
        double r = Math.Sqrt(x * x + y * y);
        Near(dp.X, x / r, "d/dX by hand");
        Near(dp.Y, y / r, "d/dY by hand");
        Near(dp.X, Directional(h => Structs.Norm(new Point(x + h, y))), "d/dX by differences");

        var adj = new Point(0.25, -0.5);
        Assert.That(Structs.NormVjp(p, 2.0, ref adj), Is.EqualTo(value));
        Near(adj.X, 0.25 + 2.0 * dp.X, "Vjp adds seed × gradient");
        Near(adj.Y, -0.5 + 2.0 * dp.Y, "Vjp adds seed × gradient");

        var dot = new Point(0.3, -1.1);
        Assert.That(Structs.NormJvp(p, dot, out double tangent), Is.EqualTo(value));
        Near(tangent, dot.X * dp.X + dot.Y * dp.Y, "Jvp = gradient · tangent");
    }

    [Test]
    public void Readonly_struct_derivative_is_rebuilt_through_its_constructor()
    {
        var q = new Polar(1.3, 0.7);
        double value = Structs.AreaGradient(q, 2.5, out Polar dq, out double dScale);
        Assert.That(value, Is.EqualTo(Structs.Area(q, 2.5)));
        Near(dq.R, 2 * 2.5 * 1.3 * Math.Sin(0.7), "d/dR");
        Near(dq.Theta, 2.5 * 1.3 * 1.3 * Math.Cos(0.7), "d/dTheta");
        Near(dScale, 1.3 * 1.3 * Math.Sin(0.7), "d/dscale");

        var adj = new Polar(1.0, 2.0);
        double scaleAdj = 0.5;
        Assert.That(Structs.AreaVjp(q, 2.5, -1.5, ref adj, ref scaleAdj), Is.EqualTo(value));
        Near(adj.R, 1.0 - 1.5 * dq.R, "Vjp R");
        Near(adj.Theta, 2.0 - 1.5 * dq.Theta, "Vjp Theta");
        Near(scaleAdj, 0.5 - 1.5 * dScale, "Vjp scale");

        Structs.AreaJvp(q, 2.5, new Polar(0.2, -0.4), 0.1, out double tangent);
        Near(tangent, 0.2 * dq.R - 0.4 * dq.Theta + 0.1 * dScale, "Jvp");
        Near(tangent, Directional(h => Structs.Area(new Polar(1.3 + 0.2 * h, 0.7 - 0.4 * h), 2.5 + 0.1 * h)), "Jvp by differences");
    }

    [Test]
    public void Record_struct_pass_through_field_is_copied_not_differentiated()
    {
        var s = new Sample(1.5, -0.25, 7);
        double value = Structs.WeightedGradient(s, out Sample ds);
        Assert.That(value, Is.EqualTo(Structs.Weighted(s)));
        Assert.That(ds, Is.EqualTo(new Sample(-0.25, 1.5, 7)), "the derivative keeps Id from the primal");

        var adj = new Sample(1, 1, 42);
        Structs.WeightedVjp(s, 1.0, ref adj);
        Assert.That(adj, Is.EqualTo(new Sample(0.75, 2.5, 42)), "the adjoint's Id is left as it was");
    }

    [Test]
    public void Nested_struct_leaves()
    {
        var seg = new Segment { A = new Point(0.5, 1.0), B = new Point(2.0, -1.5) };
        double value = Structs.LengthGradient(seg, out Segment d);
        Assert.That(value, Is.EqualTo(Structs.Length(seg)));
        double dx = 1.5, dy = -2.5, l = Math.Sqrt(dx * dx + dy * dy);
        Near(d.B.X, dx / l, "d/dB.X");
        Near(d.B.Y, dy / l, "d/dB.Y");
        Near(d.A.X, -dx / l, "d/dA.X");
        Near(d.A.Y, -dy / l, "d/dA.Y");
        var dot = new Segment { A = new Point(0.1, 0.2), B = new Point(-0.3, 0.4) };
        Structs.LengthJvp(seg, dot, out double tangent);
        Near(tangent, Directional(h => Structs.Length(new Segment { A = new Point(0.5 + 0.1 * h, 1.0 + 0.2 * h), B = new Point(2.0 - 0.3 * h, -1.5 + 0.4 * h) })), "Jvp by differences");
    }

    [TestCase(0.8, -0.4)]
    [TestCase(-1.2, 2.0)]
    public void Struct_locals_construction_initializers_with_and_field_writes(double x, double y)
    {
        double value = Structs.LocalsGradient(x, y, out double dx, out double dy);
        Assert.That(value, Is.EqualTo(Structs.Locals(x, y)));
        // 4x² + xy
        Near(dx, 8 * x + y, "d/dx by hand");
        Near(dy, x, "d/dy by hand");
        Structs.LocalsJvp(x, y, 0.3, -0.7, out double tangent);
        Near(tangent, 0.3 * dx - 0.7 * dy, "Jvp");
    }

    [Test]
    public void Operators_and_instance_methods_of_the_struct()
    {
        var p = new Point(0.7, -1.2);
        var q = new Point(1.5, 0.4);
        double k = 0.9;
        double value = Structs.OperatorsGradient(p, q, k, out Point dp, out Point dq, out double dk);
        Assert.That(value, Is.EqualTo(Structs.Operators(p, q, k)));
        // (p + k q)·p = |p|² + k q·p
        Near(dp.X, 2 * p.X + k * q.X, "d/dp.X");
        Near(dp.Y, 2 * p.Y + k * q.Y, "d/dp.Y");
        Near(dq.X, k * p.X, "d/dq.X");
        Near(dq.Y, k * p.Y, "d/dq.Y");
        Near(dk, q.X * p.X + q.Y * p.Y, "d/dk");

        double dotValue = p.DotGradient(q, out Point dOther);
        Assert.That(dotValue, Is.EqualTo(p.Dot(q)));
        Assert.That(dOther, Is.EqualTo(p));
    }

    [TestCase(0.4, 1.3)]
    [TestCase(-2.1, -0.6)]
    public void Struct_result_Jvp_and_Vjp(double x, double angle)
    {
        var p = new Point(x, 0.5);
        var rotated = Structs.Rotate(p, angle);
        var pDot = new Point(0.3, -0.2);
        double angleDot = 0.7;
        var value = Structs.RotateJvp(p, angle, pDot, angleDot, out Point tangent);
        Assert.That(value, Is.EqualTo(rotated), "primal bit for bit");
        Near(tangent.X, Directional(h => Structs.Rotate(new Point(x + 0.3 * h, 0.5 - 0.2 * h), angle + 0.7 * h).X), "tangent X");
        Near(tangent.Y, Directional(h => Structs.Rotate(new Point(x + 0.3 * h, 0.5 - 0.2 * h), angle + 0.7 * h).Y), "tangent Y");

        // Reverse against forward: seed · (J ṗ) = (seedᵀ J) · ṗ.
        var seed = new Point(-1.1, 0.6);
        var pAdj = new Point(0, 0);
        double angleAdj = 0;
        Assert.That(Structs.RotateVjp(p, angle, seed, ref pAdj, ref angleAdj), Is.EqualTo(rotated));
        Near(pAdj.X * pDot.X + pAdj.Y * pDot.Y + angleAdj * angleDot, seed.X * tangent.X + seed.Y * tangent.Y, "Vjp against Jvp");
    }

    [TestCase(0.3)]
    [TestCase(2.2)]
    public void Tuple_result_and_deconstruction(double x)
    {
        var value = Structs.SinCosJvp(x, 1.0, out var tangent);
        Assert.That(value, Is.EqualTo(Structs.SinCos(x)));
        // (sin x cos x, cos x − sin x)
        Near(tangent.Item1, Math.Cos(2 * x), "d/dx sin x cos x");
        Near(tangent.Item2, -Math.Sin(x) - Math.Cos(x), "d/dx cos x − sin x");
        double xAdj = 0;
        Structs.SinCosVjp(x, (0.5, -2.0), ref xAdj);
        Near(xAdj, 0.5 * tangent.Item1 - 2.0 * tangent.Item2, "Vjp against Jvp");
    }

    [TestCase(0.9, 0.4, 3)]
    [TestCase(-0.7, 1.1, 5)]
    public void Tuple_swap_in_a_loop(double a, double b, int n)
    {
        double value = Structs.SwapGradient(a, b, n, out double da, out double db);
        Assert.That(value, Is.EqualTo(Structs.Swap(a, b, n)));
        Near(da, Directional(h => Structs.Swap(a + h, b, n)), "d/da");
        Near(db, Directional(h => Structs.Swap(a, b + h, n)), "d/db");
        Structs.SwapJvp(a, b, n, 0.4, -0.3, out double tangent);
        Near(tangent, 0.4 * da - 0.3 * db, "Jvp against gradient");
        // Hvp against differences of the gradient.
        Structs.SwapHvp(a, b, n, 1.0, 0.0, out double hvA, out double hvB);
        Near(hvA, Directional(h => { Structs.SwapGradient(a + h, b, n, out double g, out _); return g; }), "Hvp a,a");
        Near(hvB, Directional(h => { Structs.SwapGradient(a + h, b, n, out _, out double g); return g; }), "Hvp b,a");
    }

    [Test]
    public void Record_struct_equality_in_a_condition()
    {
        var a = new Sample(1.5, 2.0, 1);
        double equal = RecordStructs.SameGradient(a, a, out Sample da, out Sample db);
        Assert.That(equal, Is.EqualTo(RecordStructs.Same(a, a)));
        Assert.That((da.Value, da.Weight, db.Value, db.Weight), Is.EqualTo((2.0, 0.0, 0.0, 1.5)));
        var b = a with { Id = 2 };
        double different = RecordStructs.SameGradient(a, b, out da, out db);
        Assert.That(different, Is.EqualTo(RecordStructs.Same(a, b)));
        Assert.That((da.Value, db.Value), Is.EqualTo((1.0, -1.0)));
        // A record struct's == uses Equals: two NaNs are equal, and the generated code agrees.
        var nan = new Sample(double.NaN, 2.0, 1);
        Assert.That(RecordStructs.SameGradient(nan, nan, out _, out _), Is.EqualTo(RecordStructs.Same(nan, nan)));
    }

    [TestCase(0.6, -1.7)]
    [TestCase(1.4, 0.9)]
    public void Hvp_of_a_struct_parameter_against_differences_of_the_gradient(double x, double y)
    {
        var p = new Point(x, y);
        var v = new Point(0.4, -0.9);
        double value = Structs.NormHvp(p, v, out Point hv);
        Assert.That(value, Is.EqualTo(Structs.Norm(p)));
        Point Gradient(double h)
        {
            Structs.NormGradient(new Point(x + h * v.X, y + h * v.Y), out Point g);
            return g;
        }
        Near(hv.X, Directional(h => Gradient(h).X), "H·v X");
        Near(hv.Y, Directional(h => Gradient(h).Y), "H·v Y");

        // A readonly struct's H·v is rebuilt through its constructor, and a scalar beside it keeps its own.
        var q = new Polar(1.3, 0.7);
        Structs.AreaHvp(q, 2.5, new Polar(0.2, -0.4), 0.1, out Polar hq, out double hScale);
        double AreaGradient(double h, int which)
        {
            Structs.AreaGradient(new Polar(1.3 + 0.2 * h, 0.7 - 0.4 * h), 2.5 + 0.1 * h, out Polar g, out double gs);
            return which == 0 ? g.R : which == 1 ? g.Theta : gs;
        }
        Near(hq.R, Directional(h => AreaGradient(h, 0)), "H·v R");
        Near(hq.Theta, Directional(h => AreaGradient(h, 1)), "H·v Theta");
        Near(hScale, Directional(h => AreaGradient(h, 2)), "H·v scale");
    }

    [Test]
    public void Computed_property_struct_field_of_a_class_and_a_plain_call_returning_a_struct()
    {
        var scene = new Scene();
        var p = new Point(0.3, 0.8);
        double value = scene.BrightnessGradient(p, out Point dp);
        Assert.That(value, Is.EqualTo(scene.Brightness(p)));
        Near(dp.X, Directional(h => scene.Brightness(new Point(0.3 + h, 0.8))), "d/dX");
        Near(dp.Y, Directional(h => scene.Brightness(new Point(0.3, 0.8 + h))), "d/dY");
    }

    [Test]
    public void Struct_companions_allocate_nothing()
    {
        double sink = 0;
        void Run()
        {
            for (int i = 0; i < 1000; i++)
            {
                var p = new Point(0.5 + i * 1e-6, -0.3);
                sink += Structs.NormGradient(p, out Point dp) + dp.X;
                var adj = default(Polar);
                double scaleAdj = 0;
                sink += Structs.AreaVjp(new Polar(1, 0.5), 2, 1, ref adj, ref scaleAdj) + adj.R;
                sink += Structs.RotateJvp(p, 0.3, p, 1, out Point t).X + t.Y;
                sink += Structs.SwapGradient(0.5, 0.7, 4, out double da, out _) + da;
            }
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}
