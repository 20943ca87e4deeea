using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Array and span fixtures checked like the scalar ones: gradient against central finite
/// differences, Vjp accumulation, Jvp against the gradient, the primal value, plus span length
/// checks and allocation.
/// </summary>
public sealed class ArrayTests
{
    private delegate double Gradient(double[] x, Span<double> dx);
    private delegate double Vjp(double[] x, double seed, Span<double> xAdj);
    private delegate double Jvp(double[] x, ReadOnlySpan<double> xDot, out double tangent);

    private static double[] Point(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1.6 - 0.8).ToArray();
    }

    /// <summary>The three checks for a function of one vector, at a few random points.</summary>
    private static void Check(Func<double[], double> f, Gradient gradient, Vjp vjp, Jvp jvp, int n, double tolerance = 1e-6)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var x = Point(n, seed);
            var g = new double[n];
            double value = gradient(x, g);
            Assert.That(value, Is.EqualTo(f(x)), "Gradient returns the value");

            var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
            for (int i = 0; i < n; i++) Assert.That(g[i], Is.EqualTo(numeric[i]).Within(tolerance * Math.Max(1, Math.Abs(numeric[i]))), $"∂f/∂x[{i}]");

            var adjoint = Enumerable.Range(0, n).Select(i => 0.25 * i).ToArray();
            Assert.That(vjp(x, 0.75, adjoint), Is.EqualTo(value), "Vjp returns the value");
            for (int i = 0; i < n; i++) Assert.That(adjoint[i], Is.EqualTo(0.25 * i + 0.75 * g[i]).Within(1e-12 * Math.Max(1, Math.Abs(g[i]))), $"adjoint[{i}]");

            var direction = Point(n, seed + 100);
            Assert.That(jvp(x, direction, out double tangent), Is.EqualTo(value), "Jvp returns the value");
            double expected = g.Zip(direction, (a, b) => a * b).Sum();
            Assert.That(tangent, Is.EqualTo(expected).Within(1e-10 * Math.Max(1, g.Sum(Math.Abs))), "Jvp = gradient · direction");
        }
    }

    [Test]
    public void Rosenbrock_matches_finite_differences_and_its_formula()
    {
        Check(Arrays.Rosenbrock, Arrays.RosenbrockGradient, Arrays.RosenbrockVjp, Arrays.RosenbrockJvp, 7);
        var x = Point(5, 9);
        var g = new double[5];
        Arrays.RosenbrockGradient(x, g);
        for (int i = 0; i < 5; i++)
        {
            double expected = (i + 1 < 5 ? -2 * (1 - x[i]) - 400 * x[i] * (x[i + 1] - x[i] * x[i]) : 0) + (i > 0 ? 200 * (x[i] - x[i - 1] * x[i - 1]) : 0);
            Assert.That(g[i], Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))));
        }
    }

    [Test]
    public void Span_norm_with_foreach() =>
        Check(x => Arrays.SpanNorm(x), (x, d) => Arrays.SpanNormGradient(x, d), (x, s, a) => Arrays.SpanNormVjp(x, s, a),
            (double[] x, ReadOnlySpan<double> v, out double t) => Arrays.SpanNormJvp(x, v, out t), 6);

    [Test]
    public void Local_buffer_overwritten_in_place() =>
        Check(x => Arrays.SmoothedEnergy(x, 3), (x, d) => Arrays.SmoothedEnergyGradient(x, 3, d), (x, s, a) => Arrays.SmoothedEnergyVjp(x, 3, s, a),
            (double[] x, ReadOnlySpan<double> v, out double t) => Arrays.SmoothedEnergyJvp(x, 3, v, out t), 6);

    [Test]
    public void Stack_buffer_time_stepping() =>
        Check(x => Arrays.ChainStep(x, 1.3, 20), (x, d) => Arrays.ChainStepGradient(x, 1.3, 20, d, out _),
            (x, s, a) => { double k = 0; return Arrays.ChainStepVjp(x, 1.3, 20, s, a, ref k); },
            (double[] x, ReadOnlySpan<double> v, out double t) => Arrays.ChainStepJvp(x, 1.3, 20, v, 0, out t), 6);

    [Test]
    public void Scalar_and_array_parameters_mix_in_parameter_order()
    {
        // ChainStep(x, stiffness, steps): the gradient has a span for x and an out for stiffness.
        var x = Point(5, 3);
        var dx = new double[5];
        Arrays.ChainStepGradient(x, 1.3, 10, dx, out double dk);
        double h = 1e-6;
        double numeric = (Arrays.ChainStep(x, 1.3 + h, 10) - Arrays.ChainStep(x, 1.3 - h, 10)) / (2 * h);
        Assert.That(dk, Is.EqualTo(numeric).Within(1e-6 * Math.Max(1, Math.Abs(numeric))));
        Arrays.ChainStepJvp(x, 1.3, 10, new double[5], 1.0, out double tangent);
        Assert.That(tangent, Is.EqualTo(dk).Within(1e-10 * Math.Max(1, Math.Abs(dk))));
    }

    [Test]
    public void Logistic_loss_over_a_data_matrix()
    {
        var random = new Random(5);
        int rows = 12, features = 3;
        var data = Enumerable.Range(0, rows * features).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var labels = Enumerable.Range(0, rows).Select(i => (double)(i % 2)).ToArray();
        Check(w => Arrays.LogisticLoss(w, 0.3, data, labels), (w, d) => Arrays.LogisticLossGradient(w, 0.3, data, labels, d, out _),
            (w, s, a) => { double b = 0; return Arrays.LogisticLossVjp(w, 0.3, data, labels, s, a, ref b); },
            (double[] w, ReadOnlySpan<double> v, out double t) => Arrays.LogisticLossJvp(w, 0.3, data, labels, v, 0, out t), features);
    }

    [Test]
    public void Branch_per_element_with_a_scalar_threshold()
    {
        var r = new[] { 0.3, -2.5, 1.7, -0.1, 4.0 };
        var dr = new double[5];
        Arrays.HuberGradient(r, 1.0, dr, out double dDelta);
        for (int i = 0; i < r.Length; i++) Assert.That(dr[i], Is.EqualTo(Math.Abs(r[i]) <= 1 ? r[i] : Math.Sign(r[i])).Within(1e-15));
        Assert.That(dDelta, Is.EqualTo(r.Where(v => Math.Abs(v) > 1).Sum(v => Math.Abs(v) - 1.0)).Within(1e-12));
    }

    [Test]
    public void Float_arrays_and_spans()
    {
        var a = new[] { 0.3f, -0.7f, 1.1f };
        var b = new[] { 1.5f, 0.2f, -0.4f };
        var da = new float[3];
        var db = new float[3];
        float value = Arrays.FloatDotGradient(a, b, da, db);
        Assert.That(value, Is.EqualTo(Arrays.FloatDot(a, b)));
        for (int i = 0; i < 3; i++)
        {
            Assert.That(da[i], Is.EqualTo(b[i] + MathF.Cos(a[i])).Within(1e-6f));
            Assert.That(db[i], Is.EqualTo(a[i]).Within(1e-6f));
        }
    }

    [Test]
    public void A_span_of_the_wrong_length_is_an_argument_exception()
    {
        var x = new double[4];
        Assert.Throws<ArgumentException>(() => Arrays.RosenbrockGradient(x, new double[3]));
        Assert.Throws<ArgumentException>(() => Arrays.RosenbrockVjp(x, 1, new double[5]));
        Assert.Throws<ArgumentException>(() => Arrays.RosenbrockJvp(x, new double[2], out _));
    }

    [Test]
    public void Gradient_overwrites_the_span_and_Vjp_adds_to_it()
    {
        var x = Point(4, 1);
        var g = Enumerable.Repeat(99.0, 4).ToArray();
        Arrays.RosenbrockGradient(x, g);
        var fresh = new double[4];
        Arrays.RosenbrockGradient(x, fresh);
        Assert.That(g, Is.EqualTo(fresh));
        Arrays.RosenbrockVjp(x, 1, g);
        Assert.That(g, Is.EqualTo(fresh.Select(v => 2 * v).ToArray()).Within(1e-12));
    }

    [TestCase(1_000)]
    [TestCase(100_000)]
    public void Array_gradients_allocate_nothing_in_steady_state(int n)
    {
        var x = Point(n, 2);
        var g = new double[n];
        Arrays.RosenbrockGradient(x, g);
        Arrays.SpanNormGradient(x, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        double sink = 0;
        for (int k = 0; k < 3; k++)
        {
            sink += Arrays.RosenbrockGradient(x, g);
            sink += Arrays.SpanNormGradient(x, g);
            sink += Arrays.RosenbrockJvp(x, x, out double t) + t;
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"sink {sink}");
    }

    [Test]
    public void Compound_assignment_to_a_stack_buffer_element()
    {
        // h0 = x0·x1, h1 = x2 + h0 + 1, f = h0 + h1².
        Check(SpanCompound.Product, SpanCompound.ProductGradient, SpanCompound.ProductVjp,
            (double[] x, ReadOnlySpan<double> v, out double t) => SpanCompound.ProductJvp(x, v, out t), 3);
    }
}
