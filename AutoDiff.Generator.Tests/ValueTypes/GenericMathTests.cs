using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>
/// Generic math (issue 16): <c>[Differentiable] static T F&lt;T&gt;(T x) where T : IFloatingPointIeee754&lt;T&gt;</c> gets generic
/// companions, instantiated here with double and float; <c>double.Exp</c>/<c>float.Sqrt</c>… are the Math functions.
/// </summary>
public class GenericMathTests
{
    private const string Source = """
        using System;
        using System.Numerics;
        using AutoDiff;

        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable]
                public static T F<T>(T x, T y) where T : IFloatingPointIeee754<T>
                {
                    T s = T.Exp(x) * T.Sin(y) + T.Sqrt(x * x + T.One) / T.CreateChecked(2.0);
                    s += T.Pi * T.Pow(x, T.CreateChecked(3)) - T.CreateChecked(0.1) * y;
                    if (s > T.Zero) s = T.Log(s + T.One);
                    return s * T.Cos(x * y) + T.Atan2(y, x) - T.Tanh(y) / T.CreateChecked(3) + T.Asin(y / T.CreateChecked(4));
                }

                // The same operations in the same order, written for float and for double.
                [Differentiable]
                public static float FFloat(float x, float y)
                {
                    float s = MathF.Exp(x) * MathF.Sin(y) + MathF.Sqrt(x * x + 1f) / 2.0f;
                    s += MathF.PI * MathF.Pow(x, 3f) - 0.1f * y;
                    if (s > 0f) s = MathF.Log(s + 1f);
                    return s * MathF.Cos(x * y) + MathF.Atan2(y, x) - MathF.Tanh(y) / 3f + MathF.Asin(y / 4f);
                }

                [Differentiable]
                public static double FDouble(double x, double y)
                {
                    double s = Math.Exp(x) * Math.Sin(y) + Math.Sqrt(x * x + 1.0) / 2.0;
                    s += Math.PI * Math.Pow(x, 3.0) - 0.1 * y;
                    if (s > 0.0) s = Math.Log(s + 1.0);
                    return s * Math.Cos(x * y) + Math.Atan2(y, x) - Math.Tanh(y) / 3.0 + Math.Asin(y / 4.0);
                }

                // d/dx = e^x (sin x + cos x).
                [Differentiable]
                public static T ExpSin<T>(T x) where T : IFloatingPoint<T>, IExponentialFunctions<T>, ITrigonometricFunctions<T> => T.Exp(x) * T.Sin(x);

                [Differentiable]
                public static T Loop<T>(T x, int n) where T : unmanaged, IFloatingPointIeee754<T>
                {
                    T s = T.Zero;
                    for (int i = 0; i < n; i++) s = s * x + T.Sin(s + T.CreateChecked(i) / T.CreateChecked(n));
                    return T.Max(s, x) + T.Abs(x) + T.Hypot(x, s) - T.E;
                }

                // A double parameter converted into T, and calls from generic and non-generic methods.
                [Differentiable]
                public static T Mixed<T>(T x, double d) where T : IFloatingPointIeee754<T> => x * T.CreateChecked(d * d) + T.CreateChecked(double.CreateChecked(x) * 2.0);

                [Differentiable]
                public static T Caller<T>(T x) where T : IFloatingPointIeee754<T> => Mixed(x, 2.0) * x + Mixed(T.Sin(x), double.CreateChecked(x));

                [Differentiable]
                public static double DoubleCaller(double x) => Mixed(x, x) * x;

                [Differentiable]
                public static double Members(double x, double y) =>
                    double.Exp(x) * double.Sqrt(y) + double.Hypot(x, y) + double.Pi * double.Log(x, y) + double.Pow(x, 2.5) - double.E * double.Cbrt(y);

                [Differentiable]
                public static float FloatMembers(float x, float y) =>
                    float.Exp(x) * float.Sqrt(y) + float.Hypot(x, y) + float.Pi * float.Log(x, y) + float.Pow(x, 2.5f) - float.E * float.Cbrt(y);
            }

            public partial class Model<T> where T : unmanaged, IFloatingPointIeee754<T>
            {
                public T Scale = T.One;

                [Differentiable]
                public T Energy(ReadOnlySpan<T> x)
                {
                    T s = T.Zero;
                    for (int i = 0; i < x.Length; i++) s += T.Cos(x[i]) * x[i];
                    return s;
                }
            }
        }
        """;

