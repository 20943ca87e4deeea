using System;
using System.Globalization;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace AutoDiff.Samples.LogisticRegression
{
    /// <summary>
    /// Fits a logistic regression that tells Iris versicolor from Iris virginica by four flower
    /// measurements. The loss is one [Differentiable] method over a weight array and a bias
    /// (<see cref="LogisticModel.Loss"/>); the generator writes <c>LossGradient</c>, which returns
    /// the loss and fills the gradient, and MathNet.Numerics' L-BFGS minimises it.
    /// </summary>
    public static class Program
    {
        /// <summary>Strength of the L2 penalty on the weights: small, it only keeps the minimum finite.</summary>
        const double L2 = 0.01;

        const int Features = Iris.FeatureCount;

        public static int Main()
        {
            // Numbers print the same way on every machine, whatever its locale.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

            var (train, test) = DataSet.SplitIris();
            DataSet.Standardize(train, train, test);
            Console.WriteLine("Logistic regression on Fisher's Iris data: versicolor (0) vs virginica (1)");
            Console.WriteLine($"  {train.Rows} training rows, {test.Rows} held out (every 5th flower of each species), " +
                              $"{Features} standardized features");
            Console.WriteLine($"  loss = mean log-loss + ({L2}/2)|w|^2");
            Console.WriteLine();

            // Check the generated gradient before trusting an optimizer with it. At the start point
            // w = 0 the penalty's gradient l2·w is 0, so also check at a point where every term
            // contributes and the predictions are far from 1/2.
            Console.WriteLine("Generated gradient vs. central finite differences");
            bool passed = CheckGradient("start point, w = 0, b = 0", new double[Features + 1], train)
                        & CheckGradient("w = (1, -2, 3, 4), b = -0.5", new[] { 1.0, -2.0, 3.0, 4.0, -0.5 }, train);
            if (!passed)
            {
                Console.WriteLine("The generated gradient is wrong; not training with it.");
                return 1;
            }
            Console.WriteLine();

            Vector<double> fitted = Train(train);
            double[] w = fitted.SubVector(0, Features).ToArray();
            double bias = fitted[Features];
            Console.WriteLine();

            // Each weight is the change in the log-odds of "virginica" per standard deviation of its
            // feature (the features are standardized), so their sizes can be compared.
            Console.WriteLine("Learned weights (log-odds of virginica per standard deviation)");
            for (int j = 0; j < Features; j++)
                Console.WriteLine($"  {Iris.FeatureNames[j],-13} {w[j],8:F4}");
            Console.WriteLine($"  {"bias",-13} {bias,8:F4}");
            Console.WriteLine();

            // The training accuracy is optimistic: the model has seen those rows. The held-out
            // accuracy is the honest estimate, although 20 rows make it a coarse one (1 row = 5%).
            PrintAccuracy("training", w, bias, train);
            PrintAccuracy("held out", w, bias, test);
            return 0;
        }

        /// <summary>
        /// Minimises the loss with L-BFGS from w = 0, b = 0. The parameter vector MathNet works
        /// with packs the weights and then the bias: p = (w₀, w₁, w₂, w₃, b).
        /// </summary>
        static Vector<double> Train(DataSet train)
        {
            Console.WriteLine("L-BFGS (MathNet.Numerics), value and gradient from the generated LossGradient");
            int evaluations = 0;
            var objective = ObjectiveFunction.Gradient(p =>
            {
                double loss = LossAndGradient(p.ToArray(), train, out double[] gradient);
                // MathNet's L-BFGS has no per-iteration callback, and its line search evaluates
                // the objective several times per iteration, so print every 4th evaluation.
                evaluations++;
                if (evaluations % 4 == 1)
                    Console.WriteLine($"  evaluation {evaluations,2}: loss {loss:F6}, |gradient| {Norm(gradient):0.00e+00}");
                return (loss, Vector<double>.Build.DenseOfArray(gradient));
            });
            // Stop when the gradient norm is below 1e-8: far past what the accuracy needs, but it
            // shows that the optimizer reaches a stationary point on an exact gradient. (MathNet
            // makes its first step 100·gradientTolerance/|g|², tiny here, and its line search
            // doubles it until the loss stops falling: that is the slow start of the printout.)
            var minimizer = new LimitedMemoryBfgsMinimizer(gradientTolerance: 1e-8, parameterTolerance: 1e-12,
                functionProgressTolerance: 1e-15, memory: 5, maximumIterations: 200);
            MinimizationResult result = minimizer.FindMinimum(objective, Vector<double>.Build.Dense(Features + 1));
            // Not printed: result.ReasonForExit. MathNet 5.0's L-BFGS reports AbsoluteGradient
            // whatever made it stop, so the gradient norm below is the meaningful figure.
            Console.WriteLine($"  stopped after {result.Iterations} iterations, {evaluations} evaluations: " +
                              $"loss {result.FunctionInfoAtMinimum.Value:F6}, |gradient| {result.FunctionInfoAtMinimum.Gradient.L2Norm():0.00e+00}");
            return result.MinimizingPoint;
        }

        /// <summary>The loss at the packed parameters p = (w, b) and its gradient, packed the same way.</summary>
        static double LossAndGradient(double[] p, DataSet set, out double[] gradient)
        {
            double[] w = p[..Features];
            gradient = new double[Features + 1];
            // LossGradient overwrites the span with ∂loss/∂w and sets dBias to ∂loss/∂b.
            double loss = LogisticModel.LossGradient(w, p[Features], set.Data, set.Labels, L2,
                gradient.AsSpan(0, Features), out double dBias);
            gradient[Features] = dBias;
            return loss;
        }

        /// <summary>Compares the generated gradient at <paramref name="point"/> with central finite differences of Loss.</summary>
        static bool CheckGradient(string where, double[] point, DataSet set)
        {
            LossAndGradient(point, set, out double[] analytic);
            var result = GradientCheck.Check(
                p => LogisticModel.Loss(p[..Features], p[Features], set.Data, set.Labels, L2), point, analytic);
            Console.WriteLine($"  at {where}: {result}");
            return result.Passed;
        }

        static void PrintAccuracy(string name, double[] w, double bias, DataSet set)
        {
            int correct = LogisticModel.CountCorrect(w, bias, set.Data, set.Labels);
            Console.WriteLine($"Accuracy ({name}): {correct}/{set.Rows} = {100.0 * correct / set.Rows:F1}%");
        }

        static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
    }
}
