using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The LSTM objective of ADBench (Srajer, Kukelova and Fitzgibbon, 2018): a character model of l
    /// layers of b cells each (b = bits per character) run over a sequence of c characters, its loss
    /// the mean cross-entropy of each next character. ADBench's LSTM is "diagonal": every gate of
    /// cell i reads only input i and hidden value i. Written here from the mathematics, as ADBench's
    /// reference objective is structured (plain loops over time steps, layers and cells). Per time
    /// step t, with the character xₜ ∈ {0, 1}ᵇ as input:
    /// <code>
    /// u⁰ = xₜ ⊙ w_in;  for each layer j, with u = u⁰ (j = 0) or the new hⱼ₋₁ (j &gt; 0), and the layer's old (h, c):
    ///   f = σ(u ⊙ w_f + b_f),  g = σ(h ⊙ w_g + b_g),  o = σ(u ⊙ w_o + b_o),  ĉ = tanh(h ⊙ w_ĉ + b_ĉ)
    ///   c ← c ⊙ f + g ⊙ ĉ,  h ← o ⊙ tanh(c)
    /// y = h_{l−1} ⊙ w_out + b_out,  lse = log(Σᵢ exp yᵢ + 2),  total += Σᵢ xₜ₊₁,ᵢ·(yᵢ − lse)
    /// loss = −total / ((c − 1)·b)
    /// </code>
    /// σ(z) = 1/(1 + exp(−z)). The "+ 2" inside the log-sum-exp is a quirk of ADBench's reference
    /// (and of every tool it compares), kept so the loss matches its published value.
    /// <para>
    /// Layouts, all flat, as in ADBench's files: <c>mainParams</c> (8·l·b) holds per layer the 4b
    /// weights (forget, ingate, outgate, change; b each), then the 4b biases in the same order;
    /// <c>extraParams</c> (3·b) is w_in, w_out, b_out; <c>state</c> (2·l·b) is per layer the hidden
    /// values, then the cell values (read, never written: the objective runs on a copy);
    /// <c>sequence</c> (c·b) the characters. Only the parameters are active.
    /// </para>
    /// </summary>
    public static partial class Lstm
    {
        /// <summary>Number of main parameters: 8·l·b.</summary>
        public static int MainSize(int l, int b) => 8 * l * b;

        /// <summary>Number of extra parameters: 3·b.</summary>
        public static int ExtraSize(int b) => 3 * b;

        /// <summary>Length of the state: 2·l·b.</summary>
        public static int StateSize(int l, int b) => 2 * l * b;

        /// <summary>
        /// The LSTM loss of l layers of b cells over c characters. <paramref name="state"/> is the initial
        /// state; it is copied, not changed.
        /// </summary>
        [Differentiable]
        public static double Objective(ReadOnlySpan<double> mainParams, ReadOnlySpan<double> extraParams,
            [NoDerivative] ReadOnlySpan<double> state, [NoDerivative] ReadOnlySpan<double> sequence, int l, int c, int b)
        {
            Span<double> s = stackalloc double[2 * l * b];
            for (int i = 0; i < 2 * l * b; i++) s[i] = state[i];
            Span<double> ypred = stackalloc double[b];

            double total = 0;
            int count = 0;
            for (int t = 0; t < c - 1; t++)
            {
                // The prediction: the input through the layers, then the output layer.
                for (int i = 0; i < b; i++) ypred[i] = sequence[t * b + i] * extraParams[i];
                for (int layer = 0; layer < l; layer++)
                {
                    int w = 8 * b * layer;   // weights; the biases follow at w + 4b
                    int h = 2 * b * layer;   // hidden values; the cell values follow at h + b
                    for (int i = 0; i < b; i++)
                    {
                        double input = layer == 0 ? ypred[i] : s[h - 2 * b + i];
                        double forget = 1 / (1 + Math.Exp(-(input * mainParams[w + i] + mainParams[w + 4 * b + i])));
                        double ingate = 1 / (1 + Math.Exp(-(s[h + i] * mainParams[w + b + i] + mainParams[w + 5 * b + i])));
                        double outgate = 1 / (1 + Math.Exp(-(input * mainParams[w + 2 * b + i] + mainParams[w + 6 * b + i])));
                        double change = Math.Tanh(s[h + i] * mainParams[w + 3 * b + i] + mainParams[w + 7 * b + i]);
                        double cell = s[h + b + i] * forget + ingate * change;
                        s[h + b + i] = cell;
                        s[h + i] = outgate * Math.Tanh(cell);
                    }
                }
                int last = 2 * b * (l - 1);
                for (int i = 0; i < b; i++) ypred[i] = s[last + i] * extraParams[b + i] + extraParams[2 * b + i];

                // The log-softmax of the prediction against the next character.
                double sum = 0;
                for (int i = 0; i < b; i++) sum += Math.Exp(ypred[i]);
                sum += 2;
                double lse = Math.Log(sum);
                for (int i = 0; i < b; i++) total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
                count += b;
            }
            return -total / count;
        }
    }
}
