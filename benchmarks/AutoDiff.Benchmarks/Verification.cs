using System;
using System.IO;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c>: before timing anything, make sure the three implementations compute the
    /// same thing. At a few hundred pseudo-random points per function (fixed seed, so every run
    /// checks the same points):
    /// <list type="bullet">
    /// <item>generated Gradient = hand-written gradient, each entry to 1e-12 relative;</item>
    /// <item>generated Vjp gives seed × the hand-written gradient from zero adjoints, and adds it to
    /// non-zero ones;</item>
    /// <item>generated Jvp tangent = hand-written gradient · direction;</item>
    /// <item>the hand-written gradient agrees with central finite differences, so the two are not
    /// merely equal but right.</item>
    /// </list>
    /// The loop functions (<c>LoopVerification.cs</c>) are checked the same way to 1e-10 relative,
    /// and their generated gradients are also checked against finite differences directly.
    /// The array functions (<c>ArrayVerification.cs</c>) are checked to 1e-10 relative, and the
    /// Lorenz-96 Jacobians against the hand-written one.
    /// </summary>
    public static partial class Verification
    {
        const int PointsPerFunction = 500;
        const double Tolerance = 1e-12;
        const double FiniteDifferenceTolerance = 1e-6;

        public static bool Run(TextWriter output)
        {
            var random = new Random(20240601);
            var report = new Report(output);
            VerifyRosenbrock(random, report);
            VerifyTwoLinkArm(random, report);
            VerifyCallOption(random, report);
            VerifyLoops(random, report);
            VerifyArrays(random, report);
            VerifyVectorCalls(random, report);
            VerifyGmm(random, report);
            VerifyBa(new Random(17), report);
            VerifyLstm(new Random(17), report);
            VerifyHvp(report);
            VerifyNumerics(new Random(16), report);
            CheckpointOde.Verify(report.Check);
            output.WriteLine(report.Failures == 0 ? "verify: all checks passed" : $"verify: {report.Failures} check(s) FAILED");
            return report.Failures == 0;
        }

        static void VerifyRosenbrock(Random random, Report report)
        {
            var stats = new Stats("Rosenbrock");
            for (int i = 0; i < PointsPerFunction; i++)
            {
                double x = Uniform(random, -2, 2), y = Uniform(random, -1, 3);
                double[] hand = new double[2], generated = new double[2];
                double handValue = HandWritten.RosenbrockGradient(x, y, out hand[0], out hand[1]);
                double value = Rosenbrock.ValueGradient(x, y, out generated[0], out generated[1]);

                double seed = Uniform(random, -2, 2);
                double[] start = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double[] fromZero = new double[2], fromStart = (double[])start.Clone();
                double vjpValue = Rosenbrock.ValueVjp(x, y, seed, ref fromZero[0], ref fromZero[1]);
                Rosenbrock.ValueVjp(x, y, seed, ref fromStart[0], ref fromStart[1]);

                double[] direction = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double jvpValue = Rosenbrock.ValueJvp(x, y, direction[0], direction[1], out double tangent);

                stats.Add(Rosenbrock.Value(x, y), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, direction, tangent);
                if (i < 5)
                    stats.AddFiniteDifference(GradientCheck.Check(p => Rosenbrock.Value(p[0], p[1]), new[] { x, y }, hand, FiniteDifferenceTolerance));
            }
            report.Add(stats);
        }

        static void VerifyTwoLinkArm(Random random, Report report)
        {
            var stats = new Stats("TwoLinkArm");
            var arm = new TwoLinkArm(1.0, 0.7);
            for (int i = 0; i < PointsPerFunction; i++)
            {
                double theta1 = Uniform(random, -Math.PI, Math.PI), theta2 = Uniform(random, -Math.PI, Math.PI);
                double tx = Uniform(random, -1.5, 1.5), ty = Uniform(random, -1.5, 1.5);
                double[] hand = new double[2], generated = new double[2];
                double handValue = HandWritten.TwoLinkArmGradient(arm, theta1, theta2, tx, ty, out hand[0], out hand[1]);
                double value = arm.SquaredDistanceGradient(theta1, theta2, tx, ty, out generated[0], out generated[1]);

                double seed = Uniform(random, -2, 2);
                double[] start = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double[] fromZero = new double[2], fromStart = (double[])start.Clone();
                double vjpValue = arm.SquaredDistanceVjp(theta1, theta2, tx, ty, seed, ref fromZero[0], ref fromZero[1]);
                arm.SquaredDistanceVjp(theta1, theta2, tx, ty, seed, ref fromStart[0], ref fromStart[1]);

                double[] direction = { Uniform(random, -1, 1), Uniform(random, -1, 1) };
                double jvpValue = arm.SquaredDistanceJvp(theta1, theta2, tx, ty, direction[0], direction[1], out double tangent);

                stats.Add(arm.SquaredDistance(theta1, theta2, tx, ty), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, direction, tangent);
                if (i < 5)
                    stats.AddFiniteDifference(GradientCheck.Check(p => arm.SquaredDistance(p[0], p[1], tx, ty), new[] { theta1, theta2 }, hand, FiniteDifferenceTolerance));
            }
            report.Add(stats);
        }

        static void VerifyCallOption(Random random, Report report)
        {
            var stats = new Stats("CallOption");
            for (int i = 0; i < PointsPerFunction; i++)
            {
                double[] p =
                {
                    Uniform(random, 50, 150),   // spot
                    Uniform(random, 50, 150),   // strike
                    Uniform(random, 0.1, 3),    // years
                    Uniform(random, 0, 0.08),   // rate
                    Uniform(random, 0.1, 0.6),  // volatility
                };
                double[] hand = new double[5], generated = new double[5];
                double handValue = HandWritten.CallOptionGradient(p[0], p[1], p[2], p[3], p[4], out hand[0], out hand[1], out hand[2], out hand[3], out hand[4]);
                double value = CallOption.PriceGradient(p[0], p[1], p[2], p[3], p[4], out generated[0], out generated[1], out generated[2], out generated[3], out generated[4]);

                double seed = Uniform(random, -2, 2);
                double[] start = new double[5];
                for (int k = 0; k < start.Length; k++) start[k] = Uniform(random, -1, 1);
                double[] fromZero = new double[5], fromStart = (double[])start.Clone();
                double vjpValue = CallOption.PriceVjp(p[0], p[1], p[2], p[3], p[4], seed,
                    ref fromZero[0], ref fromZero[1], ref fromZero[2], ref fromZero[3], ref fromZero[4]);
                CallOption.PriceVjp(p[0], p[1], p[2], p[3], p[4], seed,
                    ref fromStart[0], ref fromStart[1], ref fromStart[2], ref fromStart[3], ref fromStart[4]);

                double[] d = new double[5];
                for (int k = 0; k < d.Length; k++) d[k] = Uniform(random, -1, 1);
                double jvpValue = CallOption.PriceJvp(p[0], p[1], p[2], p[3], p[4], d[0], d[1], d[2], d[3], d[4], out double tangent);

                stats.Add(CallOption.Price(p[0], p[1], p[2], p[3], p[4]), handValue, value, vjpValue, jvpValue, hand, generated, seed, start, fromZero, fromStart, d, tangent);
                if (i < 5)
                    stats.AddFiniteDifference(GradientCheck.Check(q => CallOption.Price(q[0], q[1], q[2], q[3], q[4]), p, hand, FiniteDifferenceTolerance));
            }
            report.Add(stats);
        }

        static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

        /// <summary>|a − b| relative to the larger magnitude; 0 when both are 0.</summary>
        static double RelativeError(double a, double b)
        {
            double scale = Math.Max(Math.Abs(a), Math.Abs(b));
            return scale == 0 ? 0 : Math.Abs(a - b) / scale;
        }

        /// <summary>The worst errors seen for one function.</summary>
        sealed class Stats
        {
            public Stats(string name, double tolerance = Verification.Tolerance)
            {
                Name = name;
                Tolerance = tolerance;
            }
            public string Name { get; }
            /// <summary>The relative tolerance for generated vs hand-written (1e-12 straight-line, 1e-10 loops).</summary>
            public double Tolerance { get; }
            public double Value, Gradient, Vjp, VjpAccumulate, Jvp, FiniteDifference, GeneratedFiniteDifference;
            public int Points, FiniteDifferenceFailures, GeneratedFiniteDifferenceFailures, GeneratedFiniteDifferencePoints;

            public void Add(double primal, double handValue, double value, double vjpValue, double jvpValue,
                double[] hand, double[] generated, double seed, double[] start, double[] fromZero, double[] fromStart, double[] direction, double tangent)
            {
                Points++;
                // The companions return f itself; they must agree with the primal.
                Value = Math.Max(Value, Math.Max(RelativeError(primal, handValue),
                        Math.Max(RelativeError(primal, value), Math.Max(RelativeError(primal, vjpValue), RelativeError(primal, jvpValue)))));
                double dot = 0, dotScale = 0;
                for (int k = 0; k < hand.Length; k++)
                {
                    Gradient = Math.Max(Gradient, RelativeError(generated[k], hand[k]));
                    // The Vjp contract: adjoint += seed · ∂f/∂p. From zero adjoints the result is
                    // seed · ∂f/∂p itself; from non-zero ones it must be added, not overwritten.
                    Vjp = Math.Max(Vjp, RelativeError(fromZero[k], seed * hand[k]));
                    // Scale by the larger of the two terms: adding a small increment to a large
                    // start value rounds at the size of the start value.
                    double scale = Math.Max(Math.Abs(start[k]), Math.Abs(seed * hand[k]));
                    VjpAccumulate = Math.Max(VjpAccumulate, Math.Abs(fromStart[k] - (start[k] + seed * hand[k])) / scale);
                    dot += hand[k] * direction[k];
                    dotScale += Math.Abs(hand[k] * direction[k]);
                }
                // A dot product may cancel, so its rounding error is relative to Σ|gᵢ·ṗᵢ|, not to the sum.
                Jvp = Math.Max(Jvp, dotScale == 0 ? 0 : Math.Abs(tangent - dot) / dotScale);
            }

            public void AddFiniteDifference(GradientCheckResult result)
            {
                FiniteDifference = Math.Max(FiniteDifference, result.MaxRelativeError);
                if (!result.Passed) FiniteDifferenceFailures++;
            }

            /// <summary>The generated gradient checked directly against finite differences too.</summary>
            public void AddGeneratedFiniteDifference(GradientCheckResult result)
            {
                GeneratedFiniteDifferencePoints++;
                GeneratedFiniteDifference = Math.Max(GeneratedFiniteDifference, result.MaxRelativeError);
                if (!result.Passed) GeneratedFiniteDifferenceFailures++;
            }
        }

        sealed class Report
        {
            readonly TextWriter _output;
            public Report(TextWriter output) => _output = output;
            public int Failures { get; private set; }

            public void Add(Stats s)
            {
                Check(s.Name, "value (all companions vs primal)", s.Value, s.Tolerance);
                Check(s.Name, "Gradient vs hand-written", s.Gradient, s.Tolerance);
                Check(s.Name, "Vjp from zero vs seed * hand-written", s.Vjp, s.Tolerance);
                Check(s.Name, "Vjp from start vs start + seed * hand", s.VjpAccumulate, s.Tolerance);
                Check(s.Name, "Jvp tangent vs hand-written . direction", s.Jvp, s.Tolerance);
                Check(s.Name, "hand-written vs finite differences", s.FiniteDifference, FiniteDifferenceTolerance, s.FiniteDifferenceFailures == 0);
                if (s.GeneratedFiniteDifferencePoints > 0)
                    Check(s.Name, "Gradient vs finite differences", s.GeneratedFiniteDifference, FiniteDifferenceTolerance, s.GeneratedFiniteDifferenceFailures == 0);
            }

            public void Note(string text) => _output.WriteLine($"     {text}");

            public void Check(string function, string what, double worst, double tolerance, bool passed = true)
            {
                passed &= worst <= tolerance;
                if (!passed) Failures++;
                _output.WriteLine($"{(passed ? "ok  " : "FAIL")} {function,-16} {what,-42} worst {worst:0.0e+00} (tolerance {tolerance:0e+00})");
            }
        }
    }
}
