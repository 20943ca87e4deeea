using System;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Array initializers, collection expressions and constant tables (issue 15, item 5): the fixtures.</summary>
public static partial class InitializerFixtures
{
    /// <summary>An array initializer with active elements.</summary>
    [Differentiable]
    public static double ArrayInitializer(double a, double b, double x)
    {
        double[] w = { a, b * x };
        return w[0] * w[1] + Math.Sin(w[1]);
    }

    /// <summary><c>new[] { … }</c>, a collection expression into an array, read at an index that is not constant.</summary>
    [Differentiable]
    public static double ImplicitArrayAndCollection(double a, double b, double x)
    {
        var p = new[] { a * x, b };
        double[] q = [x, a * b, 2.0];
        double s = 0;
        for (int i = 0; i < 3; i++) s += q[i] * q[i] * (i < 2 ? p[i] : 1.0);
        return s;
    }

    /// <summary><c>stackalloc</c> with initializers, explicit and implicit, and a read-only span of active values.</summary>
    [Differentiable]
    public static double StackallocInitializers(double a, double b, double x)
    {
        Span<double> s = stackalloc double[] { a, b * b };
        Span<double> t = stackalloc[] { x, a + x, 1.5 };
        ReadOnlySpan<double> u = [a * b, x];
        return s[0] * t[1] + s[1] * t[0] * t[2] + u[0] * u[1];
    }

    /// <summary>Three-point Gauss–Legendre quadrature of exp(a·t)·sin(b·t) over [−1, 1]: the constant tables read in a loop.</summary>
    [Differentiable]
    public static double Gauss(double a, double b)
    {
        ReadOnlySpan<double> nodes = [-0.7745966692414834, 0, 0.7745966692414834];
        ReadOnlySpan<double> weights = new double[] { 5.0 / 9, 8.0 / 9, 5.0 / 9 };
        double s = 0;
        for (int i = 0; i < nodes.Length; i++) s += weights[i] * Math.Exp(a * nodes[i]) * Math.Sin(b * nodes[i] + 1);
        return s;
    }

    /// <summary>A polynomial by Horner's rule from a constant coefficient table.</summary>
    [Differentiable]
    public static double Horner(double x)
    {
        ReadOnlySpan<double> c = [1.0, -0.5, 0.25, 0.125];
        double p = 0;
        for (int k = c.Length - 1; k >= 0; k--) p = p * x + c[k];
        return p;
    }

    /// <summary>An initializer inside a loop body.</summary>
    [Differentiable]
    public static double InitializerInALoop(double[] x, double a)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double[] p = { x[i], x[i] * a, 1.0 };
            for (int k = 0; k < p.Length; k++) s += p[k] * Math.Cos(p[(k + 1) % 3]);
        }
        return s;
    }
}

/// <summary>
/// Array initializers and collection expressions (issue 15, item 5): a buffer and a write per element, followed as values
/// while only constant indices read it; a read-only span of constants is a table the compiler keeps as static data, never
/// made again per call.
/// </summary>
public class InitializerTests
{
    [TestCase(nameof(InitializerFixtures.ArrayInitializer), new[] { 0.7, -1.3, 0.4 })]
    [TestCase(nameof(InitializerFixtures.ImplicitArrayAndCollection), new[] { 0.7, -1.3, 0.4 })]
    [TestCase(nameof(InitializerFixtures.StackallocInitializers), new[] { 0.7, -1.3, 0.4 })]
    [TestCase(nameof(InitializerFixtures.Gauss), new[] { 0.6, 1.7 })]
    [TestCase(nameof(InitializerFixtures.Horner), new[] { 0.9 })]
    public void Companions_agree_with_differences_and_each_other(string name, double[] at) =>
        CompanionSet.Scalars(typeof(InitializerFixtures), name).Check(at);

