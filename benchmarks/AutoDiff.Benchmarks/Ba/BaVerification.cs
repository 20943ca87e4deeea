using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--verify</c> for BA (<c>Ba/</c>): on ADBench's <c>ba/test.txt</c> (when present) and on 200 generated observations,
    /// including a zero rotation (Rodrigues' first-order branch): the residual of every companion equal to
    /// <see cref="Ba.ReprojectionError"/> bit for bit; the generated Jacobian, the two-Vjp Jacobian and the forward
    /// (15 Jvps) Jacobian against the hand-written one, the batched forward Jacobian (4 <c>JvpBatch</c> sweeps) equal to the 15 Jvps bit for bit (1e-10, relative to max(|a|, |b|, 1)); and the hand-written and
    /// generated Jacobians against central finite differences (1e-6 relative).
    /// </summary>
    public static partial class Verification
    {
        const double BaTolerance = 1e-10;

        static void VerifyBa(Random random, Report report)
        {
            var data = BaData.LoadOrGenerate();
            report.Note($"Ba: {data}");
            double value = 0, generated = 0, vjps = 0, jvps = 0, batched = 0, handFd = 0, generatedFd = 0;
            var cases = 0;
            void Observation(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w, double fx, double fy)
            {
                cases++;
                double[] err = new double[2], errJ = new double[2], errH = new double[2];
                Ba.ReprojectionError(cam, x, w, fx, fy, err);
                double[] hand = new double[2 * Ba.Columns], jacobian = new double[2 * Ba.Columns];
                BaHandWritten.Jacobian(cam, x, w, fx, fy, errH, hand);
                Ba.ReprojectionErrorJacobian(cam, x, w, fx, fy, errJ, jacobian);
                value = Math.Max(value, Different(err, errJ) ? 1 : 0);
                generated = Math.Max(generated, Worst(jacobian, hand));

                // Rows from Vjps, columns from Jvps.
                double[] fromVjps = new double[2 * Ba.Columns], fromJvps = new double[2 * Ba.Columns], errV = new double[2];
                for (int row = 0; row < 2; row++)
                {
                    double[] seed = new double[2];
                    seed[row] = 1;
                    double wAdj = 0;
                    Ba.ReprojectionErrorVjp(cam, x, w, fx, fy, errV, seed, fromVjps.AsSpan(row * Ba.Columns, 11), fromVjps.AsSpan(row * Ba.Columns + 11, 3), ref wAdj);
                    fromVjps[row * Ba.Columns + 14] = wAdj;
                    value = Math.Max(value, Different(err, errV) ? 1 : 0);
                }
                for (int column = 0; column < Ba.Columns; column++)
                {
                    double[] camDot = new double[11], xDot = new double[3], errDot = new double[2];
                    double wDot = column == 14 ? 1 : 0;
                    if (column < 11) camDot[column] = 1;
                    else if (column < 14) xDot[column - 11] = 1;
                    Ba.ReprojectionErrorJvp(cam, x, w, fx, fy, errV, camDot, xDot, wDot, errDot);
                    fromJvps[column] = errDot[0];
                    fromJvps[Ba.Columns + column] = errDot[1];
                    value = Math.Max(value, Different(err, errV) ? 1 : 0);
                }
                double[] fromBatches = new double[2 * Ba.Columns], errB = new double[2];
                BaBatched.Jacobian(cam, x, w, fx, fy, errB, fromBatches);
                value = Math.Max(value, Different(err, errB) ? 1 : 0);
                // Each lane of a batch is the single Jvp along that column, bit for bit.
                batched = Math.Max(batched, Different(fromBatches, fromJvps) ? 1 : 0);
                vjps = Math.Max(vjps, Worst(fromVjps, hand));
                jvps = Math.Max(jvps, Worst(fromJvps, hand));

                double[] fd = FiniteDifferenceJacobian(cam, x, w, fx, fy);
                handFd = Math.Max(handFd, Worst(hand, fd));
                generatedFd = Math.Max(generatedFd, Worst(jacobian, fd));
            }

            for (int i = 0; i < data.P; i++) Observation(data.CamOf(i), data.PointOf(i), data.W[i], data.Feats[2 * i], data.Feats[2 * i + 1]);
            for (int point = 0; point < 200; point++)
            {
                var g = BaData.Generate(1, 1, 1, random.Next());
                if (point == 0) g.Cams[0] = g.Cams[1] = g.Cams[2] = 0;
                Observation(g.CamOf(0), g.PointOf(0), g.W[0], g.Feats[0], g.Feats[1]);
            }
            report.Note($"Ba: {cases} observations");
            report.Check("Ba", "residual (all companions vs primal, bitwise)", value, 0);
            report.Check("Ba", "Jacobian vs hand-written", generated, BaTolerance);
            report.Check("Ba", "2 Vjps vs hand-written", vjps, BaTolerance);
            report.Check("Ba", "15 Jvps vs hand-written", jvps, BaTolerance);
            report.Check("Ba", "4 JvpBatch sweeps vs 15 Jvps (bitwise)", batched, 0);
            report.Check("Ba", "hand-written vs finite differences", handFd, FiniteDifferenceTolerance);
            report.Check("Ba", "Jacobian vs finite differences", generatedFd, FiniteDifferenceTolerance);
        }

        static bool Different(double[] a, double[] b)
        {
            for (int i = 0; i < a.Length; i++) if (BitConverter.DoubleToInt64Bits(a[i]) != BitConverter.DoubleToInt64Bits(b[i])) return true;
            return false;
        }

        static double Worst(double[] a, double[] b)
        {
            double worst = 0;
            for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(1, Math.Max(Math.Abs(a[i]), Math.Abs(b[i]))));
            return worst;
        }

        /// <summary>Central differences, step 1e-6 relative to each input.</summary>
        static double[] FiniteDifferenceJacobian(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w, double fx, double fy)
        {
            var inputs = new double[Ba.Columns];
            cam.CopyTo(inputs);
            x.CopyTo(inputs.AsSpan(11));
            inputs[14] = w;
            var result = new double[2 * Ba.Columns];
            double[] plus = new double[2], minus = new double[2];
            for (int column = 0; column < Ba.Columns; column++)
            {
                double h = 1e-6 * Math.Max(1, Math.Abs(inputs[column]));
                double saved = inputs[column];
                inputs[column] = saved + h;
                Ba.ReprojectionError(inputs.AsSpan(0, 11), inputs.AsSpan(11, 3), inputs[14], fx, fy, plus);
                inputs[column] = saved - h;
                Ba.ReprojectionError(inputs.AsSpan(0, 11), inputs.AsSpan(11, 3), inputs[14], fx, fy, minus);
                inputs[column] = saved;
                for (int row = 0; row < 2; row++) result[row * Ba.Columns + column] = (plus[row] - minus[row]) / (2 * h);
            }
            return result;
        }
    }
}
