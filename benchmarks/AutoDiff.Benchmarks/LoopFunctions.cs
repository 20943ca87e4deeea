using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A unit mass on a spring with stiffness k and damping c, released from rest at x0 and
    /// integrated with semi-implicit (symplectic) Euler:
    ///   a = −k·x − c·v;  v ← v + dt·a;  x ← x + dt·v
    /// The result is the loss dt·Σ x², the integrated squared position over the steps, the kind of
    /// objective a parameter fit or a controller tuning minimises. Each step overwrites x and v, so
    /// reverse mode has to keep (or recompute) every state: the time-stepping case.
    /// </summary>
    public static partial class DampedOscillator
    {
        /// <summary>The step count the benchmarks use: 1,000 steps of dt = 0.01, ten time units.</summary>
        public const int Steps = 1000;
        public const double TimeStep = 0.01;

        [Differentiable]
        public static double Loss(double stiffness, double damping, double x0, [NoDerivative] double dt, int steps)
        {
            double x = x0;
            double v = 0;
            double loss = 0;
            for (int i = 0; i < steps; i++)
            {
                double a = -stiffness * x - damping * v;
                v += dt * a;
                x += dt * v;
                loss += x * x;
            }
            return dt * loss;
        }
    }

    /// <summary>
    /// Kepler's equation E − e·sin E = M, solved for the eccentric anomaly E by Newton's method
    /// from E₀ = M until the Newton step is below 1e-12 (at most 50 steps). The trip count depends
    /// on the data (2–7 steps, 4.5 on average, for the benchmark inputs). Active: mean anomaly M and eccentricity e.
    /// The result is E itself, so the gradient is (∂E/∂M, ∂E/∂e).
    /// </summary>
    public static partial class Kepler
    {
        public const double Tolerance = 1e-12;
        public const int MaxIterations = 50;

        [Differentiable]
        public static double EccentricAnomaly(double meanAnomaly, double eccentricity)
        {
            double anomaly = meanAnomaly;
            double step = 1;
            int iterations = 0;
            while (Math.Abs(step) > Tolerance && iterations < MaxIterations)
            {
                double residual = anomaly - eccentricity * Math.Sin(anomaly) - meanAnomaly;
                double slope = 1 - eccentricity * Math.Cos(anomaly);
                step = residual / slope;
                anomaly -= step;
                iterations++;
            }
            return anomaly;
        }
    }

    /// <summary>
    /// A truncated series evaluated by Horner's rule, S(x, s) = Σ_{j=0}^{n−1} x^j / (j + s)²
    /// (the first n terms of the Lerch transcendent Φ(x, 2, s)), with n = 100 terms for the
    /// benchmarks. Arithmetic only, one division per term: any per-iteration overhead of the
    /// generated loop shows. Active: x and s.
    /// </summary>
    public static partial class LerchSeries
    {
        public const int Terms = 100;

        [Differentiable]
        public static double Value(double x, double s, int terms)
        {
            double sum = 0;
            for (int j = terms - 1; j >= 0; j--)
            {
                double denominator = j + s;
                sum = sum * x + 1 / (denominator * denominator);
            }
            return sum;
        }
    }
}
