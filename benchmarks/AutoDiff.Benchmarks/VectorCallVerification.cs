using System;
using System.Linq;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the RK4 trajectory (<c>VectorCallFunctions.cs</c>): the generated Gradient, Vjp and Jvp in
    /// (u₀, dt) against the hand-written discrete adjoint, to 1e-10 relative, over 1 to 1,000 steps (the generated
    /// tape's stack part and its growth into pooled arrays), and both against central differences at a few points.
    /// </summary>
    public static partial class Verification
    {
        static void VerifyVectorCalls(Random random, Report report)
        {
            int[] steps = { 0, 1, 2, 5, 21, 22, 100, 1000 };
            var stats = new Stats("Rk4Lorenz", ArrayTolerance);
            for (int point = 0; point < 40; point++)
            {
                int n = steps[point % steps.Length];
                double[] u0 = { Uniform(random, -5, 5), Uniform(random, -5, 5), Uniform(random, 10, 30) };
                double dt = Uniform(random, 0.0005, 0.002);
                // The gradient in (u₀, dt) as one vector of four.
                double[] hand = new double[4], generated = Filled(4, Garbage);
                var handU = new double[3];
                double handValue = VectorCallHandWritten.Gradient(u0, dt, n, handU, out hand[3]);
                handU.CopyTo(hand, 0);
                var genU = Filled(3, Garbage);
                double value = LorenzTrajectory.ValueGradient(u0, dt, n, genU, out generated[3]);
                genU.CopyTo(generated, 0);

                double seed = Uniform(random, -2, 2);
                double[] start = ArrayInputs.Uniform(random, 4, -1, 1);
                double[] fromZero = new double[4], fromStart = (double[])start.Clone();
                var zeroU = new double[3];
                double vjpValue = LorenzTrajectory.ValueVjp(u0, dt, n, seed, zeroU, ref fromZero[3]);
                zeroU.CopyTo(fromZero, 0);
                var startU = start.Take(3).ToArray();
                LorenzTrajectory.ValueVjp(u0, dt, n, seed, startU, ref fromStart[3]);
                startU.CopyTo(fromStart, 0);

                double[] direction = ArrayInputs.Uniform(random, 4, -1, 1);
                double jvpValue = LorenzTrajectory.ValueJvp(u0, dt, n, direction.Take(3).ToArray(), direction[3], out double tangent);

                stats.Add(LorenzTrajectory.Value(u0, dt, n), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, direction, tangent);
                if (point < 6)
                {
                    Func<double[], double> f = p => LorenzTrajectory.Value(p.Take(3).ToArray(), p[3], n);
                    var at = u0.Append(dt).ToArray();
                    stats.AddFiniteDifference(GradientCheck.Check(f, at, hand, FiniteDifferenceTolerance));
                    stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, at, generated, FiniteDifferenceTolerance));
                }
            }
            report.Add(stats);
        }
    }
}
