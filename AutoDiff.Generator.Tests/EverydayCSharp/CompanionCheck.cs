using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// A method and its companions seen as functions of one vector θ of every active input (arrays flattened, then scalars, in
/// parameter order), so one set of checks covers every signature: the primal value bit for bit, the gradient against central
/// differences, Vjp against the gradient with a seed and preloaded adjoints, Jvp against the gradient, and H·v against
/// central differences of the gradient.
/// </summary>
internal sealed record CompanionSet(
    Func<double[], double> Value,
    Func<double[], (double Value, double[] Gradient)> Gradient,
    Func<double[], double, double[], (double Value, double[] Adjoints)> Vjp,
    Func<double[], double[], (double Value, double Tangent)> Jvp,
    Func<double[], double[], (double Value, double[] Hv)>? Hvp = null)
{
    /// <summary>Runs every check at <paramref name="at"/>; returns the gradient.</summary>
    public double[] Check(double[] at, double tolerance = 1e-6)
    {
        double value = Value(at);
        var (gradientValue, gradient) = Gradient(at);
        Assert.That(gradient, Has.Length.EqualTo(at.Length), "one partial per input");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Bits(gradientValue), Is.EqualTo(Bits(value)), "Gradient returns the method's value");
            var numeric = Differences(Value, at);
            for (int i = 0; i < at.Length; i++)
            {
                Assert.That(gradient[i], Is.EqualTo(numeric[i]).Within(tolerance * Math.Max(1, Math.Abs(numeric[i]))), $"∂/∂θ[{i}] against central differences");
            }

            const double seed = 0.75;
            var initial = at.Select((_, k) => 0.25 * (k + 1)).ToArray();
            var (vjpValue, adjoints) = Vjp(at, seed, initial);
            Assert.That(Bits(vjpValue), Is.EqualTo(Bits(value)), "Vjp returns the method's value");
            for (int i = 0; i < at.Length; i++)
            {
                double expected = initial[i] + seed * gradient[i];
                Assert.That(adjoints[i], Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), $"Vjp adjoint {i}");
            }

            var direction = at.Select((_, k) => 0.3 + 0.5 * k * (k % 2 == 0 ? 1 : -1)).ToArray();
            var (jvpValue, tangent) = Jvp(at, direction);
            double directional = gradient.Select((g, k) => g * direction[k]).Sum();
            Assert.That(Bits(jvpValue), Is.EqualTo(Bits(value)), "Jvp returns the method's value");
            Assert.That(tangent, Is.EqualTo(directional).Within(1e-10 * Math.Max(1, Math.Abs(directional))), "Jvp against the gradient");

            if (Hvp != null)
            {
                var (hvpValue, hv) = Hvp(at, direction);
                Assert.That(Bits(hvpValue), Is.EqualTo(Bits(value)), "Hvp returns the method's value");
                const double h = 1e-5;
                var plus = Gradient(at.Select((x, k) => x + h * direction[k]).ToArray()).Gradient;
                var minus = Gradient(at.Select((x, k) => x - h * direction[k]).ToArray()).Gradient;
                for (int i = 0; i < at.Length; i++)
                {
                    double expected = (plus[i] - minus[i]) / (2 * h);
                    Assert.That(hv[i], Is.EqualTo(expected).Within(1e-5 * Math.Max(1, Math.Abs(expected))), $"(H·v)[{i}] against differences of the gradient");
                }
            }
        }
        return gradient;
    }

    public static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);

    /// <summary>Central differences of <paramref name="f"/> at <paramref name="at"/>.</summary>
    public static double[] Differences(Func<double[], double> f, double[] at)
    {
        var result = new double[at.Length];
        for (int i = 0; i < at.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(at[i]));
            var plus = (double[])at.Clone();
            var minus = (double[])at.Clone();
            plus[i] += h;
            minus[i] -= h;
            result[i] = (f(plus) - f(minus)) / (2 * h);
        }
        return result;
    }

    /// <summary>The bytes <paramref name="action"/> allocates on this thread, after one call to warm it up.</summary>
    public static long AllocatedBy(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// The companions of <c>f(double[] x, double a)</c> with <paramref name="n"/> elements in x: θ is x, then a.
    /// </summary>
    public static CompanionSet ArrayAndScalar(int n,
        Func<double[], double, double> f,
        GradientOf gradient, VjpOf vjp, JvpOf jvp, HvpOf hvp) => new(
        t => f(t[..n], t[n]),
        t =>
        {
            var dx = new double[n];
            double v = gradient(t[..n], t[n], dx, out double da);
            return (v, dx.Append(da).ToArray());
        },
        (t, seed, initial) =>
        {
            var xAdj = initial[..n];
            double aAdj = initial[n];
            double v = vjp(t[..n], t[n], seed, xAdj, ref aAdj);
            return (v, xAdj.Append(aAdj).ToArray());
        },
        (t, d) =>
        {
            double v = jvp(t[..n], t[n], d[..n], d[n], out double tangent);
            return (v, tangent);
        },
        (t, d) =>
        {
            var hx = new double[n];
            double v = hvp(t[..n], t[n], d[..n], d[n], hx, out double ha);
            return (v, hx.Append(ha).ToArray());
        });

    /// <summary>
    /// The companions of a static method of <paramref name="type"/> whose parameters are all <c>double</c> (θ is them, in
    /// order), called through reflection.
    /// </summary>
    public static CompanionSet Scalars(Type type, string name)
    {
        var primal = type.GetMethod(name) ?? throw new ArgumentException(name);
        int n = primal.GetParameters().Length;
        System.Reflection.MethodInfo Companion(string suffix) => type.GetMethod(name + suffix) ?? throw new ArgumentException(name + suffix);
        object[] Args(double[] t, int extra) => t.Cast<object>().Concat(new object[extra]).ToArray();
        return new CompanionSet(
            t => (double)primal.Invoke(null, Args(t, 0))!,
            t =>
            {
                var args = Args(t, n);
                double v = (double)Companion("Gradient").Invoke(null, args)!;
                return (v, args[n..].Select(o => (double)o!).ToArray());
            },
            (t, seed, initial) =>
            {
                var args = Args(t, 1 + n);
                args[n] = seed;
                for (int k = 0; k < n; k++) args[n + 1 + k] = initial[k];
                double v = (double)Companion("Vjp").Invoke(null, args)!;
                return (v, args[(n + 1)..].Select(o => (double)o!).ToArray());
            },
            (t, d) =>
            {
                var args = Args(t, n + 1);
                for (int k = 0; k < n; k++) args[n + k] = d[k];
                double v = (double)Companion("Jvp").Invoke(null, args)!;
                return (v, (double)args[^1]!);
            },
            (t, d) =>
            {
                var args = Args(t, 2 * n);
                for (int k = 0; k < n; k++) args[n + k] = d[k];
                double v = (double)Companion("Hvp").Invoke(null, args)!;
                return (v, args[(2 * n)..].Select(o => (double)o!).ToArray());
            });
    }

    public delegate double GradientOf(double[] x, double a, Span<double> dx, out double da);

    public delegate double VjpOf(double[] x, double a, double seed, Span<double> xAdj, ref double aAdj);

    public delegate double JvpOf(double[] x, double a, ReadOnlySpan<double> xDot, double aDot, out double tangent);

    public delegate double HvpOf(double[] x, double a, ReadOnlySpan<double> vX, double vA, Span<double> hvX, out double hvA);
}
