using System;

namespace AutoDiff.Samples.LogisticRegression
{
    /// <summary>A design matrix (row-major, one flat array) and its 0/1 labels.</summary>
    public sealed class DataSet
    {
        public DataSet(double[] data, double[] labels)
        {
            Data = data;
            Labels = labels;
        }

        public double[] Data { get; }
        public double[] Labels { get; }
        public int Rows => Labels.Length;

        /// <summary>
        /// Splits versicolor (label 0) and virginica (label 1) into a training set and a held-out
        /// test set: every fifth flower of each species is held out. The split is deterministic
        /// (no random numbers, so every run prints the same) and stratified (both sets are half
        /// and half, like the whole data).
        /// </summary>
        public static (DataSet Train, DataSet Test) SplitIris()
        {
            var train = new Builder();
            var test = new Builder();
            foreach (var (species, label) in new[] { (Iris.Versicolor, 0.0), (Iris.Virginica, 1.0) })
            {
                for (int r = 0; r < species.GetLength(0); r++)
                    (r % 5 == 4 ? test : train).Add(species, r, label);
            }
            return (train.Build(), test.Build());
        }

        /// <summary>
        /// Rescales every feature to mean 0 and standard deviation 1, using the mean and standard
        /// deviation of <paramref name="reference"/> (the training set) for both sets, so nothing
        /// about the test set leaks into training.
        /// </summary>
        /// <remarks>
        /// The raw features differ in scale (petal width ≈ 1–2.5 cm, sepal length ≈ 5–8 cm).
        /// On a common scale the loss is better conditioned, so L-BFGS needs fewer iterations, the
        /// one L2 penalty treats every feature alike, and the learned weights can be compared
        /// directly: each is the change in log-odds per standard deviation of its feature.
        /// </remarks>
        public static void Standardize(DataSet reference, params DataSet[] sets)
        {
            int features = Iris.FeatureCount;
            var mean = new double[features];
            var std = new double[features];
            for (int j = 0; j < features; j++)
            {
                for (int r = 0; r < reference.Rows; r++) mean[j] += reference.Data[r * features + j];
                mean[j] /= reference.Rows;
                double variance = 0;
                for (int r = 0; r < reference.Rows; r++)
                {
                    double d = reference.Data[r * features + j] - mean[j];
                    variance += d * d;
                }
                std[j] = Math.Sqrt(variance / reference.Rows);
            }
            // The statistics are all taken before anything is rescaled, so the reference set may
            // itself be one of the sets.
            foreach (var set in sets)
            {
                for (int r = 0; r < set.Rows; r++)
                {
                    for (int j = 0; j < features; j++)
                        set.Data[r * features + j] = (set.Data[r * features + j] - mean[j]) / std[j];
                }
            }
        }

        sealed class Builder
        {
            readonly System.Collections.Generic.List<double> data = new();
            readonly System.Collections.Generic.List<double> labels = new();

            public void Add(double[,] table, int row, double label)
            {
                for (int j = 0; j < table.GetLength(1); j++) data.Add(table[row, j]);
                labels.Add(label);
            }

            public DataSet Build() => new(data.ToArray(), labels.ToArray());
        }
    }
}
