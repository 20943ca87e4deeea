using System;

namespace AutoDiff
{
    /// <summary>
    /// Numerically stable building blocks with derivative rules built into the generator. Each is
    /// finite for every finite input (no overflow at ±800) and so is its derivative.
    /// </summary>
    public static class AdMath
    {
        /// <summary>log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|).</summary>
        public static double Softplus(double x) => Math.Max(x, 0) + Log1P(Math.Exp(-Math.Abs(x)));

        /// <inheritdoc cref="Softplus(double)"/>
        public static float Softplus(float x) => (float)Softplus((double)x);

        /// <summary>1 / (1 + e^−x), without overflow for large |x|.</summary>
        public static double Sigmoid(double x)
        {
            if (x >= 0) return 1 / (1 + Math.Exp(-x));
            double e = Math.Exp(x);
            return e / (1 + e);
        }

        /// <inheritdoc cref="Sigmoid(double)"/>
        public static float Sigmoid(float x) => (float)Sigmoid((double)x);

        /// <summary>log σ(x) = −softplus(−x).</summary>
        public static double LogSigmoid(double x) => -Softplus(-x);

        /// <inheritdoc cref="LogSigmoid(double)"/>
        public static float LogSigmoid(float x) => (float)LogSigmoid((double)x);

        /// <summary>log Σ e^xᵢ, shifted by the maximum so no term overflows; −∞ for an empty span.</summary>
        public static double LogSumExp(ReadOnlySpan<double> x)
        {
            if (x.Length == 0) return double.NegativeInfinity;
            double max = x[0];
            for (int i = 1; i < x.Length; i++) if (x[i] > max) max = x[i];
            if (double.IsInfinity(max)) return max;
            double sum = 0;
            for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - max);
            return max + Math.Log(sum);
        }

        /// <summary>
        /// Forward-mode rule of <see cref="LogSumExp"/>: Σ softmax(x)ᵢ·ẋᵢ, given its value
        /// <paramref name="value"/>. Generated code calls this.
        /// </summary>
        public static double LogSumExpTangent(ReadOnlySpan<double> x, ReadOnlySpan<double> tangent, double value)
        {
            double t = 0;
            for (int i = 0; i < x.Length; i++) t += Math.Exp(x[i] - value) * tangent[i];
            return t;
        }

        /// <summary>
        /// Reverse-mode rule of <see cref="LogSumExp"/>: adds adjoint·softmax(x)ᵢ into each
        /// <paramref name="xAdjoint"/>[i]. Generated code calls this.
        /// </summary>
        public static void LogSumExpAdjoint(ReadOnlySpan<double> x, double value, double adjoint, Span<double> xAdjoint)
        {
            for (int i = 0; i < x.Length; i++) xAdjoint[i] += adjoint * Math.Exp(x[i] - value);
        }

        /// <summary>The most elements <see cref="LogSumExpWithAdjoint"/> keeps exponentials of on the stack (1 KB).</summary>
        private const int MergedStackLimit = 128;

        /// <summary>
        /// <see cref="LogSumExp"/> and its pullback in one pass over <paramref name="x"/>: returns LogSumExp(x), bit for bit,
        /// and adds adjoint·softmax(x)ᵢ into each <paramref name="xAdjoint"/>[i], from the same exponentials (one per element
        /// instead of the two that <see cref="LogSumExp"/> then <see cref="LogSumExpAdjoint"/> take). The weights are
        /// e^(xᵢ − max) / Σ rather than e^(xᵢ − value): the same to rounding. Generated code calls this where the cotangent is
        /// known before the value is computed (the <c>merge-pullbacks</c> pass: a fused loop's iteration, a final
        /// <c>return LogSumExp(…)</c>). Above 128 elements, or with an infinite maximum, it is the two calls.
        /// </summary>
        public static double LogSumExpWithAdjoint(ReadOnlySpan<double> x, double adjoint, Span<double> xAdjoint)
        {
            if (x.Length == 0) return double.NegativeInfinity;
            double max = x[0];
            for (int i = 1; i < x.Length; i++) if (x[i] > max) max = x[i];
            if (double.IsInfinity(max) || x.Length > MergedStackLimit)
            {
                double value = LogSumExp(x);
                LogSumExpAdjoint(x, value, adjoint, xAdjoint);
                return value;
            }
            Span<double> exponentials = stackalloc double[x.Length];
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double e = Math.Exp(x[i] - max);
                exponentials[i] = e;
                sum += e;
            }
            double scale = adjoint / sum;
            for (int i = 0; i < x.Length; i++) xAdjoint[i] += scale * exponentials[i];
            return max + Math.Log(sum);
        }

        /// <summary>
        /// Forward-over-reverse rule of <see cref="LogSumExp"/> (for Hessian-vector products): adds the
        /// tangent of adjoint·softmax(x)ᵢ, that is ȧ·sᵢ + a·sᵢ·(ẋᵢ − Σⱼ sⱼẋⱼ), into each
        /// <paramref name="xAdjointTangent"/>[i]. Generated code calls this.
        /// </summary>
        public static void LogSumExpAdjointTangent(ReadOnlySpan<double> x, ReadOnlySpan<double> tangent, double value, double adjoint, double adjointTangent, Span<double> xAdjointTangent)
        {
            double mean = LogSumExpTangent(x, tangent, value);
            for (int i = 0; i < x.Length; i++)
            {
                double s = Math.Exp(x[i] - value);
                xAdjointTangent[i] += adjointTangent * s + adjoint * s * (tangent[i] - mean);
            }
        }

        /// <summary>log(1 + x), accurate also when x is tiny (Goldberg's correction for the rounding of 1 + x).</summary>
        private static double Log1P(double x)
        {
            double u = 1 + x;
            return u == 1 ? x : Math.Log(u) * x / (u - 1);
        }
    }
}
