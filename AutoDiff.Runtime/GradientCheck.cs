using System;

namespace AutoDiff
{
    /// <summary>
    /// Compares an analytic gradient with central finite differences. Meant for tests and for
    /// a one-off sanity check of a model; it costs 2·n evaluations of the function.
    /// </summary>
    public static class GradientCheck
    {
        /// <summary>
        /// Central finite-difference gradient of <paramref name="function"/> at <paramref name="point"/>:
        /// (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h with h = step·max(1, |xᵢ|).
        /// </summary>
        public static double[] FiniteDifferenceGradient(Func<double[], double> function, double[] point, double step = 1e-6)
        {
            if (function is null) throw new ArgumentNullException(nameof(function));
            if (point is null) throw new ArgumentNullException(nameof(point));
            var x = (double[])point.Clone();
            var gradient = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                double original = x[i];
                double h = step * Math.Max(1.0, Math.Abs(original));
                x[i] = original + h;
                double plus = function(x);
                x[i] = original - h;
                double minus = function(x);
                x[i] = original;
                gradient[i] = (plus - minus) / (2 * h);
            }
            return gradient;
        }

        /// <summary>
        /// Checks <paramref name="analyticGradient"/> against central finite differences.
        /// An entry passes when |analytic − numeric| ≤ tolerance·max(1, |numeric|).
        /// </summary>
        public static GradientCheckResult Check(Func<double[], double> function, double[] point, double[] analyticGradient, double tolerance = 1e-5, double step = 1e-6)
        {
            if (analyticGradient is null) throw new ArgumentNullException(nameof(analyticGradient));
            if (point is null) throw new ArgumentNullException(nameof(point));
            if (analyticGradient.Length != point.Length)
                throw new ArgumentException("The gradient must have one entry per coordinate of the point.", nameof(analyticGradient));
            double[] numeric = FiniteDifferenceGradient(function, point, step);
            double maxError = 0;
            int worst = -1;
            for (int i = 0; i < numeric.Length; i++)
            {
                double error = Math.Abs(analyticGradient[i] - numeric[i]) / Math.Max(1.0, Math.Abs(numeric[i]));
                if (double.IsNaN(error)) error = double.PositiveInfinity;
                if (error > maxError || worst < 0) { maxError = error; worst = i; }
            }
            return new GradientCheckResult(maxError <= tolerance, maxError, worst, numeric);
        }
    }

    /// <summary>The outcome of <see cref="GradientCheck.Check"/>.</summary>
    public sealed class GradientCheckResult
    {
        internal GradientCheckResult(bool passed, double maxRelativeError, int worstIndex, double[] numericGradient)
        {
            Passed = passed;
            MaxRelativeError = maxRelativeError;
            WorstIndex = worstIndex;
            NumericGradient = numericGradient;
        }

        /// <summary>Whether every entry is within the tolerance.</summary>
        public bool Passed { get; }

        /// <summary>The largest error, relative to max(1, |numeric|).</summary>
        public double MaxRelativeError { get; }

        /// <summary>The coordinate with the largest error (−1 for an empty point).</summary>
        public int WorstIndex { get; }

        /// <summary>The finite-difference gradient that was compared against.</summary>
        public double[] NumericGradient { get; }

        /// <inheritdoc />
        public override string ToString() =>
            (Passed ? "passed" : "FAILED") + ": max relative error " + MaxRelativeError.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) +
            (WorstIndex >= 0 ? " at coordinate " + WorstIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
    }
}
