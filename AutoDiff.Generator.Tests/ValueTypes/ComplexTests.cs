using System;
using System.Numerics;
using AutoDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>System.Numerics.Complex, differentiated at build time: the gradient of a real function of z = a + ib is (∂/∂a, ∂/∂b).</summary>
public static partial class ComplexFns
{
    [Differentiable]
    public static double Arithmetic(Complex z, Complex w, double x)
    {
        var q = (z + w) * (z - w) - x * z + z * x - 2.0 + (1.0 - w) + (w + x) + (z - x) + Complex.Conjugate(z) * -w + +z;
        q = Complex.Add(q, Complex.Multiply(z, w)) - Complex.Subtract(x, Complex.Negate(w));
        return q.Real + q.Imaginary * x;
    }

    [Differentiable]
    public static double Division(Complex z, Complex w, double x)
    {
        var q = z / w + x / w + (z + 1.0) / (w * w) + z / x + Complex.Divide(w, z);
        return q.Real * q.Imaginary;
    }

    [Differentiable]
    public static double Functions(Complex z, Complex w, double x)
    {
        var e = Complex.Exp(z) + Complex.Log(w) + Complex.Sqrt(z * w) * x;
        return e.Real + 2 * e.Imaginary;
    }

    [Differentiable]
    public static double Powers(Complex z, Complex w, double x)
    {
        var p = Complex.Pow(z, w) + Complex.Pow(w, x) + Complex.Pow(z, 2.0);
        return p.Real - p.Imaginary;
    }

    [Differentiable]
    public static double Polar(Complex z, Complex w, double x)
    {
        var p = Complex.FromPolarCoordinates(x, z.Real) * w;
        return p.Magnitude + p.Phase + Complex.Abs(z) * w.Phase;
    }

    [Differentiable]
    public static double Construction(Complex z, Complex w, double x)
    {
        Complex c = x;
        var d = new Complex(z.Imaginary, w.Real) + c + Complex.ImaginaryOne * x + Complex.One - Complex.Zero;
        d *= w;
        d += z;
        if (d == z || d != w) d -= 0.5;
        return d.Real * d.Imaginary + (-d).Real;
    }

    /// <summary>A complex result: z·e^(iθ)·x, with its Jvp and Vjp.</summary>
    [Differentiable]
    public static Complex Rotate(Complex z, Complex w, double x) => z * Complex.Exp(w * Complex.ImaginaryOne) * x;

    /// <summary>Re e^z: ∂/∂a = Re e^z, ∂/∂b = −Im e^z (Cauchy–Riemann).</summary>
    [Differentiable]
    public static double RealExp(Complex z) => Complex.Exp(z).Real;
}

/// <summary>
/// <see cref="ComplexFns"/>: primal bit for bit at many random points (the library's scaled division, Abs, Sqrt, Exp, Log,
/// Pow are called, not rewritten); gradients against central differences and hand formulas; Jvp against the gradient;
/// Hvp against differences of the gradient; Vjp adds seed × gradient; no allocation.
/// </summary>
public sealed class ComplexTests
{
    private delegate double F(Complex z, Complex w, double x);
    private delegate double G(Complex z, Complex w, double x, out Complex dz, out Complex dw, out double dx);
    private delegate double V(Complex z, Complex w, double x, double seed, ref Complex zAdj, ref Complex wAdj, ref double xAdj);
    private delegate double J(Complex z, Complex w, double x, Complex zDot, Complex wDot, double xDot, out double tangent);
    private delegate double H(Complex z, Complex w, double x, Complex vZ, Complex vW, double vX, out Complex hvZ, out Complex hvW, out double hvX);

    private static T Bind<T>(string name) where T : Delegate =>
        (T)Delegate.CreateDelegate(typeof(T), typeof(ComplexFns).GetMethod(name) ?? throw new MissingMethodException(name));

    public static readonly string[] Methods = { "Arithmetic", "Division", "Functions", "Powers", "Polar", "Construction" };

