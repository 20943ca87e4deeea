using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Calls to vector-valued [Differentiable] methods from differentiable code: the callee's body is differentiated in
/// place of the call. See <see cref="VectorCallTests"/>.
/// </summary>
public static partial class VectorCalls
{
    /// <summary>The Lorenz-63 vector field, σ as data (ρ = 28, β = 8/3).</summary>
    [Differentiable]
    public static void Lorenz(ReadOnlySpan<double> u, [NoDerivative] double sigma, Span<double> dudt)
    {
        dudt[0] = sigma * (u[1] - u[0]);
        dudt[1] = u[0] * (28 - u[2]) - u[1];
        dudt[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
    }

    /// <summary>
    /// Classical RK4 on the Lorenz field for <paramref name="steps"/> steps, then a quadratic of the final state: each
    /// step is a call to the vector-valued <see cref="Rk4Step"/>, which calls the field four times (calls within calls),
    /// with the stage buffers and the state overwritten every step.
    /// </summary>
    [Differentiable]
    public static double Trajectory(double[] u0, double dt, int steps)
    {
        Span<double> u = stackalloc double[3];
        Span<double> next = stackalloc double[3];
        Span<double> stage = stackalloc double[3];
        Span<double> k1 = stackalloc double[3];
        Span<double> k2 = stackalloc double[3];
        Span<double> k3 = stackalloc double[3];
        Span<double> k4 = stackalloc double[3];
        for (int i = 0; i < 3; i++) u[i] = u0[i];
        for (int s = 0; s < steps; s++)
        {
            Rk4Step(u, dt, next, k1, k2, k3, k4, stage);
            for (int i = 0; i < 3; i++) u[i] = next[i];
        }
        return u[0] * u[0] + 0.5 * u[1] * u[2];
    }

    /// <summary>One RK4 step, vector-valued, its scratch buffers passed in as outputs: its Jacobian is the step's sensitivity matrix.</summary>
    [Differentiable]
    public static void Rk4Step(ReadOnlySpan<double> u, double dt, Span<double> next, Span<double> k1, Span<double> k2, Span<double> k3, Span<double> k4, Span<double> stage)
    {
        Lorenz(u, 10, k1);
        for (int i = 0; i < 3; i++) stage[i] = u[i] + 0.5 * dt * k1[i];
        Lorenz(stage, 10, k2);
        for (int i = 0; i < 3; i++) stage[i] = u[i] + 0.5 * dt * k2[i];
        Lorenz(stage, 10, k3);
        for (int i = 0; i < 3; i++) stage[i] = u[i] + dt * k3[i];
        Lorenz(stage, 10, k4);
        for (int i = 0; i < 3; i++) next[i] = u[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }

    /// <summary>Adds x² into y: it reads its output before writing it.</summary>
    [Differentiable]
    public static void AddSquares(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = y[i] + x[i] * x[i];
    }

    /// <summary>k = x², then k += k² in place (the same buffer as input and output): Σ (x² + x⁴), gradient 2x + 4x³.</summary>
    [Differentiable]
    public static double SquaresTwice(double[] x)
    {
        Span<double> k = stackalloc double[x.Length];
        AddSquares(x, k);
        AddSquares(k, k);
        double s = 0;
        for (int i = 0; i < k.Length; i++) s += k[i];
        return s;
    }

    /// <summary>The same through a vector-valued caller that passes its own output on (zeroed first: a Jacobian evaluates it once per sweep).</summary>
    [Differentiable]
    public static void SquaresTwiceInto(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = 0;
        AddSquares(x, y);
        AddSquares(y, y);
    }

    /// <summary>Writes sin x at even indices only.</summary>
    [Differentiable]
    public static void EvenSines(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i += 2) y[i] = Math.Sin(x[i]);
    }

    /// <summary>k = 3x, then the even elements replaced by sin x: Σ k², gradient 2 sin x cos x (even), 18x (odd).</summary>
    [Differentiable]
    public static double PartlyOverwritten(double[] x)
    {
        var k = new double[x.Length];
        for (int i = 0; i < x.Length; i++) k[i] = 3 * x[i];
        EvenSines(x, k);
        double s = 0;
        foreach (double v in k) s += v * v;
        return s;
    }

    /// <summary>y = c·x with c [NoDerivative].</summary>
    [Differentiable]
    public static void Scaled(ReadOnlySpan<double> x, [NoDerivative] double c, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = c * x[i];
    }

    /// <summary>Σ a·xᵢ where the callee takes a as data: ∂/∂a is 0, as a call through its companions would give.</summary>
    [Differentiable]
    public static double ScaledSum(double[] x, double a)
    {
        Span<double> k = stackalloc double[x.Length];
        Scaled(x, a, k);
        double s = 0;
        for (int i = 0; i < k.Length; i++) s += k[i];
        return s + a * a;
    }
}

/// <summary>A vector-valued instance method called on this.</summary>
public sealed partial class Springs
{
    private readonly double _stiffness;

    public Springs(double stiffness) => _stiffness = stiffness;

    /// <summary>Forces of a chain of springs fixed at both ends: fᵢ = −k·(2qᵢ − qᵢ₋₁ − qᵢ₊₁) + cubic term.</summary>
    [Differentiable]
    public void Forces(ReadOnlySpan<double> q, Span<double> f)
    {
        for (int i = 0; i < q.Length; i++)
        {
            double left = i > 0 ? q[i - 1] : 0;
            double right = i + 1 < q.Length ? q[i + 1] : 0;
            f[i] = -_stiffness * (2 * q[i] - left - right) - q[i] * q[i] * q[i];
        }
    }

    /// <summary>½|f(q)|²: the squared residual of the equilibrium equations.</summary>
    [Differentiable]
    public double Residual(double[] q)
    {
        Span<double> f = stackalloc double[q.Length];
        Forces(q, f);
        double r = 0;
        for (int i = 0; i < f.Length; i++) r += 0.5 * f[i] * f[i];
        return r;
    }
}
