using System;
using AutoDiff;

namespace AutoDiff.Samples.Quickstart
{
    /// <summary>
    /// Part (a): fit Newton's law of cooling, T(t) = a·exp(−t/τ) + c, to a cup of coffee
    /// cooling on a desk. c is the room temperature the coffee tends to, a is how much hotter
    /// than the room it started, τ is the time constant in minutes.
    /// </summary>
    /// <remarks>
    /// The type is <c>partial</c> because the generator adds the derivative methods
    /// (<c>SquaredResidualGradient</c>, <c>SquaredResidualVjp</c>, <c>SquaredResidualJvp</c>)
    /// to it in a second, generated file.
    /// </remarks>
    public static partial class CoolingCurve
    {
        // Thermometer readings every 4 minutes after pouring (°C). Real readings are noisy,
        // so the best fit does not pass through every point.
        static readonly double[] Minutes = { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60 };
        static readonly double[] Celsius = { 91.7, 80.2, 70.3, 62.1, 55.1, 49.7, 45.3, 41.2, 38.0, 35.1, 32.8, 30.9, 28.8, 28.1, 27.0, 26.0 };

        public static int PointCount => Minutes.Length;

        /// <summary>
        /// The squared error of the model at one measurement. This is the only method that is
        /// differentiated: it is straight-line code, which is what the generator handles today.
        /// The measurement (t, measured) is data, not something we fit, so it is marked
        /// [NoDerivative]: the generator passes it through and computes no derivative for it.
        /// </summary>
        /// <remarks>
        /// We fit the time constant τ rather than a rate k = 1/τ so that all three parameters
        /// are tens of units; the optimizer then moves them at comparable speeds.
        /// </remarks>
        [Differentiable]
        public static double SquaredResidual(double a, double tau, double c, [NoDerivative] double t, [NoDerivative] double measured)
        {
            double predicted = a * Math.Exp(-t / tau) + c;
            double residual = predicted - measured;
            return residual * residual;
        }

        /// <summary>
        /// The sum of squared residuals over the whole table and its gradient. The loop over the
        /// data is ordinary C#, outside the differentiated method: the generated
        /// <c>SquaredResidualVjp</c> <em>adds</em> seed·∂/∂p into its <c>ref</c> arguments, so
        /// calling it once per point accumulates the gradient of the sum.
        /// </summary>
        public static double Loss(double a, double tau, double c, out double dA, out double dTau, out double dC)
        {
            dA = 0; dTau = 0; dC = 0;
            double loss = 0;
            for (int i = 0; i < Minutes.Length; i++)
                loss += SquaredResidualVjp(a, tau, c, Minutes[i], Celsius[i], 1.0, ref dA, ref dTau, ref dC);
            return loss;
        }

        /// <summary>The loss alone, for the finite-difference check in Program.cs.</summary>
        public static double Loss(double a, double tau, double c)
        {
            double loss = 0;
            for (int i = 0; i < Minutes.Length; i++)
                loss += SquaredResidual(a, tau, c, Minutes[i], Celsius[i]);
            return loss;
        }

        /// <summary>
        /// Fits (a, τ, c) with Adam, written out in full: a running mean of the gradient (m)
        /// and of its square (v) give every parameter its own step size, which copes with a
        /// loss that is much steeper in some directions than in others.
        /// </summary>
        public static (double A, double Tau, double C) Fit(Action<string> print)
        {
            // A rough guess a newcomer could read off the table: started ~70 °C above a ~20 °C room,
            // and a time constant of 10 minutes (deliberately off by a factor of two).
            double[] p = { 70, 10, 20 };
            double[] m = new double[3], v = new double[3], g = new double[3];
            const double learningRate = 0.2, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
            const int iterations = 2000;

            for (int step = 0; step <= iterations; step++)
            {
                double loss = Loss(p[0], p[1], p[2], out g[0], out g[1], out g[2]);
                if (step % 400 == 0)
                    print($"  iter {step,5}  loss {loss,10:F4}  a {p[0],7:F3}  tau {p[1],7:F3}  c {p[2],7:F3}");
                if (step == iterations) break;

                for (int i = 0; i < p.Length; i++)
                {
                    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                    // Bias correction: m and v start at zero, so early averages are too small.
                    double mHat = m[i] / (1 - Math.Pow(beta1, step + 1));
                    double vHat = v[i] / (1 - Math.Pow(beta2, step + 1));
                    p[i] -= learningRate * mHat / (Math.Sqrt(vHat) + epsilon);
                }
            }
            return (p[0], p[1], p[2]);
        }
    }
}
