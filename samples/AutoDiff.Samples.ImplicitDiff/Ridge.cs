using System;

namespace AutoDiff.Samples.ImplicitDiff
{
    /// <summary>
    /// Ridge regression with one penalty per feature: w*(λ) = argmin ‖Xw − y‖² + Σⱼ λⱼ wⱼ², the solution of the normal
    /// equations (XᵀX + diag λ) w = Xᵀy, solved by a Cholesky factorisation. X is n×d, row-major.
    /// </summary>
    public static class Ridge
    {
        /// <summary>
        /// The validation loss ‖X_val w*(λ) − y_val‖². The generator does not look into this method (it is not
        /// [Differentiable]): its derivatives come from the rules in <see cref="RidgeRules"/>. Only λ carries derivatives; the
        /// data is [NoDerivative].
        /// </summary>
        public static double ValidationLoss(ReadOnlySpan<double> penalty, [NoDerivative] double[] x, [NoDerivative] double[] y,
            [NoDerivative] double[] xVal, [NoDerivative] double[] yVal)
        {
            var factor = Factor(penalty, x, y, out var rhs);
            var w = factor.Solve(rhs);
            return SquaredError(w, xVal, yVal, out _);
        }

        /// <summary>
        /// w*(λ) itself, written into <paramref name="w"/>: a function with a span output. Its rules (<see cref="RidgeRules.SolveVjp"/>,
        /// <see cref="RidgeRules.SolveJvp"/>) differentiate only the solve; the loss around it is the generator's
        /// (<see cref="Model.SolvedLoss"/>).
        /// </summary>
        public static void Solve(ReadOnlySpan<double> penalty, [NoDerivative] double[] x, [NoDerivative] double[] y, Span<double> w)
        {
            var factor = Factor(penalty, x, y, out var rhs);
            factor.Solve(rhs).CopyTo(w);
        }

