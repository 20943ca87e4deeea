using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// Hand-written derivatives of the array functions in <c>ArrayFunctions.cs</c>, the way one
    /// would write them for production code: one pass where the structure allows it, no tape, no
    /// rented memory. Each returns (or writes) the same value as the primal, bit for bit: the
    /// primal's operations are kept in the same order. <c>--verify</c> checks them against the
    /// generated companions and against finite differences.
    /// </summary>
    public static class ArrayHandWritten
    {
        /// <summary>
        /// Gradient of the extended Rosenbrock function. The pairs do not interact, so the adjoint
        /// of each pair is computed right after its value, in the same loop, from the same
        /// a = 1 − x₂ₖ and b = x₂ₖ₊₁ − x₂ₖ²:
        ///   ∂f/∂x₂ₖ = −2a − 400·b·x₂ₖ,  ∂f/∂x₂ₖ₊₁ = 200·b.
        /// Every element of <paramref name="dx"/> is written once (no clearing, no read-modify-write);
        /// for an odd length the last element, which f does not read, gets 0.
        /// </summary>
        public static double ExtendedRosenbrockGradient(double[] x, Span<double> dx)
        {
            if (dx.Length != x.Length) throw new ArgumentException("dx must have the length of x.", nameof(dx));
            double sum = 0;
            int i = 0;
            for (; i + 1 < x.Length; i += 2)
            {
                double xi = x[i];
                double a = 1 - xi;
                double b = x[i + 1] - xi * xi;
                sum += a * a + 100 * b * b;
                double b200 = 200 * b;
                dx[i] = -2 * a - 2 * xi * b200;
                dx[i + 1] = b200;
            }
            if (i < x.Length) dx[i] = 0;
            return sum;
        }

        /// <summary>
        /// Gradient of the logistic-regression loss. With zᵣ = b + w·rowᵣ, the loss of a row is
        /// softplus(zᵣ) − yᵣ·zᵣ and its derivative in zᵣ is σ(zᵣ) − yᵣ. One pass over the rows:
        /// compute zᵣ, then e = e^−|zᵣ| once, from which both softplus(zᵣ) = max(zᵣ, 0) + log1p(e)
        /// (exactly as <see cref="AdMath.Softplus(double)"/> computes it) and
        /// σ(zᵣ) = 1/(1 + e) or e/(1 + e) (exactly as <see cref="AdMath.Sigmoid(double)"/>) follow;
        /// then gᵣ = σ(zᵣ) − yᵣ is added into b̄ and gᵣ·rowᵣ into w̄ while the row is still in
        /// cache. The 1/N of the mean is applied once at the end, and the penalty adds λ·w.
        /// One exp and one log per row, as in the primal.
        /// </summary>
        public static double LogisticLossGradient(double[] w, double bias, double[] data, double[] labels, double l2,
            Span<double> dw, out double dBias)
        {
            if (dw.Length != w.Length) throw new ArgumentException("dw must have the length of w.", nameof(dw));
            int features = w.Length;
            ReadOnlySpan<double> weights = w;
            dw.Clear();
            double logLoss = 0, biasBar = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                ReadOnlySpan<double> row = data.AsSpan(r * features, features);
                double z = bias;
                for (int j = 0; j < row.Length; j++) z += weights[j] * row[j];
                double e = Math.Exp(-Math.Abs(z));
                double label = labels[r];
                logLoss += Math.Max(z, 0) + Log1P(e) - label * z;
                double sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
                double g = sigmoid - label;
                biasBar += g;
                for (int j = 0; j < row.Length; j++) dw[j] += g * row[j];
            }
            double inverseRows = 1.0 / labels.Length;
            double squaredNorm = 0;
            for (int j = 0; j < features; j++)
            {
                double wj = weights[j];
                squaredNorm += wj * wj;
                dw[j] = dw[j] * inverseRows + l2 * wj;
            }
            dBias = biasBar * inverseRows;
            return logLoss / labels.Length + 0.5 * l2 * squaredNorm;
        }

        /// <summary>The same log(1 + x) as AdMath's (private) helper, so the value matches the primal's bit for bit.</summary>
        static double Log1P(double x)
        {
            double u = 1 + x;
            return u == 1 ? x : Math.Log(u) * x / (u - 1);
        }

        /// <summary>
        /// The Lorenz-96 tendency and its n×n Jacobian, row-major. Row i of
        /// yᵢ = (xᵢ₊₁ − xᵢ₋₂)·xᵢ₋₁ − xᵢ + F has four non-zeros:
        ///   ∂yᵢ/∂xᵢ₊₁ = xᵢ₋₁,  ∂yᵢ/∂xᵢ₋₂ = −xᵢ₋₁,  ∂yᵢ/∂xᵢ₋₁ = xᵢ₊₁ − xᵢ₋₂,  ∂yᵢ/∂xᵢ = −1.
        /// The matrix is cleared and the four entries of each row added (added, so that the
        /// result is right also for n &lt; 4, where cyclic neighbours coincide).
        /// </summary>
        public static void Lorenz96Jacobian(ReadOnlySpan<double> x, double forcing, Span<double> dxdt, Span<double> jacobian) =>
            Lorenz96Jacobian(x, forcing, dxdt, jacobian, withForcing: false);

        /// <summary>The same with one more column, ∂yᵢ/∂F = 1: the n×(n + 1) Jacobian in (x, F).</summary>
        public static void Lorenz96JacobianWithForcing(ReadOnlySpan<double> x, double forcing, Span<double> dxdt, Span<double> jacobian) =>
            Lorenz96Jacobian(x, forcing, dxdt, jacobian, withForcing: true);

        static void Lorenz96Jacobian(ReadOnlySpan<double> x, double forcing, Span<double> dxdt, Span<double> jacobian, bool withForcing)
        {
            int n = x.Length;
            int columns = withForcing ? n + 1 : n;
            if (dxdt.Length != n) throw new ArgumentException("dxdt must have the length of x.", nameof(dxdt));
            if (jacobian.Length != n * columns) throw new ArgumentException("jacobian has the wrong length.", nameof(jacobian));
            jacobian.Clear();
            for (int i = 0; i < n; i++)
            {
                int next = i + 1 < n ? i + 1 : i + 1 - n;
                int previous = i >= 1 ? i - 1 : i - 1 + n;
                int previous2 = i >= 2 ? i - 2 : i - 2 + n;
                double xPrevious = x[previous], difference = x[next] - x[previous2];
                dxdt[i] = difference * xPrevious - x[i] + forcing;
                Span<double> row = jacobian.Slice(i * columns, columns);
                row[next] += xPrevious;
                row[previous2] -= xPrevious;
                row[previous] += difference;
                row[i] -= 1;
                if (withForcing) row[n] = 1;
            }
        }
    }
}
