using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the ADBench LSTM objective (<c>Lstm/</c>). With ADBench's input present: the loss on
    /// <c>lstm/lstm_l2_c1024.txt</c> equals ADBench's reference 0.66666518 to the 8 digits it is printed with,
    /// the generated and hand-written gradients return exactly the objective's value and agree, and both agree
    /// with central differences on 40 sampled coordinates. Always: 40 generated problems (l 1–3, c 2–24,
    /// b 1–8, and the benchmark's shape). On each: every companion's value equals the objective exactly; the
    /// generated Gradient (into garbage-filled spans), Vjp from zero and accumulating, and Jvp against the
    /// hand-written gradient, to 1e-10 relative to the gradient's largest entry; and, on the small problems,
    /// both gradients against central differences (step 1e-5) on every coordinate (1e-6 relative to the largest entry).
    /// </summary>
    public static partial class Verification
    {
        const double LstmTolerance = 1e-10;
        /// <summary>ADBench's loss on lstm_l2_c1024.txt, printed with 8 significant digits.</summary>
        const double LstmReferenceLoss = 0.66666518;

        static void VerifyLstm(Random random, Report report)
        {
            var stats = new Stats("Lstm", LstmTolerance);
            int inexact = 0;
            if (LstmData.TryLoad("lstm_l2_c1024", out var file))
            {
                double loss = file.Objective();
                report.Check("Lstm l2_c1024", "loss vs ADBench reference 0.66666518", Math.Abs(loss - LstmReferenceLoss), 5e-9);
                inexact += AddLstmPoint(file, random, stats, finiteDifferenceCoordinates: 40);
            }
            else
            {
                report.Note($"Lstm: ADBench's lstm/lstm_l2_c1024.txt not found (set {AdBenchInputs.EnvironmentVariable}); reference check skipped");
            }
            for (int point = 0; point < 40; point++)
            {
                LstmData data = point == 0
                    ? LstmData.Generate(2, 1024, 14, 1)
                    : LstmData.Generate(1 + random.Next(3), 2 + random.Next(23), 1 + random.Next(8), random.Next());
                inexact += AddLstmPoint(data, random, stats, finiteDifferenceCoordinates: point == 0 ? 40 : point < 16 ? int.MaxValue : 0);
            }
            report.Add(stats);
            report.Check("Lstm", "values not bit for bit the objective's", inexact, 0);
        }

        static int AddLstmPoint(LstmData data, Random random, Stats stats, int finiteDifferenceCoordinates)
        {
            int p = data.ParameterCount, mainLength = data.MainParams.Length;
            double[] hand = new double[p], generated = new double[p];
            double handValue = LstmHandWritten.Gradient(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
                hand.AsSpan(0, mainLength), hand.AsSpan(mainLength));
            Array.Fill(generated, Garbage);
            double value = Lstm.ObjectiveGradient(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
                generated.AsSpan(0, mainLength), generated.AsSpan(mainLength));

            double seed = Uniform(random, -2, 2);
            double[] start = new double[p];
            for (int i = 0; i < p; i++) start[i] = Uniform(random, -1, 1);
            double[] fromZero = new double[p], fromStart = (double[])start.Clone();
            double vjpValue = Lstm.ObjectiveVjp(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B, seed,
                fromZero.AsSpan(0, mainLength), fromZero.AsSpan(mainLength));
            Lstm.ObjectiveVjp(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B, seed,
                fromStart.AsSpan(0, mainLength), fromStart.AsSpan(mainLength));

            double[] direction = new double[p];
            for (int i = 0; i < p; i++) direction[i] = Uniform(random, -1, 1);
            double jvpValue = Lstm.ObjectiveJvp(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
                direction.AsSpan(0, mainLength), direction.AsSpan(mainLength), out double tangent);

            // Every companion returns the objective itself, bit for bit (the hand-written gradient too: it
            // evaluates the same expressions in the same order).
            double primal = data.Objective();
            stats.Points++;
            int inexact = 0;
            foreach (double v in new[] { handValue, value, vjpValue, jvpValue })
            {
                stats.Value = Math.Max(stats.Value, RelativeError(primal, v));
                if (!v.Equals(primal)) inexact++;
            }

            // Entries relative to the gradient's largest: an entry is a sum over time steps that may cancel.
            double scale = 0;
            foreach (double g in hand) scale = Math.Max(scale, Math.Abs(g));
            double dot = 0, dotScale = 0;
            for (int i = 0; i < p; i++)
            {
                stats.Gradient = Math.Max(stats.Gradient, Math.Abs(generated[i] - hand[i]) / scale);
                stats.Vjp = Math.Max(stats.Vjp, Math.Abs(fromZero[i] - seed * hand[i]) / (Math.Abs(seed) * scale));
                stats.VjpAccumulate = Math.Max(stats.VjpAccumulate,
                    Math.Abs(fromStart[i] - (start[i] + seed * hand[i])) / Math.Max(Math.Abs(start[i]), Math.Abs(seed) * scale));
                dot += hand[i] * direction[i];
                dotScale += Math.Abs(hand[i] * direction[i]);
            }
            stats.Jvp = Math.Max(stats.Jvp, dotScale == 0 ? 0 : Math.Abs(tangent - dot) / dotScale);

            if (finiteDifferenceCoordinates > 0)
            {
                double[] parameters = new double[p];
                data.MainParams.CopyTo(parameters, 0);
                data.ExtraParams.CopyTo(parameters, mainLength);
                double F(double[] q) => Lstm.Objective(q.AsSpan(0, mainLength), q.AsSpan(mainLength), data.State, data.Sequence, data.L, data.C, data.B);
                int count = Math.Min(finiteDifferenceCoordinates, p);
                double handWorst = 0, generatedWorst = 0;
                for (int n = 0; n < count; n++)
                {
                    int i = count == p ? n : random.Next(p);
                    double original = parameters[i], h = 1e-5 * Math.Max(1, Math.Abs(original));
                    parameters[i] = original + h;
                    double plus = F(parameters);
                    parameters[i] = original - h;
                    double minus = F(parameters);
                    parameters[i] = original;
                    double numeric = (plus - minus) / (2 * h);
                    handWorst = Math.Max(handWorst, Math.Abs(hand[i] - numeric) / scale);
                    generatedWorst = Math.Max(generatedWorst, Math.Abs(generated[i] - numeric) / scale);
                }
                stats.FiniteDifference = Math.Max(stats.FiniteDifference, handWorst);
                if (!(handWorst <= FiniteDifferenceTolerance)) stats.FiniteDifferenceFailures++;
                stats.GeneratedFiniteDifferencePoints++;
                stats.GeneratedFiniteDifference = Math.Max(stats.GeneratedFiniteDifference, generatedWorst);
                if (!(generatedWorst <= FiniteDifferenceTolerance)) stats.GeneratedFiniteDifferenceFailures++;
            }
            return inexact;
        }
    }
}
