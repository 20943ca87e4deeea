using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Running;

namespace AutoDiff.Benchmarks
{
    public static class Program
    {
        /// <summary>
        /// <c>-- --verify</c> checks generated against hand-written derivatives and exits (no
        /// BenchmarkDotNet involved, a second or so); <c>-- --interleaved [filter] [rounds] [cpu]</c> runs
        /// the min-of-rounds cross-check in <see cref="Interleaved"/>; anything else goes to
        /// BenchmarkDotNet, for example <c>-- --filter '*' --job short</c>.
        /// </summary>
        public static int Main(string[] args)
        {
            if (args.Contains("--verify"))
            {
                CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
                return Verification.Run(Console.Out) ? 0 : 1;
            }
            int checkpointMemory = Array.IndexOf(args, "--checkpoint-memory");
            if (checkpointMemory >= 0)
            {
                CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
                return CheckpointOde.Measure(args.Length > checkpointMemory + 1 ? args[checkpointMemory + 1] : "", Console.Out);
            }
            int interleaved = Array.IndexOf(args, "--interleaved");
            if (interleaved >= 0)
            {
                CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
                string filter = args.Length > interleaved + 1 ? args[interleaved + 1] : "Loop";
                int rounds = args.Length > interleaved + 2 ? int.Parse(args[interleaved + 2], CultureInfo.InvariantCulture) : 60;
                bool cpuTime = args.Length > interleaved + 3 && args[interleaved + 3] == "cpu";
                Interleaved.Run(filter, rounds, Console.Out, cpuTime);
                return 0;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
    }
}
