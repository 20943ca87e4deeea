using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// ADBench's GMM objective (<see cref="Gmm"/>) on its 1k-point inputs d = 10, k = 25 (1,650
    /// parameters) and d = 20, k = 50 (11,550 parameters), read from ADBench's files when present
    /// (<see cref="GmmData.TryLoad"/>), otherwise generated with the same shapes. The baseline is
    /// <see cref="Gmm.ObjectivePlain"/>, the objective as one writes it without the generator;
    /// <see cref="Gmm.ObjectiveLoops"/> is the same function as ADBench's C++ writes it, differentiable,
    /// and its generated gradient is the one the targets are about; <see cref="Gmm.Objective"/> (helpers
    /// inlined by the generator) is the second case. Times are per call; the class name starts with
    /// "Gmm" so that <c>--filter '*Gmm*'</c> selects exactly these. The setup prints the pooled tape
    /// memory of one gradient call of each generated form (<see cref="Tape.RentedBytes"/>).
    /// </summary>
    [MemoryDiagnoser]
    public class GmmBenchmarks
    {
        [Params("gmm_d10_K25", "gmm_d20_K50")]
        public string Input { get; set; } = "gmm_d10_K25";

        GmmData _data = null!;
        double _constant;
        double[] _dAlphas = null!, _dMeans = null!, _dIcf = null!;

        [GlobalSetup]
        public void Setup()
        {
            _data = Input switch
            {
                "gmm_d10_K25" => GmmData.LoadOrGenerate(Input, 10, 25, 1000, 25),
                "gmm_d20_K50" => GmmData.LoadOrGenerate(Input, 20, 50, 1000, 50),
                _ => throw new ArgumentException($"unknown GMM input {Input}"),
            };
            Console.WriteLine($"// GMM input: {_data}");
            _constant = _data.Constant;
            _dAlphas = new double[_data.Alphas.Length];
            _dMeans = new double[_data.Means.Length];
            _dIcf = new double[_data.Icf.Length];
            Console.WriteLine($"// GMM {Input} tape per gradient call (pooled bytes): ObjectiveLoops {TapeBytes(() => GeneratedGradient())}, Objective {TapeBytes(() => GeneratedGradientHelpers())}");
        }

        /// <summary>The pooled tape memory of one call, after a first call.</summary>
        static long TapeBytes(Func<double> call)
        {
            call();
            Tape.ResetRentedBytes();
            call();
            return Tape.RentedBytes;
        }

        [Benchmark(Baseline = true)]
        public double ObjectivePlain() =>
            Gmm.ObjectivePlain(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N);

        [Benchmark]
        public double ObjectiveLoops() =>
            Gmm.ObjectiveLoops(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N);

        [Benchmark]
        public double Objective() =>
            Gmm.Objective(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N);

        /// <summary>The generated gradient of <see cref="Gmm.ObjectiveLoops"/>.</summary>
        [Benchmark]
        public double GeneratedGradient() =>
            Gmm.ObjectiveLoopsGradient(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N,
                _dAlphas, _dMeans, _dIcf) + _dAlphas[0] + _dIcf[^1];

        /// <summary>The generated gradient of <see cref="Gmm.Objective"/> (helpers inlined).</summary>
        [Benchmark]
        public double GeneratedGradientHelpers() =>
            Gmm.ObjectiveGradient(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N,
                _dAlphas, _dMeans, _dIcf) + _dAlphas[0] + _dIcf[^1];

        [Benchmark]
        public double HandWrittenGradient() =>
            GmmHandWritten.Gradient(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N,
                _dAlphas, _dMeans, _dIcf) + _dAlphas[0] + _dIcf[^1];
    }
}