    [Test]
    public void Initializer_in_a_loop() =>
        CompanionSet.ArrayAndScalar(3, InitializerFixtures.InitializerInALoop, InitializerFixtures.InitializerInALoopGradient,
            InitializerFixtures.InitializerInALoopVjp, InitializerFixtures.InitializerInALoopJvp, InitializerFixtures.InitializerInALoopHvp)
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });

    [Test]
    public void Hand_formulas()
    {
        // w = {a, b·x}: f = a·b·x + sin(b·x).
        InitializerFixtures.ArrayInitializerGradient(0.7, -1.3, 0.4, out double da, out double db, out double dx);
        Assert.That(da, Is.EqualTo(-1.3 * 0.4).Within(1e-15));
        Assert.That(db, Is.EqualTo(0.7 * 0.4 + 0.4 * Math.Cos(-1.3 * 0.4)).Within(1e-15));
        Assert.That(dx, Is.EqualTo(0.7 * -1.3 + -1.3 * Math.Cos(-1.3 * 0.4)).Within(1e-15));

        // Horner: p = 1 − x/2 + x²/4 + x³/8, p' = −1/2 + x/2 + 3x²/8.
        InitializerFixtures.HornerGradient(0.9, out double dp);
        Assert.That(dp, Is.EqualTo(-0.5 + 0.45 + 3 * 0.81 / 8).Within(1e-15));

        // Gauss: ∂/∂a = Σ wᵢ tᵢ exp(a tᵢ) sin(b tᵢ + 1).
        double[] t = { -0.7745966692414834, 0, 0.7745966692414834 }, w = { 5.0 / 9, 8.0 / 9, 5.0 / 9 };
        InitializerFixtures.GaussGradient(0.6, 1.7, out double ga, out double gb);
        double ea = 0, eb = 0;
        for (int i = 0; i < 3; i++)
        {
            ea += w[i] * t[i] * Math.Exp(0.6 * t[i]) * Math.Sin(1.7 * t[i] + 1);
            eb += w[i] * t[i] * Math.Exp(0.6 * t[i]) * Math.Cos(1.7 * t[i] + 1);
        }
        Assert.That(ga, Is.EqualTo(ea).Within(1e-14));
        Assert.That(gb, Is.EqualTo(eb).Within(1e-14));
    }

    [Test]
    public void Constant_tables_and_stack_initializers_allocate_nothing()
    {
        double sink = 0;
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            for (int k = 0; k < 100; k++)
            {
                double a = 0.5 + k * 1e-3, aAdj = 0, bAdj = 0, xAdj = 0;
                sink += InitializerFixtures.GaussGradient(a, 1.7, out double da, out double db) + da + db;
                sink += InitializerFixtures.GaussVjp(a, 1.7, 1.0, ref aAdj, ref bAdj) + aAdj;
                sink += InitializerFixtures.GaussJvp(a, 1.7, 1.0, 0.5, out double t) + t;
                sink += InitializerFixtures.GaussHvp(a, 1.7, 1.0, 0.5, out double ha, out double hb) + ha + hb;
                sink += InitializerFixtures.HornerGradient(a, out double dh) + dh;
                sink += InitializerFixtures.StackallocInitializersGradient(a, 1.7, 0.3, out double s1, out double s2, out double s3) + s1 + s2 + s3;
                sink += InitializerFixtures.StackallocInitializersVjp(a, 1.7, 0.3, 1.0, ref aAdj, ref bAdj, ref xAdj) + xAdj;
                // The method allocates its array; its companions follow the two elements as values and allocate nothing.
                sink += InitializerFixtures.ArrayInitializerGradient(a, 1.7, 0.3, out double i1, out double i2, out double i3) + i1 + i2 + i3;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    [Test]
    public void Float_and_integer_tables_empty_initializers_and_a_table_declared_in_a_loop([Values] bool optimize)
    {
        var run = GeneratorHarness.RunWith(optimize ? HarnessOptions.Default : HarnessOptions.Unoptimized, DiagnosticCase.Source("""
            public static partial class Fns
            {
                [Differentiable]
                public static float FloatTable(float a) { ReadOnlySpan<float> f = [0.5f, 1f, -2.25f]; float s = 0; for (int i = 0; i < f.Length; i++) s += f[i] * a * a; return s; }

                [Differentiable]
                public static double IntTable(double[] x) { ReadOnlySpan<int> idx = [2, 0, 1]; double s = 0; for (int k = 0; k < 3; k++) s += x[idx[k]] * (k + 1) * x[k]; return s; }

                [Differentiable]
                public static double Empty(double a) { double[] w = []; ReadOnlySpan<double> e = []; return a * a + w.Length + e.Length; }

                [Differentiable]
                public static double TableInALoop(double a, double b)
                {
                    double s = 0;
                    for (int i = 0; i < 3; i++) { ReadOnlySpan<double> c = [1.0, 2.0, 3.0]; s += c[i] * Math.Sin(a * c[2 - i]) * b; }
                    return s;
                }
            }
            """));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var type = loaded.Type("Demo.Fns");
        CompanionSet.Scalars(type, "Empty").Check(new[] { 0.7 });
        CompanionSet.Scalars(type, "TableInALoop").Check(new[] { 0.7, -1.3 });

        // f = (0.5 + 1 − 2.25)·a² = −0.75 a², f' = −1.5 a.
        var floatGradient = loaded.Method("Demo.Fns", "FloatTableGradient");
        var args = new object?[] { 2f, null };
        Assert.That((float)floatGradient.Invoke(null, args)!, Is.EqualTo(-3f));
        Assert.That((float)args[1]!, Is.EqualTo(-3f));

        // s = 1·x2·x0 + 2·x0·x1 + 3·x1·x2.
        var gradient = loaded.Delegate<IntTableGradient>("Demo.Fns", "IntTableGradient");
        double[] x = { 0.4, -0.8, 1.1 };
        var dx = new double[3];
        Assert.That(gradient(x, dx), Is.EqualTo(x[2] * 1 * x[0] + x[0] * 2 * x[1] + x[1] * 3 * x[2]));
        Assert.That(dx, Is.EqualTo(new[] { x[2] + 2 * x[1], 2 * x[0] + 3 * x[2], x[0] + 3 * x[1] }).Within(1e-15));
    }

    private delegate double IntTableGradient(double[] x, Span<double> dx);

    [Test]
    public void Table_op_verifies_prints_and_parses_back()
    {
        var b = new AutoDiff.Generator.Ir.IrBuilder();
        int a = b.Param("a", AutoDiff.Generator.Ir.TypeRef.Double);
        int table = b.Emit(AutoDiff.Generator.Ir.Op.Table, AutoDiff.Generator.Ir.TypeRef.ReadOnlySpanOf(AutoDiff.Generator.Ir.TypeRef.Double), Array.Empty<int>(),
            payload: new AutoDiff.Generator.Ir.ConstTable("-0.77,0,1E-300"));
        int element = b.Emit(AutoDiff.Generator.Ir.Op.Element, AutoDiff.Generator.Ir.TypeRef.Double, new[] { table, b.Integer(2, AutoDiff.Generator.Ir.TypeRef.Int) });
        var function = b.Build("F", new[] { new AutoDiff.Generator.Ir.IrResult("value", b.Mul(a, element)) });
        Assert.That(AutoDiff.Generator.Ir.IrVerifier.Verify(function), Is.Empty);
        string text = AutoDiff.Generator.Ir.IrPrinter.Print(function);
        Assert.That(text, Does.Contain("table global::System.ReadOnlySpan<double> {elements: \"-0.77,0,1E-300\"}"));
        Assert.That(AutoDiff.Generator.Ir.IrParser.Parse(text), Is.EqualTo(function));
        // A writable span is not a table: the verifier wants a read-only span of numbers.
        var bad = new AutoDiff.Generator.Ir.IrBuilder();
        bad.Emit(AutoDiff.Generator.Ir.Op.Table, AutoDiff.Generator.Ir.TypeRef.SpanOf(AutoDiff.Generator.Ir.TypeRef.Double), Array.Empty<int>(), payload: new AutoDiff.Generator.Ir.ConstTable("1"));
        Assert.That(AutoDiff.Generator.Ir.IrVerifier.Verify(bad.Build("G", Array.Empty<AutoDiff.Generator.Ir.IrResult>())), Has.Some.Contains("read-only span of numbers"));
    }

    [Test]
    public void Snapshot_initializers() => GeneratedCode.VerifyInFns("""
                [Differentiable]
                public static double Weights(double a, double b, double x)
                {
                    double[] w = { a, b * x };
                    return w[0] * w[1];
                }

                [Differentiable]
                public static double Gauss(double a)
                {
                    ReadOnlySpan<double> nodes = [-0.7745966692414834, 0, 0.7745966692414834];
                    ReadOnlySpan<double> weights = [5.0 / 9, 8.0 / 9, 5.0 / 9];
                    double s = 0;
                    for (int i = 0; i < 3; i++) s += weights[i] * Math.Exp(a * nodes[i]);
                    return s;
                }

                [Differentiable]
                public static double Indexed(double a, double b, int k)
                {
                    double[] v = [a, a * b, b];
                    return v[k] * v[(k + 1) % 3];
                }
        """, "Initializers");
}
