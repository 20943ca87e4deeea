using System;
using System.Globalization;
using System.IO;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A BA problem in ADBench's layout: n cameras (11 parameters each), m points (3 each), p observations, each with a
    /// weight, a camera and point index and a 2-D feature. ADBench's files (<c>ba/test.txt</c>, <c>ba1_n49_m7776_p31843.txt</c>, …)
    /// hold <c>n m p</c> and then one camera, one point, one weight and one feature, which its reader replicates: every
    /// camera, point, weight and feature equals the one given, observation i sees camera i mod n and point i mod m.
    /// Read from <c>$AUTODIFF_ADBENCH/ba/</c> or <c>../shared/adbench/ba/</c>; generated with the same sizes when absent.
    /// </summary>
    public sealed class BaData
    {
        public int N { get; }
        public int M { get; }
        public int P { get; }
        public double[] Cams { get; }
        public double[] X { get; }
        public double[] W { get; }
        /// <summary>Per observation: camera index, point index.</summary>
        public int[] Obs { get; }
        public double[] Feats { get; }
        public string Source { get; }

        public BaData(int n, int m, int p, double[] cams, double[] x, double[] w, int[] obs, double[] feats, string source)
        {
            if (cams.Length != 11 * n || x.Length != 3 * m || w.Length != p || obs.Length != 2 * p || feats.Length != 2 * p)
                throw new ArgumentException("BA array lengths do not match n, m, p");
            N = n; M = m; P = p; Cams = cams; X = x; W = w; Obs = obs; Feats = feats; Source = source;
        }

        /// <summary>The camera of observation <paramref name="i"/>.</summary>
        public ReadOnlySpan<double> CamOf(int i) => new ReadOnlySpan<double>(Cams, 11 * Obs[2 * i], 11);

        /// <summary>The point of observation <paramref name="i"/>.</summary>
        public ReadOnlySpan<double> PointOf(int i) => new ReadOnlySpan<double>(X, 3 * Obs[2 * i + 1], 3);

        /// <summary>The path of <c>ba/&lt;name&gt;.txt</c> in the ADBench folder (<see cref="AdBenchInputs.Find"/>), or null when it is absent.</summary>
        public static string? FindFile(string name) => AdBenchInputs.Find("ba", name);

        /// <summary>Parses an ADBench BA file (<c>n m p</c>, one camera, one point, one weight, one feature) and replicates it as ADBench's reader does.</summary>
        public static BaData Load(string path)
        {
            string[] tokens = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length != 3 + 11 + 3 + 1 + 2) throw new FormatException($"{path}: expected n m p, 11 camera, 3 point, 1 weight and 2 feature numbers; found {tokens.Length} numbers");
            double[] numbers = Array.ConvertAll(tokens, t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture));
            return Replicate((int)numbers[0], (int)numbers[1], (int)numbers[2], numbers.AsSpan(3, 11), numbers.AsSpan(14, 3), numbers[17], numbers.AsSpan(18, 2), path);
        }

        static BaData Replicate(int n, int m, int p, ReadOnlySpan<double> cam, ReadOnlySpan<double> point, double weight, ReadOnlySpan<double> feature, string source)
        {
            var cams = new double[11 * n];
            for (int i = 0; i < n; i++) cam.CopyTo(cams.AsSpan(11 * i));
            var x = new double[3 * m];
            for (int i = 0; i < m; i++) point.CopyTo(x.AsSpan(3 * i));
            var w = new double[p];
            Array.Fill(w, weight);
            var obs = new int[2 * p];
            var feats = new double[2 * p];
            for (int i = 0; i < p; i++)
            {
                obs[2 * i] = i % n;
                obs[2 * i + 1] = i % m;
                feature.CopyTo(feats.AsSpan(2 * i));
            }
            return new BaData(n, m, p, cams, x, w, obs, feats, source);
        }

        /// <summary>
        /// Deterministic inputs of ADBench's test size without the file: every camera, point, weight and feature
        /// different (so no observation repeats another), in the ranges of ADBench's data (rotation of about a radian,
        /// points a few units in front of the camera, focal length a few hundred).
        /// </summary>
        public static BaData Generate(int n, int m, int p, int seed)
        {
            var random = new Random(seed);
            double U(double a, double b) => a + (b - a) * random.NextDouble();
            var cams = new double[11 * n];
            for (int i = 0; i < n; i++)
            {
                double[] c = { U(-0.3, 0.3), U(-0.3, 0.3), U(-0.3, 0.3), U(-1, 1), U(-1, 1), U(-12, -8), U(150, 250), U(-1, 1), U(-1, 1), U(0, 0.1), U(0, 0.1) };
                c.CopyTo(cams, 11 * i);
            }
            var x = new double[3 * m];
            for (int i = 0; i < x.Length; i++) x[i] = U(-3, 3);
            var w = new double[p];
            var obs = new int[2 * p];
            var feats = new double[2 * p];
            for (int i = 0; i < p; i++)
            {
                w[i] = U(0.2, 1);
                obs[2 * i] = i % n;
                obs[2 * i + 1] = i % m;
                feats[2 * i] = U(-100, 100);
                feats[2 * i + 1] = U(-100, 100);
            }
            return new BaData(n, m, p, cams, x, w, obs, feats, $"generated (n = {n}, m = {m}, p = {p}, seed {seed})");
        }

        /// <summary>ADBench's <c>ba/&lt;name&gt;.txt</c> if present, otherwise <see cref="Generate"/> with the test file's sizes.</summary>
        public static BaData LoadOrGenerate(string name = "test")
        {
            string? path = FindFile(name);
            return path != null ? Load(path) : Generate(2, 10, 10, 17);
        }

        public override string ToString() => $"BA n = {N}, m = {M}, p = {P} ({Source})";
    }
}
