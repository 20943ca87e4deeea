using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The extended Rosenbrock function (Moré, Garbow and Hillstrom, 1981, problem 21): n/2
    /// independent copies of the two-dimensional Rosenbrock function on the pairs (x₂ₖ, x₂ₖ₊₁),
    ///   f(x) = Σₖ (1 − x₂ₖ)² + 100·(x₂ₖ₊₁ − x₂ₖ²)².
    /// Arithmetic only, over an array of n = 1,000 or 100,000 elements: the cheapest per-element
    /// work there is, so any per-element overhead of the generated code shows.
    /// </summary>
    public static partial class ExtendedRosenbrock
    {
        [Differentiable]
        public static double Value(double[] x)
        {
            double sum = 0;
            for (int i = 0; i + 1 < x.Length; i += 2)
            {
                double a = 1 - x[i];
                double b = x[i + 1] - x[i] * x[i];
                sum += a * a + 100 * b * b;
            }
            return sum;
        }
    }

    /// <summary>
    /// The loss of binary logistic regression, P(y = 1 | row) = σ(w·row + b), over a data matrix:
    /// the mean log-loss plus an L2 penalty (λ/2)·|w|²,
    ///   L(w, b) = (1/N)·Σᵣ [softplus(zᵣ) − yᵣ·zᵣ] + (λ/2)·Σⱼ wⱼ²,  zᵣ = b + Σⱼ wⱼ·dataᵣⱼ.
    /// <c>data</c> is row-major, <c>labels.Length</c> rows of <c>w.Length</c> features (1,000 × 20
    /// in the benchmarks); data, labels and λ are <c>[NoDerivative]</c>. Active: the weight vector
    /// and the bias. A dot product per row (a loop nested in the loop over rows) and one
    /// <see cref="AdMath.Softplus(double)"/> per row.
    /// </summary>
    public static partial class LogisticLoss
    {
        [Differentiable]
        public static double Value(double[] w, double bias, [NoDerivative] double[] data, [NoDerivative] double[] labels, [NoDerivative] double l2)
        {
            int features = w.Length;
            double logLoss = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                double z = bias;
                for (int j = 0; j < features; j++) z += w[j] * data[r * features + j];
                logLoss += AdMath.Softplus(z) - labels[r] * z;
            }
            double squaredNorm = 0;
            for (int j = 0; j < features; j++) squaredNorm += w[j] * w[j];
            return logLoss / labels.Length + 0.5 * l2 * squaredNorm;
        }
    }

    /// <summary>
    /// The Lorenz-96 model (E. Lorenz, 1996), the standard toy atmosphere of data assimilation:
    ///   dxᵢ/dt = (xᵢ₊₁ − xᵢ₋₂)·xᵢ₋₁ − xᵢ + F,  indices cyclic,
    /// with n = 40 variables and forcing F = 8 (<c>[NoDerivative]</c>). A vector field y = f(x),
    /// n = m = 40, whose Jacobian (the tangent-linear model) is what a Newton step of an implicit
    /// integrator or an extended Kalman filter needs. Each row of the Jacobian has four non-zeros.
    /// </summary>
    public static partial class Lorenz96
    {
        public const int Dimension = 40;
        public const double Forcing = 8;

        [Differentiable]
        public static void Tendency(ReadOnlySpan<double> x, [NoDerivative] double forcing, Span<double> dxdt)
        {
            int n = x.Length;
            for (int i = 0; i < n; i++)
            {
                int next = i + 1 < n ? i + 1 : i + 1 - n;
                int previous = i >= 1 ? i - 1 : i - 1 + n;
                int previous2 = i >= 2 ? i - 2 : i - 2 + n;
                dxdt[i] = (x[next] - x[previous2]) * x[previous] - x[i] + forcing;
            }
        }

        /// <summary>
        /// The same tendency with the forcing F active too: n + 1 inputs, n outputs, so the
        /// generated <c>TendencyWithForcingJacobian</c> (n × (n + 1)) runs one reverse sweep per
        /// output instead of one forward sweep per input.
        /// </summary>
        [Differentiable]
        public static void TendencyWithForcing(ReadOnlySpan<double> x, double forcing, Span<double> dxdt)
        {
            int n = x.Length;
            for (int i = 0; i < n; i++)
            {
                int next = i + 1 < n ? i + 1 : i + 1 - n;
                int previous = i >= 1 ? i - 1 : i - 1 + n;
                int previous2 = i >= 2 ? i - 2 : i - 2 + n;
                dxdt[i] = (x[next] - x[previous2]) * x[previous] - x[i] + forcing;
            }
        }
    }
}
