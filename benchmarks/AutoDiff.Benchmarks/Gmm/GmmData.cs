using System;
using System.Globalization;
using System.IO;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A GMM problem in ADBench's layout (see <see cref="Gmm"/>): d, k, n, α (k), μ (k × d), the
    /// inverse-covariance factors (k × (d + d(d−1)/2)), the points (n × d) and the Wishart prior's
    /// γ and m. Loaded from ADBench's input files (which are never copied into this repository) or
    /// generated with the same shapes when they are absent.
    /// </summary>
    public sealed class GmmData
    {
        /// <summary>The environment variable naming the ADBench input folder (the one holding <c>gmm/</c>).</summary>
        public const string EnvironmentVariable = AdBenchInputs.EnvironmentVariable;

        public int D { get; }
        public int K { get; }
        public int N { get; }
        public double[] Alphas { get; }
        public double[] Means { get; }
        public double[] Icf { get; }
        public double[] X { get; }
        public double Gamma { get; }
        public int M { get; }
        /// <summary>Where the data came from: a file path, or a description of the generator's arguments.</summary>
        public string Source { get; }

        /// <summary>−n·d/2·log 2π − k·C, the objective's parameter-free terms (<see cref="Gmm.Constant"/>).</summary>
        public double Constant => Gmm.Constant(D, K, N, Gamma, M);

        /// <summary>Number of parameters: |α| + |μ| + |icf| = k + k·d + k·(d + d(d−1)/2).</summary>
        public int ParameterCount => Alphas.Length + Means.Length + Icf.Length;

        public GmmData(int d, int k, int n, double[] alphas, double[] means, double[] icf, double[] x, double gamma, int m, string source)
        {
            if (d < 1 || k < 1 || n < 0) throw new ArgumentException($"bad GMM sizes d = {d}, k = {k}, n = {n}");
            if (alphas.Length != k || means.Length != k * d || icf.Length != k * Gmm.IcfSize(d) || x.Length != n * d)
                throw new ArgumentException("GMM array lengths do not match d, k, n");
            D = d; K = k; N = n;
            Alphas = alphas; Means = means; Icf = icf; X = x;
            Gamma = gamma; M = m; Source = source;
        }

        /// <summary>
        /// Loads ADBench's <c>gmm/&lt;name&gt;.txt</c> (name as "test" or "gmm_d10_K25"). The folder is
        /// the one named by <c>AUTODIFF_ADBENCH</c> if set, else <c>../shared/adbench</c> next to the
        /// repository root, found by walking up from <see cref="AppContext.BaseDirectory"/> to the
        /// directory that holds <c>AutoDiff.sln</c>. False when the file is not there.
        /// </summary>
        public static bool TryLoad(string name, out GmmData data)
        {
            string? path = FindFile(name);
            if (path == null)
            {
                data = null!;
                return false;
            }
            data = Load(path);
            return true;
        }

        /// <summary>The path of <c>gmm/&lt;name&gt;.txt</c> in the ADBench folder, or null when it is absent.</summary>
        public static string? FindFile(string name) => AdBenchInputs.Find("gmm", name);

        /// <summary>
        /// Parses an ADBench GMM input file: <c>d k n</c>, k alphas, k means (d each), k factors
        /// (d + d(d−1)/2 each), the points, then <c>γ m</c>; whitespace-separated, invariant culture.
        /// <para>
        /// ADBench's C++ reader (<c>read_gmm_instance</c>) has a <c>replicate_point</c> mode in which
        /// the file holds a single point that is repeated n times. The files in ADBench's
        /// <c>data/gmm/</c> (test.txt with n = 1, and the 1k-point files gmm_d2_K5, gmm_d10_K25 and
        /// gmm_d20_K50: 1 + 3k + n + 1 lines, 111 KB for d = 10) hold all n points, one per line,
        /// which is the normal case here. A file with exactly one point and n &gt; 1 is read in the
        /// replicated form: that point is copied into all n rows. Anything else is a <see cref="FormatException"/>.
        /// </para>
        /// </summary>
        public static GmmData Load(string path)
        {
            string[] tokens = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            int position = 0;
            double Next()
            {
                if (position >= tokens.Length) throw new FormatException($"{path}: the file ends early (after {tokens.Length} numbers)");
                return double.Parse(tokens[position++], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            int NextInt()
            {
                double value = Next();
                if (value != Math.Floor(value)) throw new FormatException($"{path}: expected an integer, found {value.ToString(CultureInfo.InvariantCulture)}");
                return checked((int)value);
            }

            int d = NextInt(), k = NextInt(), n = NextInt();
            int icfSize = Gmm.IcfSize(d);
            var alphas = new double[k];
            for (int i = 0; i < alphas.Length; i++) alphas[i] = Next();
            var means = new double[k * d];
            for (int i = 0; i < means.Length; i++) means[i] = Next();
            var icf = new double[k * icfSize];
            for (int i = 0; i < icf.Length; i++) icf[i] = Next();

            // What is left: the points, then γ and m.
            int remaining = tokens.Length - position;
            var x = new double[n * d];
            if (remaining == n * d + 2)
            {
                for (int i = 0; i < x.Length; i++) x[i] = Next();
            }
            else if (n > 1 && remaining == d + 2)
            {
                for (int j = 0; j < d; j++) x[j] = Next();
                for (int i = 1; i < n; i++) Array.Copy(x, 0, x, i * d, d);
            }
            else
            {
                throw new FormatException($"{path}: after the parameters, expected {n * d} point coordinates (or {d}, one point to replicate) and γ, m; found {remaining} numbers");
            }
            double gamma = Next();
            int m = NextInt();
            return new GmmData(d, k, n, alphas, means, icf, x, gamma, m, path);
        }

        /// <summary>
        /// Deterministic pseudo-random inputs with ADBench's shapes and distributions: α and the
        /// factors standard normal, μ uniform on [0, 1), points standard normal, γ = 1, m = 0. The same
        /// arguments give the same data on every machine (System.Random with a seed is deterministic).
        /// </summary>
        public static GmmData Generate(int d, int k, int n, int seed)
        {
            var random = new Random(seed);
            double Normal()
            {
                // Box–Muller; 1 − U avoids log(0).
                double u = 1 - random.NextDouble(), v = random.NextDouble();
                return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
            }
            var alphas = new double[k];
            for (int i = 0; i < alphas.Length; i++) alphas[i] = Normal();
            var means = new double[k * d];
            for (int i = 0; i < means.Length; i++) means[i] = random.NextDouble();
            var icf = new double[k * Gmm.IcfSize(d)];
            for (int i = 0; i < icf.Length; i++) icf[i] = Normal();
            var x = new double[n * d];
            for (int i = 0; i < x.Length; i++) x[i] = Normal();
            return new GmmData(d, k, n, alphas, means, icf, x, 1.0, 0, $"generated (d = {d}, k = {k}, n = {n}, seed {seed})");
        }

        /// <summary>The named ADBench file if present, otherwise <see cref="Generate"/> with the given shape.</summary>
        public static GmmData LoadOrGenerate(string name, int d, int k, int n, int seed) =>
            TryLoad(name, out var data) ? data : Generate(d, k, n, seed);

        /// <summary><see cref="Gmm.Objective"/> on this problem.</summary>
        public double Objective() => Gmm.Objective(Alphas, Means, Icf, X, Gamma, Constant, M, D, K, N);

        /// <summary><see cref="Gmm.ObjectivePlain"/> on this problem.</summary>
        public double ObjectivePlain() => Gmm.ObjectivePlain(Alphas, Means, Icf, X, Gamma, Constant, M, D, K, N);

        /// <summary><see cref="Gmm.ObjectiveLoops"/> at this problem.</summary>
        public double ObjectiveLoops() => Gmm.ObjectiveLoops(Alphas, Means, Icf, X, Gamma, Constant, M, D, K, N);

        public override string ToString() => $"GMM d = {D}, k = {K}, n = {N}, {ParameterCount} parameters ({Source})";
    }
}