    private static double[] Flat(Complex z, Complex w, double x) => new[] { z.Real, z.Imaginary, w.Real, w.Imaginary, x };

    private static (Complex, Complex, double) Point(double[] p) => (new Complex(p[0], p[1]), new Complex(p[2], p[3]), p[4]);

    /// <summary>Right half-plane points (away from Log's and Sqrt's branch cut), x in [0.5, 2].</summary>
    private static double[] Random(Random rng) => new[]
    {
        0.5 + 1.5 * rng.NextDouble(), rng.NextDouble() * 2 - 1, 0.5 + 1.5 * rng.NextDouble(), rng.NextDouble() * 2 - 1, 0.5 + 1.5 * rng.NextDouble(),
    };

    private static void Near(double actual, double expected, double tolerance, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    private static double Difference(F f, double[] p, double[] direction, double h)
    {
        var up = new double[5];
        var down = new double[5];
        for (int i = 0; i < 5; i++) { up[i] = p[i] + h * direction[i]; down[i] = p[i] - h * direction[i]; }
        var (uz, uw, ux) = Point(up);
        var (dz, dw, dx) = Point(down);
        return (f(uz, uw, ux) - f(dz, dw, dx)) / (2 * h);
    }

    /// <summary>The bits of a value; every NaN is one (the JIT may swap a commutative operation's operands, which picks which NaN propagates).</summary>
    private static long Bits(double value) => double.IsNaN(value) ? -1 : BitConverter.DoubleToInt64Bits(value);

    private static double[] Unit(int i)
    {
        var e = new double[5];
        e[i] = 1;
        return e;
    }

    [TestCaseSource(nameof(Methods))]
    public void Primal_of_every_companion_is_the_methods_bit_for_bit(string name)
    {
        var f = Bind<F>(name);
        var g = Bind<G>(name + "Gradient");
        var v = Bind<V>(name + "Vjp");
        var j = Bind<J>(name + "Jvp");
        var h = Bind<H>(name + "Hvp");
        var rng = new Random(16);
        for (int k = 0; k < 500; k++)
        {
            double R() => rng.Next(8) switch { 0 => 0.0, 1 => -0.0, 2 => 1.0, 3 => rng.NextDouble() * 1e-200, 4 => rng.NextDouble() * 1e200, _ => rng.NextDouble() * 20 - 10 };
            var z = new Complex(R(), R());
            var w = new Complex(R(), R());
            double x = R();
            long expected = Bits(f(z, w, x));
            Complex za = Complex.Zero, wa = Complex.Zero;
            double xa = 0;
            Assert.Multiple(() =>
            {
                Assert.That(Bits(g(z, w, x, out _, out _, out _)), Is.EqualTo(expected), $"Gradient at {z} {w} {x}");
                Assert.That(Bits(v(z, w, x, 1, ref za, ref wa, ref xa)), Is.EqualTo(expected), "Vjp");
                Assert.That(Bits(j(z, w, x, Complex.One, Complex.ImaginaryOne, 1, out _)), Is.EqualTo(expected), "Jvp");
                Assert.That(Bits(h(z, w, x, Complex.One, Complex.ImaginaryOne, 1, out _, out _, out _)), Is.EqualTo(expected), "Hvp");
            });
        }
    }

    [TestCaseSource(nameof(Methods))]
    public void Gradient_matches_differences_forward_mode_Vjp_and_Hvp(string name)
    {
        var f = Bind<F>(name);
        var g = Bind<G>(name + "Gradient");
        var v = Bind<V>(name + "Vjp");
        var j = Bind<J>(name + "Jvp");
        var h = Bind<H>(name + "Hvp");
        var rng = new Random(5);
        for (int k = 0; k < 8; k++)
        {
            var p = Random(rng);
            var (z, w, x) = Point(p);
            g(z, w, x, out var dz, out var dw, out double dx);
            var grad = Flat(dz, dw, dx);
            for (int i = 0; i < 5; i++) Near(grad[i], Difference(f, p, Unit(i), 1e-6), 1e-6, $"{name}: ∂{i} at {z} {w} {x}");

            var direction = Random(rng);
            var (pz, pw, px) = Point(direction);
            j(z, w, x, pz, pw, px, out double tangent);
            double dot = 0;
            for (int i = 0; i < 5; i++) dot += grad[i] * direction[i];
            Near(tangent, dot, 1e-12, $"{name}: Jvp vs gradient");

            Complex za = new Complex(1, -1), wa = new Complex(0.5, 2);
            double xa = 3;
            v(z, w, x, -2, ref za, ref wa, ref xa);
            var added = Flat(za, wa, xa);
            var before = new[] { 1, -1, 0.5, 2, 3.0 };
            for (int i = 0; i < 5; i++) Near(added[i], before[i] - 2 * grad[i], 1e-12, $"{name}: Vjp {i}");

            h(z, w, x, pz, pw, px, out var hz, out var hw, out double hx);
            var hv = Flat(hz, hw, hx);
            for (int i = 0; i < 5; i++)
            {
                int component = i;
                Near(hv[i], Difference((a, b, c) => { g(a, b, c, out var ga, out var gb, out double gc); return Flat(ga, gb, gc)[component]; }, p, direction, 1e-5), 1e-5, $"{name}: Hvp {i}");
            }
        }
    }

    [Test]
    public void Cauchy_Riemann_by_hand()
    {
        var z = new Complex(0.3, -1.2);
        double value = ComplexFns.RealExpGradient(z, out var dz);
        Assert.That(value, Is.EqualTo(Complex.Exp(z).Real));
        Assert.That(dz.Real, Is.EqualTo(Complex.Exp(z).Real).Within(1e-15));
        Assert.That(dz.Imaginary, Is.EqualTo(-Complex.Exp(z).Imaginary).Within(1e-15));
    }

    [Test]
    public void Complex_result_Jvp_and_Vjp()
    {
        var z = new Complex(0.7, 0.2);
        var w = new Complex(1.1, -0.4);
        const double x = 1.5;
        var zDot = new Complex(0.3, -0.8);
        var primal = ComplexFns.RotateJvp(z, w, x, zDot, Complex.Zero, 0, out Complex tangent);
        Assert.That(primal, Is.EqualTo(ComplexFns.Rotate(z, w, x)), "primal bit for bit");
        // Holomorphic in z: the tangent is f′(z)·ż = e^(iw)·x·ż.
        var expected = Complex.Exp(w * Complex.ImaginaryOne) * x * zDot;
        Assert.That(tangent.Real, Is.EqualTo(expected.Real).Within(1e-12));
        Assert.That(tangent.Imaginary, Is.EqualTo(expected.Imaginary).Within(1e-12));
        // ⟨seed, J·ż⟩ = ⟨Jᵀ·seed, ż⟩ in the real inner product of the components.
        var seed = new Complex(-0.6, 0.9);
        Complex zAdj = Complex.Zero, wAdj = Complex.Zero;
        double xAdj = 0;
        ComplexFns.RotateVjp(z, w, x, seed, ref zAdj, ref wAdj, ref xAdj);
        Near(zAdj.Real * zDot.Real + zAdj.Imaginary * zDot.Imaginary, seed.Real * tangent.Real + seed.Imaginary * tangent.Imaginary, 1e-12, "Vjp against Jvp");
    }

    [Test]
    public void No_allocation()
    {
        var z = new Complex(0.7, 0.2);
        var w = new Complex(1.1, -0.4);
        double sink = 0;
        for (int i = 0; i < 10; i++) sink += ComplexFns.PowersGradient(z, w, 1.5, out _, out _, out _) + ComplexFns.DivisionHvp(z, w, 1.5, z, w, 1, out _, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) sink += ComplexFns.PowersGradient(z, w, 1.5, out _, out _, out _) + ComplexFns.DivisionHvp(z, w, 1.5, z, w, 1, out _, out _, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}
