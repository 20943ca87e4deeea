using System;
using System.IO;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// Where ADBench's input files are (<c>gmm/</c>, <c>lstm/</c>, …): the folder named by
    /// <c>AUTODIFF_ADBENCH</c> if set, else <c>../shared/adbench</c> next to the repository root. They
    /// are never copied into this repository.
    /// </summary>
    public static class AdBenchInputs
    {
        /// <summary>The environment variable naming the ADBench input folder (the one holding <c>gmm/</c> and <c>lstm/</c>).</summary>
        public const string EnvironmentVariable = "AUTODIFF_ADBENCH";

        /// <summary>
        /// The path of <c>&lt;folder&gt;/&lt;name&gt;.txt</c> in the ADBench folder, or null when it is absent.
        /// With <c>AUTODIFF_ADBENCH</c> set, the file is also looked for directly in that folder. Otherwise the
        /// repository root is found by walking up from <see cref="AppContext.BaseDirectory"/> to the directory
        /// that holds <c>AutoDiff.sln</c>.
        /// </summary>
        public static string? Find(string folder, string name)
        {
            string file = name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? name : name + ".txt";
            string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                foreach (string candidate in new[] { Path.Combine(fromEnvironment, folder, file), Path.Combine(fromEnvironment, file) })
                    if (File.Exists(candidate)) return candidate;
            }
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (!File.Exists(Path.Combine(directory.FullName, "AutoDiff.sln"))) continue;
                string candidate = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "adbench", folder, file));
                return File.Exists(candidate) ? candidate : null;
            }
            return null;
        }
    }
}
