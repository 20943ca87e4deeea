using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// Issue 15, item 1: guard clauses and assertions. A throw ends its path; every companion throws the same exception (type
/// and message) at the same point, before writing any output (gradient, adjoint and H·v spans, out parameters, the
/// Jacobian), and on the path that does not throw the derivatives are those of the method without the guard.
/// </summary>
public sealed class GuardTests
{
    internal const string Source = """
        using System;
        using System.Diagnostics;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                /// <summary>A guard on an integer and on an active value, then x^n·y.</summary>
                [Differentiable]
                public static double Power(double x, double y, int n)
                {
                    if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must not be negative");
                    if (x < 0) throw new ArgumentException($"x = {x} is negative", nameof(x));
                    double p = 1;
                    for (int i = 0; i < n; i++) p *= x;
                    return p * y;
                }

                /// <summary>Throw expressions: c ? v : throw, and a switch expression arm.</summary>
                [Differentiable]
                public static double Ratio(double a, double b)
                {
                    double d = b != 0 ? b : throw new DivideByZeroException("b is zero");
                    double s = a switch { > 100 => throw new InvalidOperationException("a too large"), _ => a * a };
                    return s / d;
                }

                /// <summary>Throw helpers and assertions on arrays and active values.</summary>
                [Differentiable]
                public static double SumSquares(double[] x, double scale)
                {
                    ArgumentNullException.ThrowIfNull(x);
                    ArgumentOutOfRangeException.ThrowIfNegativeOrZero(x.Length);
                    ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, 10.0);
                    Debug.Assert(scale > -100, "scale is far too small");
                    Trace.Assert(x.Length < 1000);
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (double.IsNaN(x[i])) throw new ArgumentException("x[" + i + "] is NaN");
                        s += x[i] * x[i];
                    }
                    return s * scale;
                }

                /// <summary>A guard after a loop that fusion would otherwise differentiate in the forward sweep.</summary>
                [Differentiable]
                public static double GuardAfterLoop(ReadOnlySpan<double> x)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += x[i] * x[i];
                    if (s > 1e6) throw new OverflowException("s = " + s);
                    return s;
                }

                /// <summary>x ?? throw on a data array.</summary>
                [Differentiable]
                public static double Dot(double[] x, [NoDerivative] double[]? w)
                {
                    double[] weights = w ?? throw new ArgumentNullException(nameof(w));
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += weights[i] * x[i] * x[i];
                    return s;
                }

                /// <summary>A vector-valued method with a guard before its writes.</summary>
                [Differentiable]
                public static void Scale(ReadOnlySpan<double> x, double k, Span<double> y)
                {
                    if (k == 0) throw new ArgumentException("k is zero", nameof(k));
                    for (int i = 0; i < x.Length; i++) y[i] = k * x[i] * x[i];
                }
            }
        }
        """;

