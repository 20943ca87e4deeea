using System;
using AutoDiff;

namespace AutoDiff.Samples.Newton
{
    /// <summary>
    /// The two functions this sample minimises. For each, the generator writes (under obj/…/generated/):
    /// <list type="bullet">
    /// <item><c>…Gradient</c>: the value and the gradient (reverse mode);</item>
    /// <item><c>…Hvp</c>: the value and H·v, the Hessian times a direction v, without ever forming H
    /// (forward mode over the reverse sweep: a small multiple of the cost of one gradient);</item>
    /// <item><c>…Hessian</c>: the full n×n Hessian, row-major (one Hvp per coordinate).</item>
    /// </list>
    /// </summary>
    public static partial class Problems
    {
        /// <summary>
        /// The extended Rosenbrock function (Moré, Garbow and Hillstrom, 1981, problem 21): n/2
        /// copies of the 2-D Rosenbrock function on the pairs (x₂ₖ, x₂ₖ₊₁),
        ///   f(x) = Σₖ (1 − x₂ₖ)² + 100·(x₂ₖ₊₁ − x₂ₖ²)².
        /// Minimum 0 at x = (1, …, 1), at the end of a long, curved, flat-bottomed valley.
        /// Generated: <c>RosenbrockGradient(x, Span dx)</c>, <c>RosenbrockHvp(x, ReadOnlySpan vX, Span hvX)</c>.
        /// </summary>
        [Differentiable]
        public static double Rosenbrock(ReadOnlySpan<double> x)
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

        /// <summary>
        /// A 2-D bowl, quartic in x with a cosine coupling:
        ///   f(x, y) = x⁴/4 + x² + 1.5·y² − cos(x + y) − 2x − y.
        /// Its Hessian [[3x² + 2 + c, c], [c, 3 + c]] with c = cos(x + y) is positive definite
        /// everywhere (both diagonal entries ≥ 1, determinant ≥ 6 + 5c ≥ 1), so there is a single
        /// minimum and every Newton step points downhill.
        /// Generated: <c>BowlGradient(x, y, out dx, out dy)</c>, <c>BowlHessian(x, y, Span hessian)</c>.
        /// </summary>
        [Differentiable]
        public static double Bowl(double x, double y) =>
            0.25 * x * x * x * x + x * x + 1.5 * y * y - Math.Cos(x + y) - 2 * x - y;
    }
}
