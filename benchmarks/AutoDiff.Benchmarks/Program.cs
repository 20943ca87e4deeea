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
        /// BenchmarkDotNet involved, a second or so); anything else goes to BenchmarkDotNet, for
        /// example <c>-- --filter '*' --job short</c>.
        /// </summary>
        public static int Main(string[] args)
        {
            if (args.Contains("--verify"))
            {
                CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
                return Verification.Run(Console.Out) ? 0 : 1;
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
    }
}