    private delegate double ArrayGradient(double[] x, double scale, Span<double> dx, out double dScale);
    private delegate double ArrayVjp(double[] x, double scale, double seed, Span<double> xAdj, ref double scaleAdj);
    private delegate double ArrayJvp(double[] x, double scale, ReadOnlySpan<double> xDot, double scaleDot, out double tangent);
    private delegate double ArrayHvp(double[] x, double scale, ReadOnlySpan<double> vX, double vScale, Span<double> hvX, out double hvScale);
    private delegate double SpanGradient(ReadOnlySpan<double> x, Span<double> dx);
    private delegate double SpanHvp(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> hv);
    private delegate void VectorJvp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> xDot, double kDot, Span<double> yDot);
    private delegate double ScalarHessian(double x, double y, int n, Span<double> hessian);
    private delegate void VectorVjp(ReadOnlySpan<double> x, double k, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj, ref double kAdj);
    private delegate void VectorJacobian(ReadOnlySpan<double> x, double k, Span<double> y, Span<double> jacobian);

    private static GeneratorRun? s_run;
    private static LoadedAssembly? s_loaded;

    private static LoadedAssembly Loaded
    {
        get
        {
            if (s_loaded != null) return s_loaded;
            s_run = GeneratorHarness.Run(Source);
            s_run.AssertNoErrors();
            Assert.That(s_run.AnalyzerDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning), Is.Empty);
            return s_loaded = s_run.Load();
        }
    }

    [OneTimeTearDown]
    public void Unload() => s_loaded?.Dispose();

    /// <summary>Runs <paramref name="call"/> and returns what it threw (unwrapped), failing if it threw nothing.</summary>
    private static Exception Thrown(Action call)
    {
        try
        {
            call();
        }
        catch (Exception e)
        {
            return e;
        }
        Assert.Fail("expected an exception");
        return null!;
    }

    private static void AssertSame(Exception expected, Exception actual, string companion)
    {
        Assert.That(actual.GetType(), Is.EqualTo(expected.GetType()), companion + ": exception type");
        Assert.That(actual.Message, Is.EqualTo(expected.Message), companion + ": message");
    }

    [Test]
    public void Scalar_guards_throw_the_same_exception_in_every_companion_and_leave_out_and_ref_adjoints_untouched()
    {
        var g = Loaded;
        foreach (var (x, n) in new[] { (1.5, -1), (-0.5, 3) })
        {
            var expected = Thrown(() => g.Invoke("Demo.Fns", "Power", new object?[] { x, 2.0, n }));
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "PowerGradient", new object?[] { x, 2.0, n, null, null })), "Gradient");
            var vjp = new object?[] { x, 2.0, n, 1.0, 7.0, 8.0 };
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "PowerVjp", vjp)), "Vjp");
            Assert.That(new[] { (double)vjp[4]!, (double)vjp[5]! }, Is.EqualTo(new[] { 7.0, 8.0 }), "Vjp adjoints untouched");
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "PowerJvp", new object?[] { x, 2.0, n, 1.0, 0.0, null })), "Jvp");
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "PowerHvp", new object?[] { x, 2.0, n, 1.0, 0.5, null, null })), "Hvp");
            var hessian = new[] { 9.0, 9.0, 9.0, 9.0 };
            AssertSame(expected, Thrown(() => g.Delegate<ScalarHessian>("Demo.Fns", "PowerHessian")(x, 2.0, n, hessian)), "Hessian");
            Assert.That(hessian, Is.All.EqualTo(9.0), "Hessian untouched");
        }
        // The message has x formatted as the method formats it.
        Assert.That(Thrown(() => g.Invoke("Demo.Fns", "PowerGradient", new object?[] { -0.25, 2.0, 1, null, null })).Message, Does.StartWith("x = " + (-0.25).ToString() + " is negative"));
    }

    [Test]
    public void Scalar_guards_on_the_path_that_does_not_throw_give_the_derivatives_of_the_method()
    {
        var g = Loaded;
        foreach (var (x, y, n) in new[] { (1.3, 0.7, 3), (0.4, -2.0, 5), (2.0, 1.5, 0) })
        {
            double value = (double)g.Invoke("Demo.Fns", "Power", new object?[] { x, y, n })!;
            var args = new object?[] { x, y, n, null, null };
            Assert.That((double)g.Invoke("Demo.Fns", "PowerGradient", args)!, Is.EqualTo(value), "primal bit for bit");
            double dx = (double)args[3]!, dy = (double)args[4]!;
            Assert.That(dx, Is.EqualTo(n * Math.Pow(x, n - 1) * y).Within(1e-12), "hand formula n·x^(n-1)·y");
            Assert.That(dy, Is.EqualTo(Math.Pow(x, n)).Within(1e-12), "hand formula x^n");
            var check = GradientCheck.Check(p => (double)g.Invoke("Demo.Fns", "Power", new object?[] { p[0], p[1], n })!, new[] { x, y }, new[] { dx, dy });
            Assert.That(check.Passed, check.ToString());
            var jvp = new object?[] { x, y, n, 0.3, -0.6, null };
            Assert.That((double)g.Invoke("Demo.Fns", "PowerJvp", jvp)!, Is.EqualTo(value));
            Assert.That((double)jvp[5]!, Is.EqualTo(0.3 * dx - 0.6 * dy).Within(1e-12), "forward mode against reverse mode");
            var hvp = new object?[] { x, y, n, 1.0, 0.0, null, null };
            g.Invoke("Demo.Fns", "PowerHvp", hvp);
            Assert.That((double)hvp[5]!, Is.EqualTo(n * (n - 1) * Math.Pow(x, n - 2) * y).Within(1e-9), "∂²/∂x²");
            Assert.That((double)hvp[6]!, Is.EqualTo(n * Math.Pow(x, n - 1)).Within(1e-12), "∂²/∂y∂x");
        }
    }

    [Test]
    public void Throw_expressions_throw_in_every_companion_and_differentiate_on_the_other_path()
    {
        var g = Loaded;
        foreach (var (a, b) in new[] { (1.0, 0.0), (200.0, 1.0) })
        {
            var expected = Thrown(() => g.Invoke("Demo.Fns", "Ratio", new object?[] { a, b }));
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "RatioGradient", new object?[] { a, b, null, null })), "Gradient");
            var vjp = new object?[] { a, b, 1.0, 3.0, 4.0 };
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "RatioVjp", vjp)), "Vjp");
            Assert.That(new[] { (double)vjp[3]!, (double)vjp[4]! }, Is.EqualTo(new[] { 3.0, 4.0 }), "Vjp adjoints untouched");
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "RatioJvp", new object?[] { a, b, 1.0, 1.0, null })), "Jvp");
            AssertSame(expected, Thrown(() => g.Invoke("Demo.Fns", "RatioHvp", new object?[] { a, b, 1.0, 1.0, null, null })), "Hvp");
        }
        double a0 = 1.7, b0 = -0.8;
        var args = new object?[] { a0, b0, null, null };
        Assert.That((double)g.Invoke("Demo.Fns", "RatioGradient", args)!, Is.EqualTo((double)g.Invoke("Demo.Fns", "Ratio", new object?[] { a0, b0 })!));
        Assert.That((double)args[2]!, Is.EqualTo(2 * a0 / b0).Within(1e-12), "∂(a²/b)/∂a");
        Assert.That((double)args[3]!, Is.EqualTo(-a0 * a0 / (b0 * b0)).Within(1e-12), "∂(a²/b)/∂b");
        var check = GradientCheck.Check(p => (double)g.Invoke("Demo.Fns", "Ratio", new object?[] { p[0], p[1] })!, new[] { a0, b0 }, new[] { (double)args[2]!, (double)args[3]! });
        Assert.That(check.Passed, check.ToString());
    }

    [Test]
    public void Throw_helpers_and_asserts_throw_before_any_gradient_or_hv_element_is_written()
    {
        var g = Loaded;
        var gradient = g.Delegate<ArrayGradient>("Demo.Fns", "SumSquaresGradient");
        var vjp = g.Delegate<ArrayVjp>("Demo.Fns", "SumSquaresVjp");
        var jvp = g.Delegate<ArrayJvp>("Demo.Fns", "SumSquaresJvp");
        var hvp = g.Delegate<ArrayHvp>("Demo.Fns", "SumSquaresHvp");
        // A null array (ThrowIfNull), an empty one (ThrowIfNegativeOrZero), a scale too large (ThrowIfGreaterThan), a NaN in the loop.
        foreach (var (x, scale) in new (double[]?, double)[] { (null, 1.0), (new double[0], 1.0), (new[] { 1.0, 2.0 }, 11.0), (new[] { 1.0, double.NaN, 3.0 }, 2.0) })
        {
            int length = x?.Length ?? 0;
            var expected = Thrown(() => g.Invoke("Demo.Fns", "SumSquares", new object?[] { x, scale }));
            var dx = Enumerable.Repeat(-9.0, length).ToArray();
            AssertSame(expected, Thrown(() => gradient(x!, scale, dx, out _)), "Gradient");
            Assert.That(dx, Is.All.EqualTo(-9.0), "Gradient span untouched");
            double scaleAdj = 5;
            AssertSame(expected, Thrown(() => vjp(x!, scale, 1.0, dx, ref scaleAdj)), "Vjp");
            Assert.That(dx, Is.All.EqualTo(-9.0), "Vjp span untouched");
            Assert.That(scaleAdj, Is.EqualTo(5.0), "Vjp ref adjoint untouched");
            AssertSame(expected, Thrown(() => jvp(x!, scale, new double[length], 1.0, out _)), "Jvp");
            AssertSame(expected, Thrown(() => hvp(x!, scale, new double[length], 1.0, dx, out _)), "Hvp");
            Assert.That(dx, Is.All.EqualTo(-9.0), "Hvp span untouched");
        }
        var good = new[] { 0.5, -1.5, 2.0 };
        var grad = new double[3];
        double value = gradient(good, 3.0, grad, out double dScale);
        Assert.That(value, Is.EqualTo((double)g.Invoke("Demo.Fns", "SumSquares", new object?[] { good, 3.0 })!));
        Assert.That(grad, Is.EqualTo(good.Select(v => 6.0 * v).ToArray()).Within(1e-12), "hand formula 2·scale·x");
        Assert.That(dScale, Is.EqualTo(good.Sum(v => v * v)).Within(1e-12));
        double tangent;
        jvp(good, 3.0, new[] { 1.0, 0.5, -1.0 }, 0.25, out tangent);
        Assert.That(tangent, Is.EqualTo(6.0 * (0.5 - 0.75 - 2.0) + 0.25 * dScale).Within(1e-12), "forward mode against reverse mode");
        var check = GradientCheck.Check(p => (double)g.Invoke("Demo.Fns", "SumSquares", new object?[] { p.Take(3).ToArray(), p[3] })!,
            good.Append(3.0).ToArray(), grad.Append(dScale).ToArray());
        Assert.That(check.Passed, check.ToString());
    }

    private delegate double DotGradient(double[] x, double[]? w, Span<double> dx);

    [Test]
    public void A_coalescing_throw_on_a_null_array_throws_in_the_gradient_and_the_weights_are_data_otherwise()
    {
        var g = Loaded;
        var gradient = g.Delegate<DotGradient>("Demo.Fns", "DotGradient");
        var x = new[] { 0.5, -1.0, 2.0 };
        var dx = new[] { 7.0, 7.0, 7.0 };
        var expected = Thrown(() => g.Invoke("Demo.Fns", "Dot", new object?[] { x, null }));
        AssertSame(expected, Thrown(() => gradient(x, null, dx)), "Gradient");
        Assert.That(dx, Is.All.EqualTo(7.0), "Gradient span untouched");
        var w = new[] { 1.0, 2.0, 3.0 };
        Assert.That(gradient(x, w, dx), Is.EqualTo((double)g.Invoke("Demo.Fns", "Dot", new object?[] { x, w })!));
        Assert.That(dx, Is.EqualTo(new[] { 1.0, -4.0, 12.0 }).Within(1e-12), "2·w·x");
    }

    [Test]
    public void A_guard_after_a_loop_leaves_the_gradient_and_hv_spans_untouched()
    {
        var g = Loaded;
        var gradient = g.Delegate<SpanGradient>("Demo.Fns", "GuardAfterLoopGradient");
        var hvp = g.Delegate<SpanHvp>("Demo.Fns", "GuardAfterLoopHvp");
        var big = new[] { 2000.0, 1.0 };
        var dx = new[] { -3.0, -3.0 };
        var e = Thrown(() => gradient(big, dx));
        Assert.That(e, Is.TypeOf<OverflowException>());
        Assert.That(e.Message, Is.EqualTo("s = " + 4000001.0));
        Assert.That(dx, Is.All.EqualTo(-3.0), "Gradient span untouched");
        Assert.That(Thrown(() => hvp(big, new[] { 1.0, 0.0 }, dx)), Is.TypeOf<OverflowException>());
        Assert.That(dx, Is.All.EqualTo(-3.0), "Hvp span untouched");
        var x = new[] { 0.5, -2.0 };
        gradient(x, dx);
        Assert.That(dx, Is.EqualTo(new[] { 1.0, -4.0 }).Within(1e-12));
        hvp(x, new[] { 1.0, -1.0 }, dx);
        Assert.That(dx, Is.EqualTo(new[] { 2.0, -2.0 }).Within(1e-12), "H = 2I");
    }

    [Test]
    public void A_vector_valued_guard_throws_before_the_output_tangents_adjoints_or_jacobian_are_written()
    {
        var g = Loaded;
        var jvp = g.Delegate<VectorJvp>("Demo.Fns", "ScaleJvp");
        var vjp = g.Delegate<VectorVjp>("Demo.Fns", "ScaleVjp");
        var jacobian = g.Delegate<VectorJacobian>("Demo.Fns", "ScaleJacobian");
        var x = new[] { 1.0, 2.0 };
        var y = new[] { 5.0, 5.0 };
        var untouched = new[] { -1.0, -1.0 };
        var yDot = (double[])untouched.Clone();
        Assert.That(Thrown(() => jvp(x, 0.0, y, new[] { 1.0, 0.0 }, 0.0, yDot)).Message, Does.StartWith("k is zero"));
        Assert.That(yDot, Is.EqualTo(untouched), "Jvp output tangent untouched");
        var xAdj = (double[])untouched.Clone();
        double kAdj = 4;
        Assert.That(Thrown(() => vjp(x, 0.0, y, new[] { 1.0, 1.0 }, xAdj, ref kAdj)), Is.TypeOf<ArgumentException>());
        Assert.That(xAdj, Is.EqualTo(untouched), "Vjp adjoint untouched");
        Assert.That(kAdj, Is.EqualTo(4.0));
        var j = Enumerable.Repeat(-1.0, 6).ToArray();
        Assert.That(Thrown(() => jacobian(x, 0.0, y, j)), Is.TypeOf<ArgumentException>());
        Assert.That(j, Is.All.EqualTo(-1.0), "Jacobian untouched");
        Assert.That(y, Is.All.EqualTo(5.0), "the method threw before writing y too");
        // The path that does not throw: y = k·x², J = [diag(2k·x) | x²].
        jacobian(x, 1.5, y, j);
        Assert.That(j, Is.EqualTo(new[] { 3.0, 0.0, 1.0, 0.0, 6.0, 4.0 }).Within(1e-12));
        jvp(x, 1.5, y, new[] { 1.0, 1.0 }, 1.0, yDot);
        Assert.That(yDot, Is.EqualTo(new[] { 3.0 + 1.0, 6.0 + 4.0 }).Within(1e-12), "forward mode against the Jacobian");
    }

    [Test]
    public void Guards_are_in_the_generated_code_as_written()
    {
        Snapshot.VerifyGenerated(GeneratorHarness.Run(Source));
    }
}
