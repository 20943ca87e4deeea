using System;
using AutoDiff;

namespace AutoDiff.Samples.LogisticRegression
{
    /// <summary>
    /// Binary logistic regression, P(y = 1 | x) = σ(w·x + b), fitted by minimising a regularised
    /// log-loss. The class is <c>partial</c> because the generator adds <c>LossGradient</c>,
    /// <c>LossVjp</c> and <c>LossJvp</c> to it in a second, generated file.
    /// </summary>
    public static partial class LogisticModel
    {
        /// <summary>
        /// Mean log-loss of the model on the rows of <paramref name="data"/>, plus an L2 penalty
        /// (<paramref name="l2"/>/2)·|w|² on the weights.
        /// </summary>
        /// <remarks>
        /// <para>
        /// <paramref name="w"/> and <paramref name="bias"/> are what we fit, so they are the active
        /// parameters: for the array the generator produces a gradient written into a
        /// <c>Span&lt;double&gt;</c> of the same length. The data, the labels and the penalty
        /// strength are inputs we never differentiate with respect to, so they are marked
        /// [NoDerivative] and passed through unchanged.
        /// </para>
        /// <para>
        /// <paramref name="data"/> is row-major, <c>labels.Length</c> rows of <c>w.Length</c>
        /// features, so one flat array holds the whole design matrix.
        /// </para>
        /// <para>
        /// Without the penalty, a data set that a hyperplane separates perfectly would let |w| grow
        /// without bound; a small penalty keeps the minimum finite and unique. The bias is not
        /// penalised: it only moves the decision threshold, and shrinking it towards 0 would pull
        /// the predictions towards 50/50 for no reason.
        /// </para>
        /// </remarks>
        [Differentiable]
        public static double Loss(double[] w, double bias, [NoDerivative] double[] data, [NoDerivative] double[] labels, [NoDerivative] double l2)
        {
            int features = w.Length;
            double logLoss = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                double z = bias;
                for (int j = 0; j < features; j++) z += w[j] * data[r * features + j];
                // −[y·log σ(z) + (1 − y)·log(1 − σ(z))] simplifies to log(1 + e^z) − y·z.
                // Written as below, e^(±z) never overflows, whatever the size of z.
                double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                logLoss += softplus - labels[r] * z;
            }
            double squaredNorm = 0;
            foreach (double wj in w) squaredNorm += wj * wj;
            return logLoss / labels.Length + 0.5 * l2 * squaredNorm;
        }

        /// <summary>The predicted probability that <paramref name="row"/> of <paramref name="data"/> has label 1.</summary>
        public static double Probability(double[] w, double bias, double[] data, int row)
        {
            double z = bias;
            for (int j = 0; j < w.Length; j++) z += w[j] * data[row * w.Length + j];
            return 1 / (1 + Math.Exp(-z));
        }

        /// <summary>How many rows are classified correctly when we predict 1 for a probability above ½.</summary>
        public static int CountCorrect(double[] w, double bias, double[] data, double[] labels)
        {
            int correct = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                double predicted = Probability(w, bias, data, r) > 0.5 ? 1 : 0;
                if (predicted == labels[r]) correct++;
            }
            return correct;
        }
    }
}