    private static GeneratorRun? run;
    private static LoadedAssembly? loaded;

    [OneTimeSetUp]
    public void Generate()
    {
        run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics(), Is.Empty);
        loaded = run.Load();
    }

    [OneTimeTearDown]
    public void Unload() => loaded?.Dispose();

    /// <summary>Calls <c>Demo.Fns.{name}</c>, instantiated with <paramref name="t"/> when generic; out and ref results are written back into <paramref name="args"/>.</summary>
    private static object Call(string name, Type? t, params object[] args)
    {
        MethodInfo method = loaded!.Method("Demo.Fns", name);
        if (method.IsGenericMethodDefinition) method = method.MakeGenericMethod(t!);
        return method.Invoke(null, BindingFlags.DoNotWrapExceptions, null, args, null)!;
    }

    private static double F(double x, double y) => (double)Call("F", typeof(double), x, y);

    private static readonly (double X, double Y)[] Points = { (0.7, 0.3), (-0.4, 1.1), (1.3, -0.9), (0.2, 2.5) };

    [Test]
    public void Double_gradient_matches_central_differences_and_forward_mode()
    {
        foreach (var (x, y) in Points)
        {
            var g = new object[] { x, y, 0.0, 0.0 };
            double value = (double)Call("FGradient", typeof(double), g);
            double h = 1e-6;
            double fx = (F(x + h, y) - F(x - h, y)) / (2 * h);
            double fy = (F(x, y + h) - F(x, y - h)) / (2 * h);
            Assert.That((double)g[2], Is.EqualTo(fx).Within(1e-6 * (1 + Math.Abs(fx))), $"∂x at ({x}, {y})");
            Assert.That((double)g[3], Is.EqualTo(fy).Within(1e-6 * (1 + Math.Abs(fy))), $"∂y at ({x}, {y})");

            var jx = new object[] { x, y, 1.0, 0.0, 0.0 };
            var jy = new object[] { x, y, 0.0, 1.0, 0.0 };
            Call("FJvp", typeof(double), jx);
            Call("FJvp", typeof(double), jy);
            Assert.That((double)jx[4], Is.EqualTo((double)g[2]).Within(1e-12 * (1 + Math.Abs((double)g[2]))), "reverse vs forward, x");
            Assert.That((double)jy[4], Is.EqualTo((double)g[3]).Within(1e-12 * (1 + Math.Abs((double)g[3]))), "reverse vs forward, y");

            var vjp = new object[] { x, y, 2.0, 0.5, 0.0 };
            Call("FVjp", typeof(double), vjp);
            Assert.That((double)vjp[3], Is.EqualTo(0.5 + 2 * (double)g[2]).Within(1e-12 * (1 + Math.Abs((double)g[2]))), "Vjp adds seed × ∂x");
            Assert.That((double)vjp[4], Is.EqualTo(2 * (double)g[3]).Within(1e-12 * (1 + Math.Abs((double)g[3]))), "Vjp adds seed × ∂y");
            Assert.That(value, Is.EqualTo(F(x, y)));
        }
    }

    [Test]
    public void Double_Hvp_matches_differences_of_the_gradient_and_the_Hessian()
    {
        foreach (var (x, y) in Points)
        {
            double vx = 0.6, vy = -0.8, h = 1e-5;
            var hv = new object[] { x, y, vx, vy, 0.0, 0.0 };
            Call("FHvp", typeof(double), hv);
            var plus = new object[] { x + h * vx, y + h * vy, 0.0, 0.0 };
            var minus = new object[] { x - h * vx, y - h * vy, 0.0, 0.0 };
            Call("FGradient", typeof(double), plus);
            Call("FGradient", typeof(double), minus);
            for (int k = 0; k < 2; k++)
            {
                double expected = ((double)plus[2 + k] - (double)minus[2 + k]) / (2 * h);
                Assert.That((double)hv[4 + k], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"H·v[{k}] at ({x}, {y})");
            }
            double[] hessian = new double[4];
            var fn = loaded!.Method("Demo.Fns", "FHessian").MakeGenericMethod(typeof(double)).CreateDelegate<HessianOf<double>>();
            double value = fn(x, y, hessian);
            Assert.That(value, Is.EqualTo(F(x, y)));
            Assert.That(hessian[0] * vx + hessian[1] * vy, Is.EqualTo((double)hv[4]).Within(1e-10 * (1 + Math.Abs((double)hv[4]))));
            Assert.That(hessian[2] * vx + hessian[3] * vy, Is.EqualTo((double)hv[5]).Within(1e-10 * (1 + Math.Abs((double)hv[5]))));
        }
    }

    private delegate T HessianOf<T>(T x, T y, Span<T> hessian);

    [Test]
    public void Every_companion_returns_the_method_value_bit_for_bit_for_double_and_float()
    {
        foreach (var (x, y) in Points)
        {
            foreach (var t in new[] { typeof(double), typeof(float) })
            {
                object X = t == typeof(double) ? (object)x : (float)x, Y = t == typeof(double) ? (object)y : (float)y;
                object zero = t == typeof(double) ? (object)0.0 : 0f, one = t == typeof(double) ? (object)1.0 : 1f;
                object expected = Call("F", t, X, Y);
                Assert.That(Call("FGradient", t, X, Y, zero, zero), Is.EqualTo(expected), t.Name + " Gradient");
                Assert.That(Call("FVjp", t, X, Y, one, zero, zero), Is.EqualTo(expected), t.Name + " Vjp");
                Assert.That(Call("FJvp", t, X, Y, one, zero, zero), Is.EqualTo(expected), t.Name + " Jvp");
                Assert.That(Call("FHvp", t, X, Y, one, zero, zero, zero), Is.EqualTo(expected), t.Name + " Hvp");
                // and the same as the method written for that type
                Assert.That(expected, Is.EqualTo(t == typeof(double) ? Call("FDouble", null, X, Y) : Call("FFloat", null, X, Y)), t.Name + " vs the non-generic twin");
            }
        }
    }

    [Test]
    public void Generic_instantiations_give_the_derivatives_of_the_methods_written_for_double_and_float()
    {
        foreach (var (x, y) in Points)
        {
            var generic = new object[] { x, y, 0.0, 0.0 };
            var twin = new object[] { x, y, 0.0, 0.0 };
            Call("FGradient", typeof(double), generic);
            Call("FDoubleGradient", null, twin);
            Assert.That(generic[2], Is.EqualTo(twin[2]), "double ∂x, bit for bit");
            Assert.That(generic[3], Is.EqualTo(twin[3]), "double ∂y, bit for bit");

            var genericF = new object[] { (float)x, (float)y, 0f, 0f };
            var twinF = new object[] { (float)x, (float)y, 0f, 0f };
            Call("FGradient", typeof(float), genericF);
            Call("FFloatGradient", null, twinF);
            Assert.That(genericF[2], Is.EqualTo(twinF[2]), "float ∂x, bit for bit");
            Assert.That(genericF[3], Is.EqualTo(twinF[3]), "float ∂y, bit for bit");
            // and float agrees with double to float precision
            Assert.That((float)genericF[2], Is.EqualTo((double)generic[2]).Within(1e-4 * (1 + Math.Abs((double)generic[2]))));
            Assert.That((float)genericF[3], Is.EqualTo((double)generic[3]).Within(1e-4 * (1 + Math.Abs((double)generic[3]))));

            var hvGeneric = new object[] { (float)x, (float)y, 0.6f, -0.8f, 0f, 0f };
            var hvTwin = new object[] { (float)x, (float)y, 0.6f, -0.8f, 0f, 0f };
            Call("FHvp", typeof(float), hvGeneric);
            Call("FFloatHvp", null, hvTwin);
            Assert.That(hvGeneric[4], Is.EqualTo(hvTwin[4]), "float H·v[0], bit for bit");
            Assert.That(hvGeneric[5], Is.EqualTo(hvTwin[5]), "float H·v[1], bit for bit");
        }
    }

    [Test]
    public void Hand_formula_with_a_narrower_interface_set()
    {
        foreach (double x in new[] { -1.2, 0.0, 0.4, 2.0 })
        {
            var d = new object[] { x, 0.0 };
            Assert.That(Call("ExpSinGradient", typeof(double), d), Is.EqualTo(Math.Exp(x) * Math.Sin(x)));
            Assert.That((double)d[1], Is.EqualTo(Math.Exp(x) * (Math.Sin(x) + Math.Cos(x))).Within(1e-14 * (1 + Math.Exp(x))));
            var f = new object[] { (float)x, 0f };
            Assert.That(Call("ExpSinGradient", typeof(float), f), Is.EqualTo(MathF.Exp((float)x) * MathF.Sin((float)x)));
            Assert.That((float)f[1], Is.EqualTo(Math.Exp(x) * (Math.Sin(x) + Math.Cos(x))).Within(1e-5 * (1 + Math.Exp(x))));
        }
    }

    [Test]
    public void A_loop_over_T_matches_central_differences_and_forward_mode_for_double_and_float()
    {
        foreach (double x in new[] { 0.3, -0.7, 0.9 })
        {
            foreach (int n in new[] { 0, 1, 5 })
            {
                var g = new object[] { x, n, 0.0 };
                double value = (double)Call("LoopGradient", typeof(double), g);
                Assert.That(value, Is.EqualTo(Call("Loop", typeof(double), x, n)));
                double h = 1e-6;
                double fd = ((double)Call("Loop", typeof(double), x + h, n) - (double)Call("Loop", typeof(double), x - h, n)) / (2 * h);
                Assert.That((double)g[2], Is.EqualTo(fd).Within(1e-6 * (1 + Math.Abs(fd))), $"x = {x}, n = {n}");
                var j = new object[] { x, n, 1.0, 0.0 };
                Call("LoopJvp", typeof(double), j);
                Assert.That((double)j[3], Is.EqualTo((double)g[2]).Within(1e-12 * (1 + Math.Abs(fd))));

                var gf = new object[] { (float)x, n, 0f };
                Assert.That(Call("LoopGradient", typeof(float), gf), Is.EqualTo(Call("Loop", typeof(float), (float)x, n)), "float primal, bit for bit");
                Assert.That((float)gf[2], Is.EqualTo((double)g[2]).Within(1e-4 * (1 + Math.Abs(fd))), "float ∂x");
            }
        }
    }

    [Test]
    public void A_method_of_a_generic_math_class_takes_a_span_of_T()
    {
        var type = loaded!.Type("Demo.Model`1").MakeGenericType(typeof(double));
        object model = Activator.CreateInstance(type)!;
        var gradient = type.GetMethod("EnergyGradient")!.CreateDelegate<SpanGradient<double>>(model);
        double[] x = { 0.3, -1.2, 2.0 };
        double[] dx = new double[3];
        double value = gradient(x, dx);
        Assert.That(value, Is.EqualTo(x.Aggregate(0.0, (s, v) => s + Math.Cos(v) * v)));
        for (int i = 0; i < 3; i++) Assert.That(dx[i], Is.EqualTo(Math.Cos(x[i]) - x[i] * Math.Sin(x[i])).Within(1e-14));

        var typeF = loaded!.Type("Demo.Model`1").MakeGenericType(typeof(float));
        var gradientF = typeF.GetMethod("EnergyGradient")!.CreateDelegate<SpanGradient<float>>(Activator.CreateInstance(typeF)!);
        float[] dxf = new float[3];
        gradientF(x.Select(v => (float)v).ToArray(), dxf);
        for (int i = 0; i < 3; i++) Assert.That(dxf[i], Is.EqualTo(Math.Cos(x[i]) - x[i] * Math.Sin(x[i])).Within(1e-5));
    }

    private delegate T SpanGradient<T>(ReadOnlySpan<T> x, Span<T> dx);

    [Test]
    public void Double_and_float_static_members_are_the_Math_functions()
    {
        foreach (var (x, y) in new[] { (0.7, 0.3), (1.4, 2.2), (0.2, 0.9) })
        {
            var g = new object[] { x, y, 0.0, 0.0 };
            double value = (double)Call("MembersGradient", null, g);
            Assert.That(value, Is.EqualTo(Call("Members", null, x, y)));
            double h = 1e-6;
            double fx = ((double)Call("Members", null, x + h, y) - (double)Call("Members", null, x - h, y)) / (2 * h);
            double fy = ((double)Call("Members", null, x, y + h) - (double)Call("Members", null, x, y - h)) / (2 * h);
            Assert.That((double)g[2], Is.EqualTo(fx).Within(1e-6 * (1 + Math.Abs(fx))));
            Assert.That((double)g[3], Is.EqualTo(fy).Within(1e-6 * (1 + Math.Abs(fy))));
            // by hand: ∂x = e^x √y + x/r + π/(x ln y) + 2.5 x^1.5
            double r = Math.Sqrt(x * x + y * y);
            Assert.That((double)g[2], Is.EqualTo(Math.Exp(x) * Math.Sqrt(y) + x / r + Math.PI / (x * Math.Log(y)) + 2.5 * Math.Pow(x, 1.5)).Within(1e-12 * (1 + Math.Abs(fx))));

            var gf = new object[] { (float)x, (float)y, 0f, 0f };
            Assert.That(Call("FloatMembersGradient", null, gf), Is.EqualTo(Call("FloatMembers", null, (float)x, (float)y)));
            Assert.That((float)gf[2], Is.EqualTo(fx).Within(1e-3 * (1 + Math.Abs(fx))));
            Assert.That((float)gf[3], Is.EqualTo(fy).Within(1e-3 * (1 + Math.Abs(fy))));
        }
        string members = run!.GeneratedSources.Single(s => s.Key.EndsWith(".Members.g.cs")).Value;
        Assert.That(members, Does.Contain("global::System.Math.Exp(x)").And.Contain("double.Hypot(x, y)"));
        string floats = run!.GeneratedSources.Single(s => s.Key.EndsWith(".FloatMembers.g.cs")).Value;
        Assert.That(floats, Does.Contain("global::System.MathF.Exp(x)").And.Contain("float.Hypot(x, y)"));
    }

    [Test]
    public void Calls_to_a_generic_method_go_through_its_generic_companions()
    {
        // Caller(x) = (2x·... ): Mixed(x, d) = 4x·... checked against central differences and the hand formula.
        static double Mixed(double x, double d) => x * d * d + x * 2.0;
        static double Caller(double x) => Mixed(x, 2.0) * x + Mixed(Math.Sin(x), x);
        foreach (double x in new[] { 0.3, -1.1, 2.0 })
        {
            var g = new object[] { x, 0.0 };
            double value = (double)Call("CallerGradient", typeof(double), g);
            Assert.That(value, Is.EqualTo(Call("Caller", typeof(double), x)));
            Assert.That(value, Is.EqualTo(Caller(x)).Within(1e-14 * (1 + Math.Abs(value))));
            // d/dx [6x² + sin x·x² + 2 sin x] = 12x + cos x·x² + 2x sin x + 2 cos x
            double expected = 12 * x + Math.Cos(x) * x * x + 2 * x * Math.Sin(x) + 2 * Math.Cos(x);
            Assert.That((double)g[1], Is.EqualTo(expected).Within(1e-12 * (1 + Math.Abs(expected))));
            var hv = new object[] { x, 1.0, 0.0 };
            Call("CallerHvp", typeof(double), hv);
            double second = 12 - Math.Sin(x) * x * x + 2 * x * Math.Cos(x) + 2 * Math.Sin(x) + 2 * x * Math.Cos(x) - 2 * Math.Sin(x);
            Assert.That((double)hv[2], Is.EqualTo(second).Within(1e-12 * (1 + Math.Abs(second))));

            var gf = new object[] { (float)x, 0f };
            Assert.That(Call("CallerGradient", typeof(float), gf), Is.EqualTo(Call("Caller", typeof(float), (float)x)));
            Assert.That((float)gf[1], Is.EqualTo(expected).Within(1e-4 * (1 + Math.Abs(expected))));

            var d = new object[] { x, 0.0 };
            Assert.That(Call("DoubleCallerGradient", null, d), Is.EqualTo(Call("DoubleCaller", null, x)));
            // (x³ + 2x)·x: 4x³ + 4x
            Assert.That((double)d[1], Is.EqualTo(4 * x * x * x + 4 * x).Within(1e-12 * (1 + Math.Abs(x * x * x))));
        }
    }

    // ---- snapshot ----

    [Test]
    public void Snapshot_of_a_generic_companion() => GeneratedCode.VerifyInFns("""
        [Differentiable]
        public static T Softplus<T>(T x, T scale) where T : System.Numerics.IFloatingPointIeee754<T>
        {
            T e = T.Exp(-T.Abs(x));
            return scale * (T.Max(x, T.Zero) + T.Log(T.One + e)) / T.CreateChecked(0.5);
        }
        """, nameof(Snapshot_of_a_generic_companion));

    // ---- what cannot be supported: ADIFF010, ADIFF004 ----

    private static DiagnosticCase InFns(string members) => DiagnosticCase.For(DiagnosticCase.Source(
        "    using System.Numerics;\n    public static partial class Fns\n    {\n        " + members + "\n    }"));

    [Test]
    public void ADIFF010_for_a_type_parameter_that_is_not_floating()
    {
        var c = InFns("[Differentiable] public static T F[|<T>|](T x) where T : INumber<T> => x * x;");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", DiagnosticSeverity.Error, "'F' is generic", "'T' is not constrained to a floating-point type", "IFloatingPointIeee754<T>"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF010_for_a_function_the_derivative_needs_and_the_constraints_lack()
    {
        // asin' = 1/√(1 − x²): T.Sqrt, which ITrigonometricFunctions does not give.
        var c = InFns("[Differentiable] public static T F[|<T>|](T x) where T : IFloatingPoint<T>, ITrigonometricFunctions<T> => T.Asin(x) * x;");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", DiagnosticSeverity.Error, "'F' is generic", "the derivative of 'T.Asin' calls 'T.Sqrt'", "add 'IRootFunctions<T>'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF010_for_a_loop_over_a_T_that_is_not_unmanaged()
    {
        var c = InFns("[Differentiable] public static T F[|<T>|](T x, int n) where T : IFloatingPointIeee754<T> { T s = x; for (int i = 0; i < n; i++) s = T.Sin(s); return s; }");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", DiagnosticSeverity.Error, "'F' is generic", "needs 'unmanaged' among the constraints of 'T'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF010_for_a_vector_valued_generic_method()
    {
        var c = InFns("[Differentiable] public static void F[|<T>|](ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> { y[0] = x[0] * x[1]; }");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", DiagnosticSeverity.Error, "'F' is generic", "it is vector-valued"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_for_a_constant_whose_value_depends_on_T()
    {
        var c = InFns("[Differentiable] public static T F<T>(T x) where T : IFloatingPointIeee754<T> => x + [|T.Epsilon|];");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "'T.Epsilon', whose value depends on the type"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }
}
