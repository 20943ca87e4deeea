using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the generated second-order companions of the extended Rosenbrock
    /// function: <c>ValueHvp</c> against the hand-written H·v (<c>HvpHandWritten.cs</c>) to 1e-10,
    /// relative to the largest entry of H·v, at lengths from 0 to 100,000 (odd ones too), into a
    /// span filled with garbage first (it must overwrite it), with the value it returns against the
    /// primal; the hand-written H·v against central differences of the hand-written gradient;
    /// the symmetry u·(Hv) = v·(Hu); <c>ValueHessian</c> column by column against the hand-written
    /// H·eₖ; and the length checks. It uses its own random seed, so it does not shift the points
    /// the other checks draw.
    /// </summary>
    public static partial class Verification
    {
        static void VerifyHvp(Report report)
        {
            var random = new Random(20240602);
            int[] lengths = { 0, 1, 2, 3, 4, 5, 64, 127, 128, 129, 1000, 1001, 100_000 };
            double hvpError = 0, valueError = 0, finiteDifferenceError = 0, symmetryError = 0;
            for (int point = 0; point < 100; point++)
            {
                int n = lengths[point % lengths.Length];
                double[] x = ArrayInputs.Uniform(random, n, -2, 2);
                double[] v = ArrayInputs.Uniform(random, n, -1, 1), u = ArrayInputs.Uniform(random, n, -1, 1);
                double[] hand = Filled(n, Garbage), generated = Filled(n, Garbage), hu = new double[n];
                double handValue = HvpHandWritten.ExtendedRosenbrockHvp(x, v, hand);
                double value = ExtendedRosenbrock.ValueHvp(x, v, generated);
                ExtendedRosenbrock.ValueHvp(x, u, hu);

                double primal = ExtendedRosenbrock.Value(x);
                valueError = Math.Max(valueError, Math.Max(RelativeError(primal, value), RelativeError(primal, handValue)));
                hvpError = Math.Max(hvpError, HvpMaxError(generated, hand));

                // H is symmetric: u·(Hv) = v·(Hu), up to rounding relative to Σ|uᵢ·(Hv)ᵢ|.
                double uHv = 0, vHu = 0, scale = 0;
                for (int i = 0; i < n; i++) { uHv += u[i] * generated[i]; vHu += v[i] * hu[i]; scale += Math.Abs(u[i] * generated[i]); }
                if (scale > 0) symmetryError = Math.Max(symmetryError, Math.Abs(uHv - vHu) / scale);

                // (∇f(x + εv) − ∇f(x − εv)) / 2ε ≈ H·v, so the reference is not merely equal to the generated code but right.
                if (n > 0 && n <= 1001 && point < 40)
                {
                    const double eps = 1e-5;
                    double[] plus = new double[n], minus = new double[n], gPlus = new double[n], gMinus = new double[n], difference = new double[n];
                    for (int i = 0; i < n; i++) { plus[i] = x[i] + eps * v[i]; minus[i] = x[i] - eps * v[i]; }
                    ArrayHandWritten.ExtendedRosenbrockGradient(plus, gPlus);
                    ArrayHandWritten.ExtendedRosenbrockGradient(minus, gMinus);
                    for (int i = 0; i < n; i++) difference[i] = (gPlus[i] - gMinus[i]) / (2 * eps);
                    finiteDifferenceError = Math.Max(finiteDifferenceError, HvpMaxError(difference, hand));
                }
            }
            report.Check("ExtRosenbrock", "Hvp value vs primal", valueError, ArrayTolerance);
            report.Check("ExtRosenbrock", "Hvp vs hand-written", hvpError, ArrayTolerance);
            report.Check("ExtRosenbrock", "Hvp symmetry u.Hv vs v.Hu", symmetryError, ArrayTolerance);
            report.Check("ExtRosenbrock", "hand-written Hvp vs finite differences", finiteDifferenceError, FiniteDifferenceTolerance);

            // The full Hessian: column k is H·eₖ.
            double hessianError = 0;
            foreach (int n in new[] { 1, 2, 5, 8 })
            {
                double[] x = ArrayInputs.Uniform(random, n, -2, 2), hessian = Filled(n * n, Garbage);
                double[] e = new double[n], column = new double[n], expected = new double[n * n];
                ExtendedRosenbrock.ValueHessian(x, hessian);
                for (int k = 0; k < n; k++)
                {
                    e[k] = 1;
                    HvpHandWritten.ExtendedRosenbrockHvp(x, e, column);
                    e[k] = 0;
                    for (int row = 0; row < n; row++) expected[row * n + k] = column[row];
                }
                hessianError = Math.Max(hessianError, HvpMaxError(hessian, expected));
            }
            report.Check("ExtRosenbrock", "Hessian vs hand-written H.e_k", hessianError, ArrayTolerance);
            bool throws = Throws<ArgumentException>(() => ExtendedRosenbrock.ValueHvp(new double[4], new double[3], new double[4]))
                && Throws<ArgumentException>(() => ExtendedRosenbrock.ValueHvp(new double[4], new double[4], new double[5]))
                && Throws<ArgumentException>(() => ExtendedRosenbrock.ValueHessian(new double[3], new double[8]));
            report.Check("ExtRosenbrock", "Hvp/Hessian throw on wrong lengths", throws ? 0 : 1, 0);
        }

        /// <summary>max |aᵢ − bᵢ| relative to max |bᵢ|; 0 for empty or all-zero b equal to a.</summary>
        static double HvpMaxError(double[] a, double[] b)
        {
            double worst = 0, scale = 0;
            for (int i = 0; i < b.Length; i++) { worst = Math.Max(worst, Math.Abs(a[i] - b[i])); scale = Math.Max(scale, Math.Abs(b[i])); }
            return scale == 0 ? worst : worst / scale;
        }
    }
}
