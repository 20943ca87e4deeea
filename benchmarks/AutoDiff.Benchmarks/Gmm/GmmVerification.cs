using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for the ADBench GMM objective (<c>Gmm/</c>). With ADBench's inputs present:
    /// the objective and both gradients on <c>gmm/test.txt</c> against ADBench's reference values
    /// (1e-8, absolute + relative), and the three 1k-point files. Each check is made for the companions of both
    /// differentiable forms (<see cref="Gmm.Objective"/> and <see cref="Gmm.ObjectiveLoops"/>). Always: 60 generated problems
    /// (d 1–6, k 1–6, n 0–40, and the benchmarks' shapes). On each, to 1e-10 relative: the plain and
    /// differentiable objectives and every companion's value agree; the generated Gradient
    /// (into garbage-filled spans), Vjp from zero and accumulating and Jvp against the hand-written
    /// gradient (entries relative to max(|a|, |b|, 1)); and, for the small problems, both gradients against central finite differences.
    /// </summary>
    public static partial class Verification
    {
        const double GmmTolerance = 1e-10;
        const double GmmReferenceTolerance = 1e-8;
        const double GmmReferenceObjective = 8.07380408004975791;

        static readonly double[] GmmReferenceGradient =
        {
            1.08662855508652456e-01, -7.41270039523898472e-01, 6.32607184015246071e-01,
            1.11692576532787013e+00, 1.63333013551455269e-01, -2.19989824071193142e-02,
            2.27778292254236098e-01, 1.20963025612832187e+00, -6.06375920733956339e-02,
            2.58529994051162237e+00, 1.12632694524213789e-01, 3.85744309849611777e-01,
            7.35180573182305508e-02, 5.41836362715595232e+00, -3.21494409677446469e-01,
            1.71892309775004937e+00, 8.60091090790866875e-01, -9.94640930466322848e-01,
        };

        static void VerifyGmm(Random random, Report report)
        {
            if (GmmData.TryLoad("test", out var test))
            {
                double plain = test.ObjectivePlain(), differentiable = test.Objective();
                double[] hand = new double[test.ParameterCount], generated = new double[test.ParameterCount];
                double[] loops = new double[test.ParameterCount];
                double handValue = GmmGradient(test, hand, generated: false);
                double generatedValue = GmmGradient(test, generated, generated: true);
                double loopsValue = GmmGradient(test, loops, generated: true, loops: true);
                double objectiveError = 0, handError = 0, generatedError = 0, loopsError = 0;
                foreach (double v in new[] { plain, differentiable, test.ObjectiveLoops(), handValue, generatedValue, loopsValue })
                    objectiveError = Math.Max(objectiveError, Math.Abs(v - GmmReferenceObjective) / (1 + Math.Abs(GmmReferenceObjective)));
                for (int i = 0; i < GmmReferenceGradient.Length; i++)
                {
                    double scale = 1 + Math.Abs(GmmReferenceGradient[i]);
                    handError = Math.Max(handError, Math.Abs(hand[i] - GmmReferenceGradient[i]) / scale);
                    generatedError = Math.Max(generatedError, Math.Abs(generated[i] - GmmReferenceGradient[i]) / scale);
                    loopsError = Math.Max(loopsError, Math.Abs(loops[i] - GmmReferenceGradient[i]) / scale);
                }
                report.Check("Gmm test.txt", "objective vs ADBench reference", objectiveError, GmmReferenceTolerance);
                report.Check("Gmm test.txt", "hand-written gradient vs ADBench reference", handError, GmmReferenceTolerance);
                report.Check("Gmm test.txt", "Gradient vs ADBench reference", generatedError, GmmReferenceTolerance);
                report.Check("Gmm test.txt", "ObjectiveLoopsGradient vs ADBench reference", loopsError, GmmReferenceTolerance);
            }
            else
            {
                report.Note($"Gmm: ADBench's gmm/test.txt not found (set {GmmData.EnvironmentVariable}); reference check skipped");
            }

            var stats = new Stats("Gmm", GmmTolerance);
            var loopStats = new Stats("Gmm ObjectiveLoops", GmmTolerance);
            foreach (string name in new[] { "gmm_d2_K5", "gmm_d10_K25", "gmm_d20_K50" })
            {
                if (!GmmData.TryLoad(name, out var data)) continue;
                AddGmmPoint(data, random, stats, finiteDifference: false);
                AddGmmPoint(data, random, loopStats, finiteDifference: false, loops: true);
            }
            for (int point = 0; point < 60; point++)
            {
                GmmData data = point switch
                {
                    0 => GmmData.Generate(10, 25, 1000, 1),
                    1 => GmmData.Generate(20, 50, 1000, 2),
                    _ => GmmData.Generate(1 + random.Next(6), 1 + random.Next(6), random.Next(41), random.Next()),
                };
                AddGmmPoint(data, random, stats, finiteDifference: point >= 2 && point < 14);
                AddGmmPoint(data, random, loopStats, finiteDifference: point >= 2 && point < 14, loops: true);
            }
            report.Add(stats);
            report.Add(loopStats);
        }

        /// <summary>One problem: the generated companions of <see cref="Gmm.Objective"/>, or with <paramref name="loops"/> of <see cref="Gmm.ObjectiveLoops"/>.</summary>
        static void AddGmmPoint(GmmData data, Random random, Stats stats, bool finiteDifference, bool loops = false)
        {
            int p = data.ParameterCount;
            double[] hand = new double[p], generated = new double[p];
            double handValue = GmmGradient(data, hand, generated: false);
            Array.Fill(generated, Garbage);
            double value = GmmGradient(data, generated, generated: true, loops);

            double seed = Uniform(random, -2, 2);
            double[] start = new double[p];
            for (int i = 0; i < p; i++) start[i] = Uniform(random, -1, 1);
            double[] fromZero = new double[p], fromStart = (double[])start.Clone();
            double vjpValue = GmmVjp(data, seed, fromZero, loops);
            GmmVjp(data, seed, fromStart, loops);

            double[] direction = new double[p];
            for (int i = 0; i < p; i++) direction[i] = Uniform(random, -1, 1);
            var (aDot, mDot, iDot) = Split(data, direction);
            double jvpValue = loops
                ? Gmm.ObjectiveLoopsJvp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N,
                    aDot, mDot, iDot, out double tangent)
                : Gmm.ObjectiveJvp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N,
                aDot, mDot, iDot, out tangent);

            // The plain objective is the primal here; the differentiable one and every companion are
            // checked against it. Gradient entries are compared relative to max(|a|, |b|, 1), not
            // purely relative: with k = 1, ∂E/∂α = Σᵢ wᵢ − n·softmax(α) = n − n is 0 in exact
            // arithmetic and a rounding residue of order n·ε in both implementations.
            double primal = data.ObjectivePlain();
            stats.Points++;
            foreach (double v in new[] { loops ? data.ObjectiveLoops() : data.Objective(), handValue, value, vjpValue, jvpValue })
                stats.Value = Math.Max(stats.Value, RelativeError(primal, v));
            double dot = 0, dotScale = 0;
            for (int i = 0; i < p; i++)
            {
                stats.Gradient = Math.Max(stats.Gradient, GmmError(generated[i], hand[i], 1));
                stats.Vjp = Math.Max(stats.Vjp, GmmError(fromZero[i], seed * hand[i], 1));
                stats.VjpAccumulate = Math.Max(stats.VjpAccumulate, GmmError(fromStart[i], start[i] + seed * hand[i], Math.Max(1, Math.Abs(start[i]))));
                dot += hand[i] * direction[i];
                dotScale += Math.Abs(hand[i] * direction[i]);
            }
            stats.Jvp = Math.Max(stats.Jvp, dotScale == 0 ? 0 : Math.Abs(tangent - dot) / dotScale);

            if (finiteDifference)
            {
                double[] parameters = new double[p];
                data.Alphas.CopyTo(parameters, 0);
                data.Means.CopyTo(parameters, data.K);
                data.Icf.CopyTo(parameters, data.K + data.Means.Length);
                Func<double[], double> f = q =>
                {
                    var (a, m, icf) = Split(data, q);
                    return Gmm.ObjectivePlain(a, m, icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N);
                };
                stats.AddFiniteDifference(GradientCheck.Check(f, parameters, hand, FiniteDifferenceTolerance));
                stats.AddGeneratedFiniteDifference(GradientCheck.Check(f, parameters, generated, FiniteDifferenceTolerance));
            }
        }

        /// <summary>|a − b| relative to max(|a|, |b|, floor).</summary>
        static double GmmError(double a, double b, double floor) => Math.Abs(a - b) / Math.Max(floor, Math.Max(Math.Abs(a), Math.Abs(b)));

        /// <summary>(α, μ, icf) as consecutive slices of one flat vector.</summary>
        static (double[] Alphas, double[] Means, double[] Icf) Split(GmmData data, double[] flat) =>
            (flat[..data.K], flat[data.K..(data.K + data.Means.Length)], flat[(data.K + data.Means.Length)..]);

        static double GmmGradient(GmmData data, double[] flat, bool generated, bool loops = false)
        {
            Span<double> all = flat;
            Span<double> dA = all.Slice(0, data.K), dM = all.Slice(data.K, data.Means.Length), dI = all.Slice(data.K + data.Means.Length);
            return generated && loops
                ? Gmm.ObjectiveLoopsGradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, dA, dM, dI)
                : generated
                ? Gmm.ObjectiveGradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, dA, dM, dI)
                : GmmHandWritten.Gradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, dA, dM, dI);
        }

        static double GmmVjp(GmmData data, double seed, double[] flat, bool loops)
        {
            Span<double> all = flat;
            if (loops)
            {
                return Gmm.ObjectiveLoopsVjp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, seed,
                    all.Slice(0, data.K), all.Slice(data.K, data.Means.Length), all.Slice(data.K + data.Means.Length));
            }
            return Gmm.ObjectiveVjp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, seed,
                all.Slice(0, data.K), all.Slice(data.K, data.Means.Length), all.Slice(data.K + data.Means.Length));
        }
    }
}
