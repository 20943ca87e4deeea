using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Calls with array and span arguments, checked like every derivative: the gradient against
/// central finite differences, Vjp against the gradient (it adds), Jvp against gradient · direction.
/// </summary>
public sealed class ArrayCallTests
{
    private delegate double Gradient(double[] x, Span<double> dx);
    private delegate double Vjp(double[] x, double seed, Span<double> xAdj);
    private delegate double Jvp(double[] x, ReadOnlySpan<double> xDot, out double tangent);

    private static double[] Point(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1.4 - 0.6).ToArray();
    }

    private static void Check(Func<double[], double> f, Gradient gradient, Vjp vjp, Jvp jvp, int n)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var x = Point(n, seed);
            var g = new double[n];
            double value = gradient(x, g);
            Assert.That(value, Is.EqualTo(f(x)), "Gradient returns the value");
            var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
            for (int i = 0; i < n; i++) Assert.That(g[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"∂f/∂x[{i}]");

            var adjoint = Enumerable.Range(0, n).Select(i => 0.5 - 0.1 * i).ToArray();
            Assert.That(vjp(x, -1.25, adjoint), Is.EqualTo(value), "Vjp returns the value");
            for (int i = 0; i < n; i++) Assert.That(adjoint[i], Is.EqualTo(0.5 - 0.1 * i - 1.25 * g[i]).Within(1e-12 * Math.Max(1, Math.Abs(g[i]))), $"adjoint[{i}]");

            var direction = Point(n, seed + 50);
            Assert.That(jvp(x, direction, out double tangent), Is.EqualTo(value), "Jvp returns the value");
            double expected = g.Zip(direction, (a, b) => a * b).Sum();
            Assert.That(tangent, Is.EqualTo(expected).Within(1e-10 * Math.Max(1, g.Sum(Math.Abs))), "Jvp = gradient · direction (forward against reverse)");
        }
    }

    private static readonly double[] W = { 0.3, -1.2, 0.8, 2.0, -0.4 };

    [Test]
    public void Passing_a_parameter_on() =>
        Check(ArrayCalls.PassParameter, ArrayCalls.PassParameterGradient, ArrayCalls.PassParameterVjp, ArrayCalls.PassParameterJvp, 4);

    [Test]
    public void Passing_the_same_array_twice_and_data_to_an_active_parameter()
    {
        Check(x => ArrayCalls.SameArrayTwiceAndData(x, W),
            (x, dx) => ArrayCalls.SameArrayTwiceAndDataGradient(x, W, dx),
            (double[] x, double seed, Span<double> adj) => ArrayCalls.SameArrayTwiceAndDataVjp(x, W, seed, adj),
            (double[] x, ReadOnlySpan<double> dot, out double t) => ArrayCalls.SameArrayTwiceAndDataJvp(x, W, dot, out t), 5);

        // By hand: ∂/∂x [x·x + (w·x)² + Σ_{i≥1} w_i sin(1.5 x_i)] = 2x + 2(w·x)w + 1.5 w cos(1.5 x) (from index 1).
        var x = Point(5, 7);
        var g = new double[5];
        ArrayCalls.SameArrayTwiceAndDataGradient(x, W, g);
        double wx = W.Zip(x, (a, b) => a * b).Sum();
        for (int i = 0; i < 5; i++)
        {
            double expected = 2 * x[i] + 2 * wx * W[i] + (i >= 1 ? 1.5 * W[i] * Math.Cos(1.5 * x[i]) : 0);
            Assert.That(g[i], Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))));
        }
    }

    [Test]
    public void A_buffer_overwritten_in_a_loop_and_passed_to_calls_each_time()
    {
        Check(x => ArrayCalls.BufferInLoop(x, 0.4),
            (x, dx) => ArrayCalls.BufferInLoopGradient(x, 0.4, dx, out _),
            (double[] x, double seed, Span<double> adj) => { double t = 0; return ArrayCalls.BufferInLoopVjp(x, 0.4, seed, adj, ref t); },
            (double[] x, ReadOnlySpan<double> dot, out double tangent) => ArrayCalls.BufferInLoopJvp(x, 0.4, dot, 0, out tangent), 4);

        // The scalar parameter too.
        var point = Point(4, 3);
        ArrayCalls.BufferInLoopGradient(point, 0.4, new double[4], out double dt);
        double h = 1e-6;
        double numeric = (ArrayCalls.BufferInLoop(point, 0.4 + h) - ArrayCalls.BufferInLoop(point, 0.4 - h)) / (2 * h);
        Assert.That(dt, Is.EqualTo(numeric).Within(1e-6 * Math.Max(1, Math.Abs(numeric))));
    }

    [Test]
    public void A_stack_buffer_written_after_a_call_and_a_call_in_a_branch()
    {
        Check(ArrayCalls.StackBufferAndBranch, ArrayCalls.StackBufferAndBranchGradient, ArrayCalls.StackBufferAndBranchVjp, ArrayCalls.StackBufferAndBranchJvp, 3);
        // Both sides of the branch: small inputs make Σ exp(2x) cross 1.
        Assert.That(ArrayCalls.SumOfSquares(new[] { Math.Exp(-2.0), Math.Exp(-2.0) }), Is.LessThan(1));
        Check(ArrayCalls.StackBufferAndBranch, ArrayCalls.StackBufferAndBranchGradient, ArrayCalls.StackBufferAndBranchVjp, ArrayCalls.StackBufferAndBranchJvp, 1);
        var low = new[] { -2.0, -2.5 };
        var g = new double[2];
        ArrayCalls.StackBufferAndBranchGradient(low, g);
        var numeric = GradientCheck.FiniteDifferenceGradient(ArrayCalls.StackBufferAndBranch, low);
        for (int i = 0; i < 2; i++) Assert.That(g[i], Is.EqualTo(numeric[i]).Within(1e-7));
    }

    [Test]
    public void Nested_calls() =>
        Check(ArrayCalls.Nested, ArrayCalls.NestedGradient, ArrayCalls.NestedVjp, ArrayCalls.NestedJvp, 3);

    [Test]
    public void Recursion_over_a_span() =>
        Check(ArrayCalls.Recursive, ArrayCalls.RecursiveGradient, ArrayCalls.RecursiveVjp, ArrayCalls.RecursiveJvp, 4);

    [Test]
    public void An_instance_call_on_this_with_a_span()
    {
        var model = new SpanModel(0.7);
        Check(x => model.Loss(x, 1.3),
            (x, dx) => model.LossGradient(x, 1.3, dx, out _),
            (double[] x, double seed, Span<double> adj) => { double b = 0; return model.LossVjp(x, 1.3, seed, adj, ref b); },
            (double[] x, ReadOnlySpan<double> dot, out double tangent) => model.LossJvp(x, 1.3, dot, 0, out tangent), 3);
    }

    [Test]
    public void Gradients_through_span_calls_allocate_nothing_in_steady_state()
    {
        var x = Point(64, 1);
        var g = new double[64];
        ArrayCalls.BufferInLoopGradient(x, 0.2, g, out _);
        ArrayCalls.SameArrayTwiceAndDataGradient(x.Take(5).ToArray(), W, g.AsSpan(0, 5));
        var small = x.Take(5).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        ArrayCalls.SameArrayTwiceAndDataGradient(small, W, g.AsSpan(0, 5));
        ArrayCalls.RecursiveGradient(small, g.AsSpan(0, 5));
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(after - before, Is.Zero);
    }
}
