using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="RestoredReadTests"/>: buffers restored write by write whose elements are read before a write of
    /// their block: LSTM-like cells (the state read, then overwritten, read across layers), reads before and after writes of
    /// one element in one iteration, writes in branches, writes in nested loops, and a layer reading the layer below.
    /// </summary>
    public static partial class RestoredRead
    {
        /// <summary>
        /// l layers of d cells over n steps, as the LSTM benchmark: per cell the hidden value h and cell value c of the
        /// layer are read, c ← c·f + g·ĉ and h ← o·tanh(c) written back; a layer above reads the new h of the layer below.
        /// x holds per layer 4d weights; the state starts from constants.
        /// </summary>
        [Differentiable]
        public static double Cells(double[] x, int l, int n)
        {
            int d = x.Length / (4 * l);
            Span<double> s = stackalloc double[2 * l * d];
            for (int i = 0; i < 2 * l * d; i++) s[i] = 0.1 * (i % 5) - 0.2;
            double total = 0;
            for (int t = 0; t < n; t++)
            {
                for (int layer = 0; layer < l; layer++)
                {
                    int w = 4 * d * layer;
                    int h = 2 * d * layer;
                    for (int i = 0; i < d; i++)
                    {
                        double input = layer == 0 ? 0.3 * (t + 1) - 0.1 * i : s[h - 2 * d + i];
                        double forget = 1 / (1 + Math.Exp(-(input * x[w + i])));
                        double ingate = 1 / (1 + Math.Exp(-(s[h + i] * x[w + d + i])));
                        double outgate = 1 / (1 + Math.Exp(-(input * x[w + 2 * d + i])));
                        double change = Math.Tanh(s[h + i] * x[w + 3 * d + i]);
                        double cell = s[h + d + i] * forget + ingate * change;
                        s[h + d + i] = cell;
                        s[h + i] = outgate * Math.Tanh(cell);
                    }
                }
                for (int i = 0; i < d; i++) total += s[2 * d * (l - 1) + i] * s[2 * d * (l - 1) + i] * (i + 1);
            }
            return total;
        }

        /// <summary>
        /// One element read before a write and used only before it, written, read again and written again, then read after
        /// the last write; a second element read and used after the write that follows it (recorded).
        /// </summary>
        [Differentiable]
        public static double ReadWriteRead(double[] x, int n)
        {
            int d = x.Length;
            Span<double> z = stackalloc double[d];
            for (int r = 0; r < d; r++) z[r] = x[r];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double a = z[r];
                    double p = a * a * x[r];
                    z[r] = p + 0.5;
                    double b = z[r];
                    double q = Math.Sin(b) * x[(r + 1) % d];
                    z[r] = q;
                    double e = z[(r + 1) % d];
                    z[(r + 1) % d] = e * 0.75;
                    s += z[r] * p + q * e;
                }
            }
            return s;
        }

        /// <summary>A read whose next write is in a branch (recorded), and a read in a branch followed by a write in that branch.</summary>
        [Differentiable]
        public static double Branches(double[] x, int n)
        {
            int d = x.Length;
            Span<double> z = stackalloc double[d];
            for (int r = 0; r < d; r++) z[r] = Math.Cos(x[r]);
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double a = z[r];
                    double u = a * x[r] + 0.1 * i;
                    if ((i + r) % 2 == 0)
                    {
                        double b = z[(r + 1) % d];
                        double v = b * u;
                        z[(r + 1) % d] = v * 0.5 + 0.25;
                        s += v;
                    }
                    else
                    {
                        z[r] = u * u;
                    }
                    s += u * z[r];
                }
            }
            return s;
        }

        /// <summary>
        /// A read, its uses, a write of its block, then a nested loop writing the whole buffer (z[j] = sin(z[j])·0.9 + …,
        /// itself a read before a write); and a read whose next write is in a nested loop (recorded).
        /// </summary>
        [Differentiable]
        public static double NestedLoops(double[] x, int n)
        {
            int d = x.Length;
            Span<double> z = stackalloc double[d];
            for (int r = 0; r < d; r++) z[r] = x[r] * 0.5;
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double a = z[r];
                    double u = Math.Sin(a) * x[r];
                    z[r] = u;
                    for (int j = 0; j < d; j++) z[j] = Math.Sin(z[j]) * 0.9 + u * x[j] * 0.1;
                    double c = z[(r + 2) % d];
                    double v = c * c;
                    for (int j = 0; j <= r; j++) z[j] = z[j] * z[j] * 0.5 - 0.05 * v;
                    s += v * u;
                }
            }
            return s;
        }

        /// <summary>Layers of one buffer: layer k reads layer k's elements and writes layer k + 1's, written again at every step.</summary>
        [Differentiable]
        public static double Layers(double[] x, int l, int n)
        {
            int d = x.Length / l;
            Span<double> s = stackalloc double[(l + 1) * d];
            for (int i = 0; i < (l + 1) * d; i++) s[i] = 0.2;
            double total = 0;
            for (int t = 0; t < n; t++)
            {
                for (int i = 0; i < d; i++) s[i] = s[i] * 0.5 + 0.1 * (t + i);
                for (int k = 0; k < l; k++)
                {
                    for (int i = 0; i < d; i++)
                    {
                        double below = s[k * d + i];
                        double self = s[(k + 1) * d + i];
                        s[(k + 1) * d + i] = Math.Tanh(below * x[k * d + i] + self * below);
                    }
                }
                for (int i = 0; i < d; i++) total += s[l * d + i];
            }
            return total;
        }
    }

    /// <summary>Fixture for a read whose index is itself a read of another restored buffer, each taken again after a different write.</summary>
    public static partial class RestoredRead
    {
        /// <summary>k = idx[r] read, then z[k], both used before the writes; idx written first, z after.</summary>
        [Differentiable]
        public static double Indexed(double[] x, int n)
        {
            int d = x.Length;
            Span<int> idx = stackalloc int[d];
            Span<double> z = stackalloc double[d];
            for (int r = 0; r < d; r++)
            {
                idx[r] = d - 1 - r;
                z[r] = x[r];
            }
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    int k = idx[r];
                    double a = z[k];
                    double u = a * a * x[r];
                    int m = idx[(r + 1) % d];
                    double b = z[(r + 2) % d];
                    idx[r] = (r + i) % d;
                    z[r] = Math.Sin(u);
                    s += u * x[m] * b * b;
                }
            }
            return s;
        }
    }

    /// <summary>Fixture for the sigmoid's division computed again from its recorded exp rather than recorded.</summary>
    public static partial class RestoredRead
    {
        /// <summary>s ← σ(x₀·s + x₁) = 1 / (1 + exp(−(x₀·s + x₁))), n times.</summary>
        [Differentiable]
        public static double Sigmoids(double[] x, int n)
        {
            double s = 0.5;
            for (int i = 0; i < n; i++) s = 1 / (1 + Math.Exp(-(x[0] * s + x[1])));
            return s;
        }
    }

    /// <summary>
    /// Reverse mode reads an element of a restored buffer again where the reverse sweep has undone the writes after its
    /// read (issue 17: the LSTM's state reads no longer recorded next to the overwritten elements). Each fixture's
    /// Gradient is checked against central differences and its Jvp, its value bit for bit, its Hvp against differences of
    /// the gradient, and the tapes against bounds the old planning (each such read recorded) exceeds. A recorded division
    /// whose operands the adjoint has anyway (a sigmoid 1 / (1 + e) with e recorded) is computed again, not recorded.
    /// </summary>
    public sealed class RestoredReadTests
    {

        [TestCase(1, 3, 4)]
        [TestCase(2, 2, 3)]
        [TestCase(3, 2, 2)]
        [TestCase(2, 1, 0)]
        public void Cells_match_differences_and_forward_mode(int l, int d, int n)
        {
            Check(x => RestoredRead.Cells(x, l, n), (x, g) => RestoredRead.CellsGradient(x, l, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.CellsJvp(x, l, n, dx, out t), Point(4 * l * d, 10 * l + d + n));
        }

        [TestCase(2, 2, 3)]
        public void Cells_Hvp_matches_differences_of_the_gradient(int l, int d, int n)
        {
            CheckHvp(x => RestoredRead.Cells(x, l, n), (x, g) => RestoredRead.CellsGradient(x, l, n, g),
                (x, v, hv) => RestoredRead.CellsHvp(x, l, n, v, hv), Point(4 * l * d, 3), Point(4 * l * d, 4));
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(4, 2)]
        [TestCase(2, 0)]
        public void ReadWriteRead_matches_differences_and_forward_mode(int d, int n)
        {
            Check(x => RestoredRead.ReadWriteRead(x, n), (x, g) => RestoredRead.ReadWriteReadGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.ReadWriteReadJvp(x, n, dx, out t), Point(d, 3 * d + n));
        }

        [Test]
        public void ReadWriteRead_Hvp_matches_differences_of_the_gradient()
        {
            CheckHvp(x => RestoredRead.ReadWriteRead(x, 3), (x, g) => RestoredRead.ReadWriteReadGradient(x, 3, g),
                (x, v, hv) => RestoredRead.ReadWriteReadHvp(x, 3, v, hv), Point(3, 5), Point(3, 6));
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(4, 5)]
        public void Branches_match_differences_and_forward_mode(int d, int n)
        {
            Check(x => RestoredRead.Branches(x, n), (x, g) => RestoredRead.BranchesGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.BranchesJvp(x, n, dx, out t), Point(d, 5 * d + n));
        }

        [TestCase(1, 2)]
        [TestCase(3, 3)]
        [TestCase(4, 2)]
        public void NestedLoops_match_differences_and_forward_mode(int d, int n)
        {
            Check(x => RestoredRead.NestedLoops(x, n), (x, g) => RestoredRead.NestedLoopsGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.NestedLoopsJvp(x, n, dx, out t), Point(d, 7 * d + n));
        }

        [Test]
        public void NestedLoops_Hvp_matches_differences_of_the_gradient()
        {
            CheckHvp(x => RestoredRead.NestedLoops(x, 2), (x, g) => RestoredRead.NestedLoopsGradient(x, 2, g),
                (x, v, hv) => RestoredRead.NestedLoopsHvp(x, 2, v, hv), Point(3, 7), Point(3, 8));
        }

        [TestCase(1, 2, 3)]
        [TestCase(3, 2, 2)]
        [TestCase(2, 3, 4)]
        public void Layers_match_differences_and_forward_mode(int l, int d, int n)
        {
            Check(x => RestoredRead.Layers(x, l, n), (x, g) => RestoredRead.LayersGradient(x, l, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.LayersJvp(x, l, n, dx, out t), Point(l * d, 9 * l + d + n));
        }

        /// <summary>
        /// Tape per gradient call of the LSTM-like cells at l = 2, d = 32, n = 700: per cell the two overwritten elements and
        /// six values (the input, three exps, tanh ĉ, tanh c; the sigmoids are computed again from the exps), 8 doubles:
        /// 700·64·8·8 = 2.9 MB, within 4 MB. Recording the reads of h and c and the sigmoids as well, as before, took 13:
        /// 4.7 MB, 8 MB with the tape's doubling.
        /// </summary>
        [Test]
        public void Cells_read_the_state_again_rather_than_record_it()
        {
            int l = 2, d = 32, n = 700;
            var x = Point(4 * l * d, 1);
            var g = new double[x.Length];
            long bytes = TapeBytes(() => RestoredRead.CellsGradient(x, l, n, g));
            Assert.That(bytes, Is.LessThanOrEqualTo(4 << 20), "tape bytes per call");
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(4, 3)]
        public void Indexed_matches_differences_and_forward_mode(int d, int n)
        {
            Check(x => RestoredRead.Indexed(x, n), (x, g) => RestoredRead.IndexedGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.IndexedJvp(x, n, dx, out t), Point(d, 17 * d + n));
        }

        [TestCase(1)]
        [TestCase(7)]
        [TestCase(0)]
        public void Sigmoids_match_differences_and_forward_mode(int n)
        {
            Check(x => RestoredRead.Sigmoids(x, n), (x, g) => RestoredRead.SigmoidsGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RestoredRead.SigmoidsJvp(x, n, dx, out t), Point(2, 13 + n));
        }

        [Test]
        public void Sigmoids_Hvp_matches_differences_of_the_gradient()
        {
            CheckHvp(x => RestoredRead.Sigmoids(x, 6), (x, g) => RestoredRead.SigmoidsGradient(x, 6, g),
                (x, v, hv) => RestoredRead.SigmoidsHvp(x, 6, v, hv), Point(2, 9), Point(2, 10));
        }

        /// <summary>
        /// σ(x₀·s + x₁) at n = 100,000: per step s and the exp, 16 bytes: 1.6 MB, within 2 MB. Recording the quotient as well, as
        /// before: 2.4 MB (4 MB with the tape's doubling).
        /// </summary>
        [Test]
        public void Sigmoids_compute_the_quotient_again()
        {
            var x = Point(2, 3);
            var g = new double[2];
            long bytes = TapeBytes(() => RestoredRead.SigmoidsGradient(x, 100000, g));
            Assert.That(bytes, Is.LessThanOrEqualTo(2 << 20), "tape bytes per call");
        }

        /// <summary>
        /// Layers at l = 4, d = 32, n = 512: per step d overwritten inputs and per cell the overwritten element and one tanh,
        /// 288 doubles: 1.2 MB, within 2 MB. Recording the two reads of each cell, as before: 544 doubles, 2.2 MB (4 MB).
        /// </summary>
        [Test]
        public void Layers_read_the_layer_below_again()
        {
            int l = 4, d = 32, n = 512;
            var x = Point(l * d, 2);
            var g = new double[x.Length];
            long bytes = TapeBytes(() => RestoredRead.LayersGradient(x, l, n, g));
            Assert.That(bytes, Is.LessThanOrEqualTo(2 << 20), "tape bytes per call");
        }
    }
}
