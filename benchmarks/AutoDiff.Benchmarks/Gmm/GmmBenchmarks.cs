using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// ADBench's GMM objective (<see cref="Gmm"/>) on its 1k-point inputs d = 10, k = 25 (1,650
    /// parameters) and d = 20, k = 50 (11,550 parameters), read from ADBench's files when present
    /// (<see cref="GmmData.TryLoad"/>), otherwise generated with the same shapes. The differentiable
    /// <see cref="Gmm.Objective"/> is the baseline; <see cref="Gmm.ObjectivePlain"/> is the same
    /// function written without the generator's constraints (exp(qₖ) once per component rather than
    /// once per point and component). Times are per call; the class name starts with "Gmm" so that
    /// <c>--filter '*Gmm*'</c> selects exactly these.
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
        }

        [Benchmark(Baseline = true)]
        public double Objective() =>
            Gmm.Objective(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N);

        [Benchmark]
        public double ObjectivePlain() =>
            Gmm.ObjectivePlain(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N);

        [Benchmark]
        public double GeneratedGradient() =>
            Gmm.ObjectiveGradient(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N,
                _dAlphas, _dMeans, _dIcf) + _dAlphas[0] + _dIcf[^1];

        [Benchmark]
        public double HandWrittenGradient() =>
            GmmHandWritten.Gradient(_data.Alphas, _data.Means, _data.Icf, _data.X, _data.Gamma, _constant, _data.M, _data.D, _data.K, _data.N,
                _dAlphas, _dMeans, _dIcf) + _dAlphas[0] + _dIcf[^1];
    }
}
