using System;
using System.Globalization;
using System.IO;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// An LSTM problem in ADBench's layout (see <see cref="Lstm"/>): l layers, c characters of b bits,
    /// the main parameters (8·l·b), the extra parameters (3·b), the initial state (2·l·b) and the
    /// sequence (c·b). Loaded from ADBench's input files (never copied into this repository) or
    /// generated with the same shapes when they are absent.
    /// </summary>
    public sealed class LstmData
    {
        public int L { get; }
        public int C { get; }
        public int B { get; }
        public double[] MainParams { get; }
        public double[] ExtraParams { get; }
        public double[] State { get; }
        public double[] Sequence { get; }
        /// <summary>Where the data came from: a file path, or a description of the generator's arguments.</summary>
        public string Source { get; }

        /// <summary>Number of parameters: 8·l·b + 3·b.</summary>
        public int ParameterCount => MainParams.Length + ExtraParams.Length;

        public LstmData(int l, int c, int b, double[] mainParams, double[] extraParams, double[] state, double[] sequence, string source)
        {
            if (l < 1 || c < 1 || b < 1) throw new ArgumentException($"bad LSTM sizes l = {l}, c = {c}, b = {b}");
            if (mainParams.Length != Lstm.MainSize(l, b) || extraParams.Length != Lstm.ExtraSize(b)
                || state.Length != Lstm.StateSize(l, b) || sequence.Length != c * b)
                throw new ArgumentException("LSTM array lengths do not match l, c, b");
            L = l; C = c; B = b;
            MainParams = mainParams; ExtraParams = extraParams; State = state; Sequence = sequence;
            Source = source;
        }

        /// <summary>
        /// Loads ADBench's <c>lstm/&lt;name&gt;.txt</c> (name as "lstm_l2_c1024") from the folder
        /// <see cref="AdBenchInputs.Find"/> finds. False when the file is not there.
        /// </summary>
        public static bool TryLoad(string name, out LstmData data)
        {
            string? path = AdBenchInputs.Find("lstm", name);
            if (path == null)
            {
                data = null!;
                return false;
            }
            data = Load(path);
            return true;
        }

        /// <summary>
        /// Parses an ADBench LSTM input file: <c>l c b</c>, then the main parameters (2·l lines of 4·b: per
        /// layer the weights, then the biases), the extra parameters (3 lines of b), the state (2·l lines of
        /// b: per layer hidden, then cell) and the sequence (c lines of b), the blocks separated by blank
        /// lines; whitespace-separated, invariant culture. Any other count of numbers is a
        /// <see cref="FormatException"/>.
        /// </summary>
        public static LstmData Load(string path)
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
            double[] Read(int length)
            {
                var values = new double[length];
                for (int i = 0; i < length; i++) values[i] = Next();
                return values;
            }

            int l = NextInt(), c = NextInt(), b = NextInt();
            if (l < 1 || c < 1 || b < 1) throw new FormatException($"{path}: bad sizes l = {l}, c = {c}, b = {b}");
            long expected = 3 + 8L * l * b + 3L * b + 2L * l * b + (long)c * b;
            if (tokens.Length != expected)
                throw new FormatException($"{path}: expected {expected} numbers for l = {l}, c = {c}, b = {b}; found {tokens.Length}");
            double[] mainParams = Read(Lstm.MainSize(l, b));
            double[] extraParams = Read(Lstm.ExtraSize(b));
            double[] state = Read(Lstm.StateSize(l, b));
            double[] sequence = Read(c * b);
            return new LstmData(l, c, b, mainParams, extraParams, state, sequence, path);
        }

        /// <summary>
        /// Deterministic pseudo-random inputs with ADBench's shapes and distributions: parameters and state
        /// uniform on [0, 1), the sequence random bits. The same arguments give the same data on every
        /// machine (System.Random with a seed is deterministic).
        /// </summary>
        public static LstmData Generate(int l, int c, int b, int seed)
        {
            var random = new Random(seed);
            double[] Uniform(int length)
            {
                var values = new double[length];
                for (int i = 0; i < length; i++) values[i] = random.NextDouble();
                return values;
            }
            double[] mainParams = Uniform(Lstm.MainSize(l, b));
            double[] extraParams = Uniform(Lstm.ExtraSize(b));
            double[] state = Uniform(Lstm.StateSize(l, b));
            var sequence = new double[c * b];
            for (int i = 0; i < sequence.Length; i++) sequence[i] = random.Next(2);
            return new LstmData(l, c, b, mainParams, extraParams, state, sequence, $"generated (l = {l}, c = {c}, b = {b}, seed {seed})");
        }

        /// <summary>The named ADBench file if present, otherwise <see cref="Generate"/> with the given shape.</summary>
        public static LstmData LoadOrGenerate(string name, int l, int c, int b, int seed) =>
            TryLoad(name, out var data) ? data : Generate(l, c, b, seed);

        /// <summary><see cref="Lstm.Objective"/> on this problem.</summary>
        public double Objective() => Lstm.Objective(MainParams, ExtraParams, State, Sequence, L, C, B);

        public override string ToString() => $"LSTM l = {L}, c = {C}, b = {B}, {ParameterCount} parameters ({Source})";
    }
}
