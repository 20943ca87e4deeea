using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the loop functions (<c>LoopFunctions.cs</c>): the same checks as the
    /// straight-line functions, to 1e-10 relative (a loop of thousands of steps rounds differently
    /// when the generated and the hand-written code group their operations differently), over trip
    /// counts that cover an empty loop, one iteration, the 64-value stack part of the tape and
    /// its growth into rented arrays. Both the hand-written and the generated gradient are also
    /// checked against central finite differences.
    /// </summary>
    public static partial class Verification
    {
        const double LoopTolerance = 1e-10;
        const int LoopPoints = 300;
        const int LoopFiniteDifferencePoints = 12;

        /// <summary>Trip counts to draw from: empty, tiny, around the 64-entry stack tape (32 iterations
        /// push 64 doubles for the oscillator), the benchmark's counts and beyond.</summary>
        static readonly int[] TripCounts = { 0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 500, 1000, 3000 };

        static void VerifyLoops(Random random, Report report)
        {
            VerifyDampedOscillator(random, report);
            VerifyKepler(random, report);
            VerifyLerchSeries(random, report);
        }

        static void VerifyDampedOscillator(Random random, Report report)
        {
            var stats = new Stats("DampedOscillator", LoopTolerance);
            const double dt = DampedOscillator.TimeStep;
            for (int i = 0; i < LoopPoints; i++)
            {
                double[] p = { Uniform(random, 0.5, 4), Uniform(random, 0.05, 0.5), Uniform(random, -2, 2) };
                int steps = i < LoopFiniteDifferencePoints ? DampedOscillator.Steps : TripCounts[random.Next(TripCounts.Length)];
                double[] hand = new double[3], generated = new double[3];
                double handValue = LoopHandWritten.DampedOscillatorLossGradient(p[0], p[1], p[2], dt, steps, out hand[0], out hand[1], out hand[2]);
                double value = DampedOscillator.LossGradient(p[0], p[1], p[2], dt, steps, out generated[0], out generated[1], out generated[2]);

                double seed = Uniform(random, -2, 2);
                double[] start = { Uniform(random, -1, 1), Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double[] fromZero = new double[3], fromStart = (double[])start.Clone();
                double vjpValue = DampedOscillator.LossVjp(p[0], p[1], p[2], dt, steps, seed, ref fromZero[0], ref fromZero[1], ref fromZero[2]);
                DampedOscillator.LossVjp(p[0], p[1], p[2], dt, steps, seed, ref fromStart[0], ref fromStart[1], ref fromStart[2]);

                double[] d = { Uniform(random, -1, 1), Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double jvpValue = DampedOscillator.LossJvp(p[0], p[1], p[2], dt, steps, d[0], d[1], d[2], out double tangent);

                stats.Add(DampedOscillator.Loss(p[0], p[1], p[2], dt, steps), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, d, tangent);
                if (i < LoopFiniteDifferencePoints)
                {
                    Func<double[], double> f = q => DampedOscillator.Loss(q[0], q[1], q[2], dt, steps);
                    stats.AddFiniteDifference(GradientCheck.Check(f, p, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, p, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
        }

        static void VerifyKepler(Random random, Report report)
        {
            var stats = new Stats("Kepler", LoopTolerance);
            double implicitError = 0, fallbackError = 0;
            int maxIterations = 0;
            for (int i = 0; i < LoopPoints; i++)
            {
                // Eccentricities up to 0.9 (the benchmark uses up to 0.8); near M = 0 with e = 0.9
                // the slope 1 − e·cos E is 0.1 and Newton needs its most steps.
                double[] p = { Uniform(random, 0, 2 * Math.PI), Uniform(random, 0, 0.9) };
                double[] hand = new double[2], generated = new double[2], implicitGradient = new double[2];
                double handValue = LoopHandWritten.KeplerGradient(p[0], p[1], out hand[0], out hand[1]);
                double value = Kepler.EccentricAnomalyGradient(p[0], p[1], out generated[0], out generated[1]);
                LoopHandWritten.KeplerImplicitGradient(p[0], p[1], out implicitGradient[0], out implicitGradient[1]);
                // The hand-written gradient's fallback (more steps than its stack buffer holds) must
                // give the same result; no benchmark input needs it, so force it with a tiny buffer.
                double[] pooled = new double[2];
                double pooledValue = LoopHandWritten.KeplerGradient(p[0], p[1], out pooled[0], out pooled[1], stackSteps: 2);
                fallbackError = Math.Max(fallbackError, Math.Max(RelativeError(pooledValue, handValue),
                    Math.Max(RelativeError(pooled[0], hand[0]), RelativeError(pooled[1], hand[1]))));
                maxIterations = Math.Max(maxIterations, CountNewtonSteps(p[0], p[1]));

                double seed = Uniform(random, -2, 2);
                double[] start = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double[] fromZero = new double[2], fromStart = (double[])start.Clone();
                double vjpValue = Kepler.EccentricAnomalyVjp(p[0], p[1], seed, ref fromZero[0], ref fromZero[1]);
                Kepler.EccentricAnomalyVjp(p[0], p[1], seed, ref fromStart[0], ref fromStart[1]);

                double[] d = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double jvpValue = Kepler.EccentricAnomalyJvp(p[0], p[1], d[0], d[1], out double tangent);

                stats.Add(Kepler.EccentricAnomaly(p[0], p[1]), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, d, tangent);
                for (int k = 0; k < 2; k++) implicitError = Math.Max(implicitError, RelativeError(implicitGradient[k], generated[k]));
                if (i < LoopFiniteDifferencePoints)
                {
                    Func<double[], double> f = q => Kepler.EccentricAnomaly(q[0], q[1]);
                    stats.AddFiniteDifference(GradientCheck.Check(f, p, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, p, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
            // The implicit-function gradient is a different algorithm: it equals the derivative of
            // the iteration only up to the convergence of the iteration.
            report.Check("Kepler", "implicit-function gradient vs Gradient", implicitError, LoopTolerance);
            report.Check("Kepler", "hand-written, pooled fallback vs stack", fallbackError, 0);
            report.Note($"Kepler: Newton took at most {maxIterations} steps at these points");

            // Not a check, a caveat: close to e = 1, Newton from E₀ = M wanders (steps of 10⁴ and
            // more) before it converges. E is still right to the last bit, but the derivative of
            // those iterations is not the derivative of E, and the generated and hand-written
            // reverse sweeps, which round differently, do not even agree with each other.
            foreach (double[] p in ChaoticKeplerPoints)
            {
                Kepler.EccentricAnomalyGradient(p[0], p[1], out double gm, out double ge);
                LoopHandWritten.KeplerGradient(p[0], p[1], out double hm, out double he);
                LoopHandWritten.KeplerImplicitGradient(p[0], p[1], out double im, out double ie);
                report.Note($"Kepler at M = {p[0]:0.000}, e = {p[1]:0.0000} ({CountNewtonSteps(p[0], p[1])} Newton steps): " +
                    $"Gradient ({gm:0.000}, {ge:0.000}), hand-written ({hm:0.000}, {he:0.000}), implicit ({im:0.000}, {ie:0.000})");
            }
        }

        /// <summary>Nearly parabolic orbits where Newton from E₀ = M takes a long detour.</summary>
        static readonly double[][] ChaoticKeplerPoints =
        {
            new[] { 0.22716286157362856, 0.9882990258576809 },
            new[] { 5.921789886812869, 0.9972863973676164 },
        };

        static int CountNewtonSteps(double meanAnomaly, double eccentricity)
        {
            double anomaly = meanAnomaly, step = 1;
            int iterations = 0;
            while (Math.Abs(step) > Kepler.Tolerance && iterations < Kepler.MaxIterations)
            {
                step = (anomaly - eccentricity * Math.Sin(anomaly) - meanAnomaly) / (1 - eccentricity * Math.Cos(anomaly));
                anomaly -= step;
                iterations++;
            }
            return iterations;
        }

        static void VerifyLerchSeries(Random random, Report report)
        {
            var stats = new Stats("LerchSeries", LoopTolerance);
            for (int i = 0; i < LoopPoints; i++)
            {
                double[] p = { Uniform(random, -0.95, 0.95), Uniform(random, 0.5, 3) };
                int terms = i < LoopFiniteDifferencePoints ? LerchSeries.Terms : TripCounts[random.Next(TripCounts.Length)];
                double[] hand = new double[2], generated = new double[2];
                double handValue = LoopHandWritten.LerchSeriesGradient(p[0], p[1], terms, out hand[0], out hand[1]);
                double value = LerchSeries.ValueGradient(p[0], p[1], terms, out generated[0], out generated[1]);

                double seed = Uniform(random, -2, 2);
                double[] start = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double[] fromZero = new double[2], fromStart = (double[])start.Clone();
                double vjpValue = LerchSeries.ValueVjp(p[0], p[1], terms, seed, ref fromZero[0], ref fromZero[1]);
                LerchSeries.ValueVjp(p[0], p[1], terms, seed, ref fromStart[0], ref fromStart[1]);

                double[] d = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double jvpValue = LerchSeries.ValueJvp(p[0], p[1], terms, d[0], d[1], out double tangent);

                stats.Add(LerchSeries.Value(p[0], p[1], terms), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, d, tangent);
                if (i < LoopFiniteDifferencePoints)
                {
                    Func<double[], double> f = q => LerchSeries.Value(q[0], q[1], terms);
                    stats.AddFiniteDifference(GradientCheck.Check(f, p, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, p, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
        }
    }
}