        /// <summary>The Cholesky factor of XᵀX + diag λ, and Xᵀy.</summary>
        public static Cholesky Factor(ReadOnlySpan<double> penalty, double[] x, double[] y, out double[] rhs)
        {
            int d = penalty.Length, n = y.Length;
            var a = new double[d * d];
            rhs = new double[d];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    rhs[j] += x[i * d + j] * y[i];
                    for (int k = 0; k < d; k++) a[j * d + k] += x[i * d + j] * x[i * d + k];
                }
            }
            for (int j = 0; j < d; j++) a[j * d + j] += penalty[j];
            return new Cholesky(a, d);
        }

        /// <summary>‖X_val w − y_val‖², and its gradient with respect to w, 2·X_valᵀ(X_val w − y_val).</summary>
        public static double SquaredError(double[] w, double[] xVal, double[] yVal, out double[] gradient)
        {
            int d = w.Length;
            double loss = 0;
            gradient = new double[d];
            for (int i = 0; i < yVal.Length; i++)
            {
                double r = -yVal[i];
                for (int j = 0; j < d; j++) r += xVal[i * d + j] * w[j];
                loss += r * r;
                for (int j = 0; j < d; j++) gradient[j] += 2 * r * xVal[i * d + j];
            }
            return loss;
        }
    }

    /// <summary>
    /// The derivative rules of <see cref="Ridge.ValidationLoss"/>, by the implicit-function theorem. Differentiating
    /// A(λ) w* = Xᵀy, with A = XᵀX + diag λ, gives dA·w* + A·dw* = 0, so dw* = −A⁻¹(dλ ∘ w*): the solver is never
    /// differentiated through, only its linear system solved once more.
    /// </summary>
    public static class RidgeRules
    {
        /// <summary>
        /// Shaped like the Vjp the generator would emit for the target (its parameters, the seed, then the adjoint of λ, added
        /// into). With g = ∂L/∂w, dL = gᵀdw* = −(A⁻ᵀg)ᵀ(dλ ∘ w*): one solve of the transposed system Aᵀv = g (A is symmetric, so
        /// the same factor serves), and ∂L/∂λⱼ = −vⱼ·w*ⱼ.
        /// </summary>
        [DerivativeOf(typeof(Ridge), nameof(Ridge.ValidationLoss))]
        public static double ValidationLossVjp(ReadOnlySpan<double> penalty, double[] x, double[] y, double[] xVal, double[] yVal,
            double seed, Span<double> penaltyAdj)
        {
            var factor = Ridge.Factor(penalty, x, y, out var rhs);
            var w = factor.Solve(rhs);
            double loss = Ridge.SquaredError(w, xVal, yVal, out var g);
            var v = factor.SolveTransposed(g);
            for (int j = 0; j < w.Length; j++) penaltyAdj[j] += -seed * v[j] * w[j];
            return loss;
        }

        /// <summary>Shaped like the target's Jvp: the tangent of λ in, dL = gᵀdw* out, with dw* = −A⁻¹(λ̇ ∘ w*).</summary>
        [DerivativeOf(typeof(Ridge), nameof(Ridge.ValidationLoss))]
        public static double ValidationLossJvp(ReadOnlySpan<double> penalty, double[] x, double[] y, double[] xVal, double[] yVal,
            ReadOnlySpan<double> penaltyDot, out double tangent)
        {
            var factor = Ridge.Factor(penalty, x, y, out var rhs);
            var w = factor.Solve(rhs);
            double loss = Ridge.SquaredError(w, xVal, yVal, out var g);
            var scaled = new double[w.Length];
            for (int j = 0; j < w.Length; j++) scaled[j] = -penaltyDot[j] * w[j];
            var dw = factor.Solve(scaled);
            tangent = 0;
            for (int j = 0; j < w.Length; j++) tangent += g[j] * dw[j];
            return loss;
        }
    }

    /// <summary>
    /// The rules of <see cref="Ridge.Solve"/>, whose output is the span w: shaped like a vector-valued method's generated Vjp and
    /// Jvp (the names say which, since one input span and one output span read alike).
    /// </summary>
    public static class SolveRules
    {
        /// <summary>
        /// Given the cotangent w̄ of the solution: dw* = −A⁻¹(dλ ∘ w*), so λ̄ = −(A⁻ᵀw̄) ∘ w*, one solve of the transposed system.
        /// <paramref name="w"/> holds the solution the call computed.
        /// </summary>
        [DerivativeOf(typeof(Ridge), nameof(Ridge.Solve))]
        public static void SolveVjp(ReadOnlySpan<double> penalty, double[] x, double[] y, Span<double> w, ReadOnlySpan<double> wAdj, Span<double> penaltyAdj)
        {
            var factor = Ridge.Factor(penalty, x, y, out _);
            var v = factor.SolveTransposed(wAdj.ToArray());
            for (int j = 0; j < w.Length; j++) penaltyAdj[j] -= v[j] * w[j];
        }

        /// <summary>Computes w* and its tangent along λ̇, ẇ = −A⁻¹(λ̇ ∘ w*).</summary>
        [DerivativeOf(typeof(Ridge), nameof(Ridge.Solve))]
        public static void SolveJvp(ReadOnlySpan<double> penalty, double[] x, double[] y, Span<double> w, ReadOnlySpan<double> penaltyDot, Span<double> wDot)
        {
            var factor = Ridge.Factor(penalty, x, y, out var rhs);
            var solution = factor.Solve(rhs);
            solution.CopyTo(w);
            var scaled = new double[solution.Length];
            for (int j = 0; j < scaled.Length; j++) scaled[j] = -penaltyDot[j] * solution[j];
            factor.Solve(scaled).CopyTo(wDot);
        }
    }

    /// <summary>The functions the generator differentiates.</summary>
    public static partial class Model
    {
        /// <summary>L(λ): one penalty λ for every feature, the validation loss of the ridge solution. Goes through the rules.</summary>
        [Differentiable]
        public static double Loss(double lambda, [NoDerivative] double[] x, [NoDerivative] double[] y, [NoDerivative] double[] xVal, [NoDerivative] double[] yVal)
        {
            var penalty = new double[x.Length / y.Length];
            for (int j = 0; j < penalty.Length; j++) penalty[j] = lambda;
            return Ridge.ValidationLoss(penalty, x, y, xVal, yVal);
        }

        /// <summary>
        /// The same loss, with only the solve behind a rule (<see cref="Ridge.Solve"/>, a span output): the validation error
        /// of w* is differentiated by the generator, and the adjoint of w* handed to <see cref="SolveRules.SolveVjp"/>.
        /// </summary>
        [Differentiable]
        public static double SolvedLoss(double lambda, [NoDerivative] double[] x, [NoDerivative] double[] y, [NoDerivative] double[] xVal, [NoDerivative] double[] yVal)
        {
            int d = x.Length / y.Length;
            var penalty = new double[d];
            for (int j = 0; j < d; j++) penalty[j] = lambda;
            var w = new double[d];
            Ridge.Solve(penalty, x, y, w);
            double loss = 0;
            for (int i = 0; i < yVal.Length; i++)
            {
                double r = -yVal[i];
                for (int j = 0; j < d; j++) r += xVal[i * d + j] * w[j];
                loss += r * r;
            }
            return loss;
        }

        /// <summary>
        /// The same loss with w* found by a fixed number of gradient-descent steps on the ridge objective instead of a solve,
        /// differentiated by the generator through every step (unrolled differentiation): as the steps converge, its derivative
        /// converges to the implicit one.
        /// </summary>
        [Differentiable]
        public static double UnrolledLoss(double lambda, [NoDerivative] double[] x, [NoDerivative] double[] y, [NoDerivative] double[] xVal, [NoDerivative] double[] yVal,
            [NoDerivative] double step, int iterations)
        {
            int n = y.Length, d = x.Length / n;
            var w = new double[d];
            var gradient = new double[d];
            for (int it = 0; it < iterations; it++)
            {
                // ∇(‖Xw − y‖² + λ‖w‖²) = 2Xᵀ(Xw − y) + 2λw
                for (int j = 0; j < d; j++) gradient[j] = 2 * lambda * w[j];
                for (int i = 0; i < n; i++)
                {
                    double r = -y[i];
                    for (int j = 0; j < d; j++) r += x[i * d + j] * w[j];
                    for (int j = 0; j < d; j++) gradient[j] += 2 * r * x[i * d + j];
                }
                for (int j = 0; j < d; j++) w[j] -= step * gradient[j];
            }
            double loss = 0;
            for (int i = 0; i < yVal.Length; i++)
            {
                double r = -yVal[i];
                for (int j = 0; j < d; j++) r += xVal[i * d + j] * w[j];
                loss += r * r;
            }
            return loss;
        }
    }

    /// <summary>A = L·Lᵀ for a symmetric positive definite A (d×d, row-major), and solves with it.</summary>
    public sealed class Cholesky
    {
        private readonly double[] _l;
        private readonly int _d;

        public Cholesky(double[] a, int d)
        {
            _d = d;
            _l = new double[d * d];
            for (int j = 0; j < d; j++)
            {
                double diagonal = a[j * d + j];
                for (int k = 0; k < j; k++) diagonal -= _l[j * d + k] * _l[j * d + k];
                if (!(diagonal > 0)) throw new ArgumentException("the matrix is not positive definite", nameof(a));
                _l[j * d + j] = Math.Sqrt(diagonal);
                for (int i = j + 1; i < d; i++)
                {
                    double s = a[i * d + j];
                    for (int k = 0; k < j; k++) s -= _l[i * d + k] * _l[j * d + k];
                    _l[i * d + j] = s / _l[j * d + j];
                }
            }
        }

        /// <summary>x with A·x = b: forward substitution with L, back substitution with Lᵀ.</summary>
        public double[] Solve(double[] b)
        {
            int d = _d;
            var z = new double[d];
            for (int i = 0; i < d; i++)
            {
                double s = b[i];
                for (int k = 0; k < i; k++) s -= _l[i * d + k] * z[k];
                z[i] = s / _l[i * d + i];
            }
            var x = new double[d];
            for (int i = d - 1; i >= 0; i--)
            {
                double s = z[i];
                for (int k = i + 1; k < d; k++) s -= _l[k * d + i] * x[k];
                x[i] = s / _l[i * d + i];
            }
            return x;
        }

        /// <summary>x with Aᵀ·x = b; A is symmetric, so this is <see cref="Solve"/>, named for what the Vjp needs.</summary>
        public double[] SolveTransposed(double[] b) => Solve(b);
    }

    /// <summary>A small synthetic regression problem: y = X·w_true + noise, with a held-out validation set.</summary>
    public sealed class Problem
    {
        public Problem(int n, int m, int d, int seed)
        {
            var random = new Random(seed);
            double Next() => 2 * random.NextDouble() - 1;
            var wTrue = new double[d];
            for (int j = 0; j < d; j++) wTrue[j] = 2 * Next();
            X = new double[n * d];
            Y = new double[n];
            XVal = new double[m * d];
            YVal = new double[m];
            Fill(X, Y, n);
            Fill(XVal, YVal, m);

            void Fill(double[] xs, double[] ys, int rows)
            {
                for (int i = 0; i < rows; i++)
                {
                    double t = 0.5 * Next();
                    for (int j = 0; j < d; j++)
                    {
                        xs[i * d + j] = Next();
                        t += xs[i * d + j] * wTrue[j];
                    }
                    ys[i] = t;
                }
            }
        }

        public double[] X { get; }
        public double[] Y { get; }
        public double[] XVal { get; }
        public double[] YVal { get; }

        public int Features => X.Length / Y.Length;

        /// <summary>A gradient-descent step that converges for the penalty λ: 1/(2(tr XᵀX + λ)), below 1/L for the gradient's Lipschitz constant L.</summary>
        public double Step(double lambda)
        {
            double trace = 0;
            foreach (double v in X) trace += v * v;
            return 1 / (2 * (trace + lambda));
        }
    }
}
