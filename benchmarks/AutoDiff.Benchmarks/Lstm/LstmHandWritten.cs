using System;
using System.Buffers;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The gradient of <see cref="Lstm.Objective"/> by hand (reverse mode worked out on paper), the
    /// baseline for the generated <c>Lstm.ObjectiveGradient</c>. Notation as in <see cref="Lstm"/>; per
    /// time step t, layer j and cell i, u is the layer's input, (h, c) its old state, zₓ the
    /// pre-activation of gate x, and c' = c·f + g·ĉ, h' = o·tanh c' the new state.
    /// <para>
    /// Forward sweep: the objective, recording per (t, j, i) the eight values u, h, c, f, g, o, ĉ and
    /// tanh c' (so the reverse sweep calls no exp or tanh), and per step the exponentials eᵢ = exp yᵢ
    /// and 1/S with S = Σ eᵢ + 2.
    /// </para>
    /// <para>
    /// Reverse sweep, with a = −1/((c − 1)·b) the adjoint of <c>total</c>, the carried adjoints h̄, c̄ of
    /// every layer's state (zero after the last step), and G = Σᵢ xₜ₊₁,ᵢ:
    /// <code>
    /// output:  ȳᵢ = a·(xₜ₊₁,ᵢ − G·eᵢ/S)       (∂lse/∂yᵢ = eᵢ/S)
    ///          w̄_out,ᵢ += ȳᵢ·h'ₗ₋₁,ᵢ,  b̄_out,ᵢ += ȳᵢ,  h̄ₗ₋₁,ᵢ += ȳᵢ·w_out,ᵢ
    /// layers j = l−1 … 0, each cell:
    ///   ō = h̄'·tanh c',  c̄' = c̄' + h̄'·o·(1 − tanh² c')
    ///   f̄ = c̄'·c,  ḡ = c̄'·ĉ,  ĉ̄ = c̄'·g
    ///   z̄_f = f̄·f(1 − f),  z̄_g = ḡ·g(1 − g),  z̄_o = ō·o(1 − o),  z̄_ĉ = ĉ̄·(1 − ĉ²)   (σ' = σ(1 − σ), tanh' = 1 − tanh²)
    ///   w̄_f += z̄_f·u,  b̄_f += z̄_f,  w̄_o += z̄_o·u,  b̄_o += z̄_o,  w̄_g += z̄_g·h,  b̄_g += z̄_g,  w̄_ĉ += z̄_ĉ·h,  b̄_ĉ += z̄_ĉ
    ///   h̄ ← z̄_g·w_g + z̄_ĉ·w_ĉ     (the old hidden value is read only by the ingate and the change)
    ///   c̄ ← c̄'·f
    ///   ū = z̄_f·w_f + z̄_o·w_o  →  h̄ⱼ₋₁ += ū (j &gt; 0),  w̄_in,ᵢ += ū·xₜ,ᵢ (j = 0)
    /// </code>
    /// The layers are taken top down, so h̄ⱼ₋₁ still holds the adjoint of the new hⱼ₋₁ from step t + 1
    /// (its use as that step's old state) when layer j adds its use as this step's input.
    /// </para>
    /// Nothing is allocated in steady state: the record and the state come from the caller's scratch or
    /// from <see cref="ArrayPool{T}.Shared"/>: (c − 1)·(8·l·b + b + 1) + 4·l·b doubles, 1.96 MB at l = 2,
    /// c = 1,024, b = 14.
    /// </summary>
    public static class LstmHandWritten
    {
        /// <summary>Doubles of scratch memory the gradient needs: (c − 1)·(8·l·b + b + 1) + 4·l·b.</summary>
        public static int ScratchLength(int l, int c, int b) => Math.Max(c - 1, 0) * StepLength(l, b) + 4 * l * b;

        static int StepLength(int l, int b) => 8 * l * b + b + 1;

        /// <summary>
        /// Returns the objective and overwrites <paramref name="dMain"/> and <paramref name="dExtra"/> with its
        /// gradient; scratch memory from the shared array pool.
        /// </summary>
        public static double Gradient(ReadOnlySpan<double> mainParams, ReadOnlySpan<double> extraParams,
            ReadOnlySpan<double> state, ReadOnlySpan<double> sequence, int l, int c, int b, Span<double> dMain, Span<double> dExtra)
        {
            double[] scratch = ArrayPool<double>.Shared.Rent(ScratchLength(l, c, b));
            try
            {
                return Gradient(mainParams, extraParams, state, sequence, l, c, b, dMain, dExtra, scratch);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scratch);
            }
        }

        /// <summary>The same, with caller-provided scratch of at least <see cref="ScratchLength"/>(l, c, b) doubles.</summary>
        public static double Gradient(ReadOnlySpan<double> mainParams, ReadOnlySpan<double> extraParams,
            ReadOnlySpan<double> state, ReadOnlySpan<double> sequence, int l, int c, int b, Span<double> dMain, Span<double> dExtra,
            Span<double> scratch)
        {
            if (l < 1 || b < 1 || c < 1) throw new ArgumentException($"bad LSTM sizes l = {l}, c = {c}, b = {b}");
            if (mainParams.Length != Lstm.MainSize(l, b) || extraParams.Length != Lstm.ExtraSize(b)
                || state.Length != Lstm.StateSize(l, b) || sequence.Length != c * b)
                throw new ArgumentException("LSTM array lengths do not match l, c, b");
            if (dMain.Length != mainParams.Length || dExtra.Length != extraParams.Length)
                throw new ArgumentException("gradient spans must have the lengths of mainParams and extraParams");
            if (scratch.Length < ScratchLength(l, c, b)) throw new ArgumentException("scratch is too short", nameof(scratch));

            int steps = c - 1, stepLength = StepLength(l, b), last = 2 * b * (l - 1);
            Span<double> s = scratch.Slice(0, 2 * l * b);                  // the state, as the objective updates it
            Span<double> adjoint = scratch.Slice(2 * l * b, 2 * l * b);    // h̄, c̄ of every layer, in the state's layout
            Span<double> record = scratch.Slice(4 * l * b, steps * stepLength);
            state.CopyTo(s);

            // Forward sweep.
            double total = 0;
            for (int t = 0; t < steps; t++)
            {
                Span<double> step = record.Slice(t * stepLength, stepLength);
                ReadOnlySpan<double> x = sequence.Slice(t * b, b), next = sequence.Slice((t + 1) * b, b);
                for (int layer = 0; layer < l; layer++)
                {
                    int w = 8 * b * layer, h = 2 * b * layer;
                    Span<double> r = step.Slice(8 * b * layer, 8 * b);
                    for (int i = 0; i < b; i++)
                    {
                        double u = layer == 0 ? x[i] * extraParams[i] : s[h - 2 * b + i];
                        double hidden = s[h + i], cell = s[h + b + i];
                        double forget = 1 / (1 + Math.Exp(-(u * mainParams[w + i] + mainParams[w + 4 * b + i])));
                        double ingate = 1 / (1 + Math.Exp(-(hidden * mainParams[w + b + i] + mainParams[w + 5 * b + i])));
                        double outgate = 1 / (1 + Math.Exp(-(u * mainParams[w + 2 * b + i] + mainParams[w + 6 * b + i])));
                        double change = Math.Tanh(hidden * mainParams[w + 3 * b + i] + mainParams[w + 7 * b + i]);
                        double newCell = cell * forget + ingate * change;
                        double tanhCell = Math.Tanh(newCell);
                        s[h + b + i] = newCell;
                        s[h + i] = outgate * tanhCell;
                        r[i] = u;
                        r[b + i] = hidden;
                        r[2 * b + i] = cell;
                        r[3 * b + i] = forget;
                        r[4 * b + i] = ingate;
                        r[5 * b + i] = outgate;
                        r[6 * b + i] = change;
                        r[7 * b + i] = tanhCell;
                    }
                }

                // y into e, then e = exp(y) once y has been used for the loss.
                Span<double> e = step.Slice(8 * l * b, b);
                double sum = 0;
                for (int i = 0; i < b; i++)
                {
                    e[i] = s[last + i] * extraParams[b + i] + extraParams[2 * b + i];
                    sum += Math.Exp(e[i]);
                }
                sum += 2;
                double lse = Math.Log(sum);
                for (int i = 0; i < b; i++)
                {
                    total += next[i] * (e[i] - lse);
                    e[i] = Math.Exp(e[i]);
                }
                step[8 * l * b + b] = 1 / sum;
            }
            int count = steps * b;
            double value = -total / count;

            // Reverse sweep.
            dMain.Clear();
            dExtra.Clear();
            adjoint.Clear();
            double a = -1.0 / count;
            for (int t = steps - 1; t >= 0; t--)
            {
                Span<double> step = record.Slice(t * stepLength, stepLength);
                ReadOnlySpan<double> x = sequence.Slice(t * b, b), next = sequence.Slice((t + 1) * b, b);

                ReadOnlySpan<double> e = step.Slice(8 * l * b, b);
                double inverseSum = step[8 * l * b + b];
                double gold = 0;
                for (int i = 0; i < b; i++) gold += next[i];
                ReadOnlySpan<double> top = step.Slice(8 * b * (l - 1), 8 * b);
                for (int i = 0; i < b; i++)
                {
                    double yAdjoint = a * (next[i] - gold * e[i] * inverseSum);
                    double hidden = top[5 * b + i] * top[7 * b + i];
                    dExtra[b + i] += yAdjoint * hidden;
                    dExtra[2 * b + i] += yAdjoint;
                    adjoint[last + i] += yAdjoint * extraParams[b + i];
                }

                for (int layer = l - 1; layer >= 0; layer--)
                {
                    int w = 8 * b * layer, h = 2 * b * layer;
                    ReadOnlySpan<double> r = step.Slice(8 * b * layer, 8 * b);
                    for (int i = 0; i < b; i++)
                    {
                        double u = r[i], hidden = r[b + i], cell = r[2 * b + i];
                        double forget = r[3 * b + i], ingate = r[4 * b + i], outgate = r[5 * b + i], change = r[6 * b + i], tanhCell = r[7 * b + i];
                        double hiddenAdjoint = adjoint[h + i];
                        double cellAdjoint = adjoint[h + b + i] + hiddenAdjoint * outgate * (1 - tanhCell * tanhCell);
                        double zForget = cellAdjoint * cell * forget * (1 - forget);
                        double zIngate = cellAdjoint * change * ingate * (1 - ingate);
                        double zOutgate = hiddenAdjoint * tanhCell * outgate * (1 - outgate);
                        double zChange = cellAdjoint * ingate * (1 - change * change);
                        dMain[w + i] += zForget * u;
                        dMain[w + b + i] += zIngate * hidden;
                        dMain[w + 2 * b + i] += zOutgate * u;
                        dMain[w + 3 * b + i] += zChange * hidden;
                        dMain[w + 4 * b + i] += zForget;
                        dMain[w + 5 * b + i] += zIngate;
                        dMain[w + 6 * b + i] += zOutgate;
                        dMain[w + 7 * b + i] += zChange;
                        adjoint[h + i] = zIngate * mainParams[w + b + i] + zChange * mainParams[w + 3 * b + i];
                        adjoint[h + b + i] = cellAdjoint * forget;
                        double inputAdjoint = zForget * mainParams[w + i] + zOutgate * mainParams[w + 2 * b + i];
                        if (layer == 0) dExtra[i] += inputAdjoint * x[i];
                        else adjoint[h - 2 * b + i] += inputAdjoint;
                    }
                }
            }
            return value;
        }
    }
}
