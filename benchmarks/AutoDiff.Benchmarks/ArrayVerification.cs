using System;
using System.Linq;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the array functions (<c>ArrayFunctions.cs</c>). For the two scalar
    /// losses, the same checks as for the other functions, to 1e-10 relative: Gradient (into a
    /// span filled with garbage first, so that it must overwrite it), Vjp from zero and
    /// accumulating, and Jvp, against the hand-written gradients; and both the hand-written and the
    /// generated gradient against central finite differences at a few points. The lengths cover
    /// empty and odd arrays, the 64-value stack part of the tapes and their growth into pooled
    /// arrays, and the benchmarks' sizes. For Lorenz-96, the generated Jacobians (forward and
    /// reverse sweeps), Jvp and Vjp against the hand-written Jacobian, and that against finite
    /// differences.
    /// </summary>
    public static partial class Verification
    {
        const double ArrayTolerance = 1e-10;
        const double Garbage = 12345.678;

        static void VerifyArrays(Random random, Report report)
        {
            VerifyExtendedRosenbrock(random, report);
            VerifyLogisticLoss(random, report);
            VerifyLorenz96(random, report);
        }

        static void VerifyExtendedRosenbrock(Random random, Report report)
        {
            // The generated gradient pushes one int per pair: 128 elements fill the 64-int stack tape.
            int[] lengths = { 0, 1, 2, 3, 4, 5, 64, 127, 128, 129, 130, 131, 1000, 1001, 4096, 100_000 };
            // Finite differences: small lengths anywhere in [−2, 2]; the benchmark's n = 1,000 close
            // to the minimum (f is then of order 1, and so is the rounding error of a difference of f).
            (int Length, double Low, double High)[] finiteDifferencePoints = { (2, -2, 2), (3, -2, 2), (10, -2, 2), (40, -2, 2), (1000, 0.8, 1.2), (1001, 0.8, 1.2) };
            var stats = new Stats("ExtRosenbrock", ArrayTolerance);
            for (int point = 0; point < 200; point++)
            {
                bool finiteDifference = point < finiteDifferencePoints.Length;
                int n = finiteDifference ? finiteDifferencePoints[point].Length : lengths[point % lengths.Length];
                double[] x = finiteDifference
                    ? ArrayInputs.Uniform(random, n, finiteDifferencePoints[point].Low, finiteDifferencePoints[point].High)
                    : ArrayInputs.Uniform(random, n, -2, 2);
                double[] hand = Filled(n, Garbage), generated = Filled(n, Garbage);
                double handValue = ArrayHandWritten.ExtendedRosenbrockGradient(x, hand);
                double value = ExtendedRosenbrock.ValueGradient(x, generated);

                double seed = Uniform(random, -2, 2);
                double[] start = ArrayInputs.Uniform(random, n, -1, 1);
                double[] fromZero = new double[n], fromStart = (double[])start.Clone();
                double vjpValue = ExtendedRosenbrock.ValueVjp(x, seed, fromZero);
                ExtendedRosenbrock.ValueVjp(x, seed, fromStart);

                double[] direction = ArrayInputs.Uniform(random, n, -1, 1);
                double jvpValue = ExtendedRosenbrock.ValueJvp(x, direction, out double tangent);

                stats.Add(ExtendedRosenbrock.Value(x), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, direction, tangent);
                if (finiteDifference)
                {
                    Func<double[], double> f = ExtendedRosenbrock.Value;
                    stats.AddFiniteDifference(GradientCheck.Check(f, x, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, x, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
            report.Check("ExtRosenbrock", "Gradient throws on a wrong-length dx",
                Throws<ArgumentException>(() => ExtendedRosenbrock.ValueGradient(new double[4], new double[3])) ? 0 : 1, 0);
        }

        static void VerifyLogisticLoss(Random random, Report report)
        {
            // Per row the generated gradient pushes features + 2 ints and one double.
            int[] rowCounts = { 1, 2, 3, 7, 33, 100, 1000 };
            int[] featureCounts = { 1, 2, 3, 20, 50 };
            double[] penalties = { 0, 1e-3, 0.1 };
            var stats = new Stats("LogisticLoss", ArrayTolerance);
            for (int point = 0; point < 120; point++)
            {
                bool benchmarkSize = point < 6;
                int rows = benchmarkSize ? ArrayLogisticLossBenchmarks.Rows : rowCounts[random.Next(rowCounts.Length)];
                int features = benchmarkSize ? ArrayLogisticLossBenchmarks.Features : featureCounts[random.Next(featureCounts.Length)];
                double l2 = benchmarkSize ? ArrayLogisticLossBenchmarks.L2 : penalties[random.Next(penalties.Length)];
                var (data, labels, w, bias) = ArrayInputs.LogisticProblem(random, rows, features);
                // Every fourth point with features 10 times larger: |z| of 10 to 100, far out on
                // both sides, where σ and softplus take their other branches and saturate.
                if (point % 4 == 3)
                    for (int k = 0; k < data.Length; k++) data[k] *= 10;

                int p = features + 1;
                double[] hand = Filled(p, Garbage), generated = Filled(p, Garbage);
                double handValue = ArrayHandWritten.LogisticLossGradient(w, bias, data, labels, l2, hand.AsSpan(0, features), out hand[features]);
                double value = LogisticLoss.ValueGradient(w, bias, data, labels, l2, generated.AsSpan(0, features), out generated[features]);

                double seed = Uniform(random, -2, 2);
                double[] start = ArrayInputs.Uniform(random, p, -1, 1);
                double[] fromZero = new double[p], fromStart = (double[])start.Clone();
                double vjpValue = LogisticLoss.ValueVjp(w, bias, data, labels, l2, seed, fromZero.AsSpan(0, features), ref fromZero[features]);
                LogisticLoss.ValueVjp(w, bias, data, labels, l2, seed, fromStart.AsSpan(0, features), ref fromStart[features]);

                double[] direction = ArrayInputs.Uniform(random, p, -1, 1);
                double jvpValue = LogisticLoss.ValueJvp(w, bias, data, labels, l2, direction.AsSpan(0, features), direction[features], out double tangent);

                stats.Add(LogisticLoss.Value(w, bias, data, labels, l2), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, direction, tangent);
                if (point < 12)
                {
                    Func<double[], double> f = q => LogisticLoss.Value(q.AsSpan(0, features).ToArray(), q[features], data, labels, l2);
                    double[] at = new double[p];
                    w.CopyTo(at, 0);
                    at[features] = bias;
                    stats.AddFiniteDifference(GradientCheck.Check(f, at, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, at, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
        }

        static void VerifyLorenz96(Random random, Report report)
        {
            // The generated Vjp pushes four ints per element: 17 elements outgrow the 64-int stack tape.
            int[] sizes = { 2, 3, 4, 5, 8, 16, 17, 40, 41, 100 };
            double value = 0, jacobian = 0, jacobianWithForcing = 0, coloredJacobian = 0, jvp = 0, vjp = 0, vjpAccumulate = 0, finiteDifference = 0;
            int finiteDifferenceFailures = 0;
            for (int point = 0; point < 100; point++)
            {
                int n = point < 10 ? Lorenz96.Dimension : sizes[point % sizes.Length];
                double forcing = point < 10 ? Lorenz96.Forcing : Uniform(random, -10, 10);
                double[] x = ArrayInputs.Uniform(random, n, -5, 10);

                double[] y = new double[n];
                Lorenz96.Tendency(x, forcing, y);

                double[] handY = new double[n], hand = Filled(n * n, Garbage);
                ArrayHandWritten.Lorenz96Jacobian(x, forcing, handY, hand);
                double[] generatedY = Filled(n, Garbage), generated = Filled(n * n, Garbage);
                Lorenz96.TendencyJacobian(x, forcing, generatedY, generated);
                value = Math.Max(value, MaxRelativeError(handY, y));
                value = Math.Max(value, MaxRelativeError(generatedY, y));
                jacobian = Math.Max(jacobian, MaxRelativeError(generated, hand));

                int columns = n + 1;
                double[] handForcedY = new double[n], handForced = Filled(n * columns, Garbage);
                ArrayHandWritten.Lorenz96JacobianWithForcing(x, forcing, handForcedY, handForced);
                double[] forcedY = Filled(n, Garbage), forced = Filled(n * columns, Garbage);
                Lorenz96.TendencyWithForcingJacobian(x, forcing, forcedY, forced);
                value = Math.Max(value, Math.Max(MaxRelativeError(handForcedY, y), MaxRelativeError(forcedY, y)));
                jacobianWithForcing = Math.Max(jacobianWithForcing, MaxRelativeError(forced, handForced));
                for (int i = 0; i < n; i++)
                    jacobianWithForcing = Math.Max(jacobianWithForcing, RelativeError(handForced[i * columns + n], 1));

                // Colored: one sweep per color of the banded pattern (cyclic neighbours coincide for n < 4).
                var pattern = Enumerable.Range(0, n).SelectMany(i => new[] { -2, -1, 0, 1 }.Select(d => (i, ((i + d) % n + n) % n))).ToList();
                double[] colored = Filled(n * n, Garbage), coloredY = Filled(n, Garbage);
                Lorenz96.TendencyJacobian(x, forcing, coloredY, colored, JacobianColoring.FromPattern(n, n, pattern));
                double[] coloredForced = Filled(n * columns, Garbage), coloredForcedY = Filled(n, Garbage);
                Lorenz96.TendencyWithForcingJacobian(x, forcing, coloredForcedY, coloredForced,
                    JacobianColoring.FromPattern(n, columns, pattern.Concat(Enumerable.Range(0, n).Select(i => (i, n)))));
                value = Math.Max(value, Math.Max(MaxRelativeError(coloredY, y), MaxRelativeError(coloredForcedY, y)));
                coloredJacobian = Math.Max(coloredJacobian, Math.Max(MaxRelativeError(colored, hand), MaxRelativeError(coloredForced, handForced)));

                // Jvp: ẏ = J·ẋ.
                double[] xDot = ArrayInputs.Uniform(random, n, -1, 1), yDot = Filled(n, Garbage), jvpY = Filled(n, Garbage);
                Lorenz96.TendencyJvp(x, forcing, jvpY, xDot, yDot);
                value = Math.Max(value, MaxRelativeError(jvpY, y));
                for (int i = 0; i < n; i++)
                {
                    double dot = 0, scale = 0;
                    for (int j = 0; j < n; j++) { dot += hand[i * n + j] * xDot[j]; scale += Math.Abs(hand[i * n + j] * xDot[j]); }
                    jvp = Math.Max(jvp, scale == 0 ? 0 : Math.Abs(yDot[i] - dot) / scale);
                }

                // Vjp: x̄ += ȳᵀ·J, from zero and from a non-zero start.
                double[] yBar = ArrayInputs.Uniform(random, n, -1, 1), start = ArrayInputs.Uniform(random, n, -1, 1);
                double[] fromZero = new double[n], fromStart = (double[])start.Clone(), vjpY = Filled(n, Garbage);
                Lorenz96.TendencyVjp(x, forcing, vjpY, yBar, fromZero);
                Lorenz96.TendencyVjp(x, forcing, vjpY, yBar, fromStart);
                value = Math.Max(value, MaxRelativeError(vjpY, y));
                for (int j = 0; j < n; j++)
                {
                    double dot = 0, scale = 0;
                    for (int i = 0; i < n; i++) { dot += yBar[i] * hand[i * n + j]; scale += Math.Abs(yBar[i] * hand[i * n + j]); }
                    vjp = Math.Max(vjp, scale == 0 ? 0 : Math.Abs(fromZero[j] - dot) / scale);
                    vjpAccumulate = Math.Max(vjpAccumulate, Math.Abs(fromStart[j] - (start[j] + dot)) / Math.Max(Math.Abs(start[j]), scale));
                }

                // Central differences of y, column by column, against the hand-written Jacobian
                // (the generated one is equal to it, checked above).
                if (point < 20)
                {
                    double[] plus = new double[n], minus = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        double original = x[j], h = 1e-6 * Math.Max(1, Math.Abs(original));
                        x[j] = original + h; Lorenz96.Tendency(x, forcing, plus);
                        x[j] = original - h; Lorenz96.Tendency(x, forcing, minus);
                        x[j] = original;
                        for (int i = 0; i < n; i++)
                        {
                            double numeric = (plus[i] - minus[i]) / (2 * h);
                            double error = Math.Abs(hand[i * n + j] - numeric) / Math.Max(1, Math.Abs(numeric));
                            finiteDifference = Math.Max(finiteDifference, error);
                            if (!(error <= FiniteDifferenceTolerance)) finiteDifferenceFailures++;
                        }
                    }
                }
            }
            report.Check("Lorenz96", "outputs y (all companions vs primal)", value, ArrayTolerance);
            report.Check("Lorenz96", "Jacobian (forward sweeps) vs hand-written", jacobian, ArrayTolerance);
            report.Check("Lorenz96", "Jacobian in (x, F) (reverse) vs hand", jacobianWithForcing, ArrayTolerance);
            report.Check("Lorenz96", "colored Jacobians (x; x, F) vs hand", coloredJacobian, ArrayTolerance);
            report.Check("Lorenz96", "Jvp vs hand-written J . xDot", jvp, ArrayTolerance);
            report.Check("Lorenz96", "Vjp from zero vs yBar . hand-written J", vjp, ArrayTolerance);
            report.Check("Lorenz96", "Vjp from start vs start + yBar . J", vjpAccumulate, ArrayTolerance);
            report.Check("Lorenz96", "hand-written J vs finite differences", finiteDifference, FiniteDifferenceTolerance, finiteDifferenceFailures == 0);
        }

        static double[] Filled(int length, double value)
        {
            var array = new double[length];
            Array.Fill(array, value);
            return array;
        }

        static double MaxRelativeError(double[] a, double[] b)
        {
            double worst = 0;
            for (int k = 0; k < a.Length; k++)
            {
                double error = RelativeError(a[k], b[k]);
                if (double.IsNaN(error)) error = double.PositiveInfinity;
                worst = Math.Max(worst, error);
            }
            return worst;
        }

        static bool Throws<TException>(Action action) where TException : Exception
        {
            try { action(); }
            catch (TException) { return true; }
            return false;
        }
    }
}
