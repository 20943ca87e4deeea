using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// ADBench's LSTM objective (<see cref="Lstm"/>) on its input l = 2, c = 1,024 (266 parameters),
    /// read from ADBench's file when present (<see cref="LstmData.TryLoad"/>), otherwise generated with
    /// the same shape. The objective is the baseline; the generated gradient and the hand-written one
    /// (<see cref="LstmHandWritten"/>) are measured against it. Times are per call; the class name
    /// starts with "Lstm" so that <c>--filter '*Lstm*'</c> and <c>--interleaved Lstm</c> select exactly these.
    /// </summary>
    [MemoryDiagnoser]
    public class LstmBenchmarks
    {
        LstmData _data = null!;
        double[] _dMain = null!, _dExtra = null!;

        [GlobalSetup]
        public void Setup()
        {
            _data = LstmData.LoadOrGenerate("lstm_l2_c1024", 2, 1024, 14, 1);
            Console.WriteLine($"// LSTM input: {_data}");
            _dMain = new double[_data.MainParams.Length];
            _dExtra = new double[_data.ExtraParams.Length];
        }

        [Benchmark(Baseline = true)]
        public double Objective() =>
            Lstm.Objective(_data.MainParams, _data.ExtraParams, _data.State, _data.Sequence, _data.L, _data.C, _data.B);

        [Benchmark]
        public double GeneratedGradient() =>
            Lstm.ObjectiveGradient(_data.MainParams, _data.ExtraParams, _data.State, _data.Sequence, _data.L, _data.C, _data.B,
                _dMain, _dExtra) + _dMain[0] + _dExtra[^1];

        [Benchmark]
        public double HandWrittenGradient() =>
            LstmHandWritten.Gradient(_data.MainParams, _data.ExtraParams, _data.State, _data.Sequence, _data.L, _data.C, _data.B,
                _dMain, _dExtra) + _dMain[0] + _dExtra[^1];
    }
}
