using System;
using System.Numerics;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the <see cref="Vector3"/> mass–spring energy (<c>NumericsFunctions.cs</c>), in float: the generated
    /// Gradient, Vjp (from zero and accumulating) and Jvp against the hand-written gradient to 1e-5 relative to the gradient's largest
    /// entry at 500 configurations, the values bit for bit, and the hand-written and generated gradients against central differences of
    /// the float primal (step 1e-2, error relative to the gradient's largest entry, 2e-3) at 20 configurations.
    /// </summary>
    public static partial class Verification
    {
        const double FloatTolerance = 1e-5, FloatFiniteDifferenceTolerance = 2e-3;

        static double[] Flat(Vector3 a, Vector3 b, Vector3 c, Vector3 d, float k) =>
            new double[] { a.X, a.Y, a.Z, b.X, b.Y, b.Z, c.X, c.Y, c.Z, d.X, d.Y, d.Z, k };

        static Vector3 At(double[] x, int i) => new((float)x[3 * i], (float)x[3 * i + 1], (float)x[3 * i + 2]);

        static float SpringAt(double[] x) => SpringSquare.Energy(At(x, 0), At(x, 1), At(x, 2), At(x, 3), (float)x[12]);

        /// <summary>The largest |g − central difference| over the entries, relative to max(1, max |g|).</summary>
        static double FloatDifferenceError(double[] at, double[] gradient)
        {
            const double h = 1e-2;
            double worst = 0, scale = 1;
            foreach (double g in gradient) scale = Math.Max(scale, Math.Abs(g));
            for (int i = 0; i < at.Length; i++)
            {
                var plus = (double[])at.Clone();
                var minus = (double[])at.Clone();
                plus[i] += h;
                minus[i] -= h;
                // The step actually taken in float.
                double step = (float)plus[i] - (double)(float)minus[i];
                double fd = ((double)SpringAt(plus) - SpringAt(minus)) / step;
                worst = Math.Max(worst, Math.Abs(fd - gradient[i]) / scale);
            }
            return worst;
        }

        static void VerifyNumerics(Random random, Report report)
        {
            Vector3[] corners = { new(0, 0, 0), new(1, 0, 0), new(1, 0, 1), new(0, 0, 1) };
            double value = 0, gradient = 0, vjp = 0, vjpAccumulate = 0, jvp = 0, handDifferences = 0, generatedDifferences = 0;
            Vector3 V(double spread, int corner) => corners[corner] + new Vector3(
                (float)Uniform(random, -spread, spread), (float)Uniform(random, -spread, spread), (float)Uniform(random, -spread, spread));
            for (int i = 0; i < PointsPerFunction; i++)
            {
                Vector3 p0 = V(0.3, 0), p1 = V(0.3, 1), p2 = V(0.3, 2), p3 = V(0.3, 3);
                float k = (float)Uniform(random, 1, 10);
                float primal = SpringSquare.Energy(p0, p1, p2, p3, k);
                float handValue = NumericsHandWritten.SpringSquareGradient(p0, p1, p2, p3, k, out var h0, out var h1, out var h2, out var h3, out float hk);
                float genValue = SpringSquare.EnergyGradient(p0, p1, p2, p3, k, out var g0, out var g1, out var g2, out var g3, out float gk);
                double[] hand = Flat(h0, h1, h2, h3, hk), generated = Flat(g0, g1, g2, g3, gk);

                float seed = (float)Uniform(random, -2, 2);
                Vector3 z0 = default, z1 = default, z2 = default, z3 = default;
                float zk = 0;
                float vjpValue = SpringSquare.EnergyVjp(p0, p1, p2, p3, k, seed, ref z0, ref z1, ref z2, ref z3, ref zk);
                Vector3 s0 = V(1, 0), s1 = V(1, 1), s2 = V(1, 2), s3 = V(1, 3);
                float sk = (float)Uniform(random, -1, 1);
                double[] start = Flat(s0, s1, s2, s3, sk);
                SpringSquare.EnergyVjp(p0, p1, p2, p3, k, seed, ref s0, ref s1, ref s2, ref s3, ref sk);
                double[] fromZero = Flat(z0, z1, z2, z3, zk), fromStart = Flat(s0, s1, s2, s3, sk);

                Vector3 d0 = V(1, 0) - corners[0], d1 = V(1, 1) - corners[1], d2 = V(1, 2) - corners[2], d3 = V(1, 3) - corners[3];
                float dk = (float)Uniform(random, -1, 1);
                float jvpValue = SpringSquare.EnergyJvp(p0, p1, p2, p3, k, d0, d1, d2, d3, dk, out float tangent);
                double[] direction = Flat(d0, d1, d2, d3, dk);

                // The companions return the primal bit for bit; the hand-written gradient computes it the same way.
                foreach (float v in new[] { handValue, genValue, vjpValue, jvpValue })
                    value = Math.Max(value, Math.Abs((double)v - primal));
                // An entry of a float gradient is a sum of spring forces that may cancel: errors are relative to the
                // gradient's largest entry, not to the entry.
                double scale = 0, dot = 0, dotScale = 0;
                foreach (double g in hand) scale = Math.Max(scale, Math.Abs(g));
                for (int e = 0; e < hand.Length; e++)
                {
                    gradient = Math.Max(gradient, Math.Abs(generated[e] - hand[e]) / scale);
                    vjp = Math.Max(vjp, Math.Abs(fromZero[e] - seed * hand[e]) / (Math.Abs(seed) * scale));
                    vjpAccumulate = Math.Max(vjpAccumulate, Math.Abs(fromStart[e] - (start[e] + seed * hand[e])) / Math.Max(Math.Abs(start[e]), Math.Abs(seed) * scale));
                    dot += hand[e] * direction[e];
                    dotScale += Math.Abs(hand[e] * direction[e]);
                }
                jvp = Math.Max(jvp, Math.Abs(tangent - dot) / dotScale);
                if (i < 20)
                {
                    double[] at = Flat(p0, p1, p2, p3, k);
                    handDifferences = Math.Max(handDifferences, FloatDifferenceError(at, hand));
                    generatedDifferences = Math.Max(generatedDifferences, FloatDifferenceError(at, generated));
                }
            }
            const string name = "SpringSquare";
            report.Check(name, "value (all companions vs primal, exact)", value, 0);
            report.Check(name, "Gradient vs hand-written", gradient, FloatTolerance);
            report.Check(name, "Vjp from zero vs seed * hand-written", vjp, FloatTolerance);
            report.Check(name, "Vjp from start vs start + seed * hand", vjpAccumulate, FloatTolerance);
            report.Check(name, "Jvp tangent vs hand-written . direction", jvp, FloatTolerance);
            report.Check(name, "hand-written vs float differences (h 1e-2)", handDifferences, FloatFiniteDifferenceTolerance);
            report.Check(name, "Gradient vs float differences (h 1e-2)", generatedDifferences, FloatFiniteDifferenceTolerance);
        }
    }
}
