using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>Hand-written Hessian-vector product of the extended Rosenbrock function, the reference for the generated <c>ValueHvp</c>.</summary>
    public static class HvpHandWritten
    {
        /// <summary>
        /// H·v for the extended Rosenbrock function (<see cref="ExtendedRosenbrock.Value"/>). The pairs
        /// (x₂ₖ, x₂ₖ₊₁) do not interact, so H is block diagonal with 2×2 blocks (in particular
        /// tridiagonal). Per pair, with a = 1 − x₀ and b = x₁ − x₀² (x₀ = x₂ₖ, x₁ = x₂ₖ₊₁):
        ///   ∂f/∂x₀ = −2a − 400·b·x₀,  ∂f/∂x₁ = 200·b,
        ///   ∂²f/∂x₀² = 2 + 800·x₀² − 400·b,  ∂²f/∂x₀∂x₁ = −400·x₀,  ∂²f/∂x₁² = 200.
        /// With w = 200·(v₁ − 2·x₀·v₀) (200 times the derivative of b along v):
        ///   (Hv)₁ = −400·x₀·v₀ + 200·v₁ = w,
        ///   (Hv)₀ = (2 + 800·x₀² − 400·b)·v₀ − 400·x₀·v₁ = 2·v₀ − 400·b·v₀ − 2·x₀·w.
        /// Returns f, like the generated companion. Every element of <paramref name="hv"/> is
        /// written once; for an odd length the last element, which f does not read, gets 0.
        /// </summary>
        public static double ExtendedRosenbrockHvp(double[] x, ReadOnlySpan<double> v, Span<double> hv)
        {
            if (v.Length != x.Length) throw new ArgumentException("v must have the length of x.", nameof(v));
            if (hv.Length != x.Length) throw new ArgumentException("hv must have the length of x.", nameof(hv));
            double sum = 0;
            int i = 0;
            for (; i + 1 < x.Length; i += 2)
            {
                double x0 = x[i], v0 = v[i];
                double a = 1 - x0;
                double b = x[i + 1] - x0 * x0;
                sum += a * a + 100 * b * b;
                double w = 200 * (v[i + 1] - 2 * x0 * v0);
                hv[i] = (2 - 400 * b) * v0 - 2 * x0 * w;
                hv[i + 1] = w;
            }
            if (i < x.Length) hv[i] = 0;
            return sum;
        }
    }
}
