using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// Hint names (the generated files' names) that <c>AddSource</c> and every file system accept: only identifier
    /// characters and <c>. , - _ ( ) [ ] { }</c>, at most <see cref="MaxBytes"/> UTF-8 bytes (a file name over 255
    /// bytes breaks <c>EmitCompilerGeneratedFiles</c>), and unique ignoring case, as the compiler compares them.
    /// </summary>
    public static class HintNames
    {
        public const string Extension = ".g.cs";

        /// <summary>The longest hint name, extension included, leaving room for the folders the compiler writes it under.</summary>
        public const int MaxBytes = 120;

        /// <summary><paramref name="name"/> (without extension) with every character AddSource rejects replaced by '_'.</summary>
        public static string Sanitize(string name) =>
            new string(name.Select(c => char.IsLetterOrDigit(c) || "._,-()[]{}".IndexOf(c) >= 0 ? c : '_').ToArray());

        /// <summary>
        /// <paramref name="name"/> + <see cref="Extension"/>, or when that is too long, a prefix of it with a hash of the
        /// whole name, so long names stay distinct and stable.
        /// </summary>
        public static string Limit(string name)
        {
            if (Encoding.UTF8.GetByteCount(name + Extension) <= MaxBytes) return name + Extension;
            string suffix = "." + Hash(name) + Extension;
            int length = name.Length;
            while (length > 0 && (Encoding.UTF8.GetByteCount(name.Substring(0, length)) + suffix.Length > MaxBytes || char.IsHighSurrogate(name[length - 1])))
            {
                length--;
            }
            return name.Substring(0, length) + suffix;
        }

        /// <summary>
        /// Unique names for files in order: a name taken already (ignoring case) gets a hash of its method's identity, then
        /// a counter. Returns null for a file that repeats an earlier one exactly (the same method, the same text).
        /// </summary>
        public static List<string?> MakeUnique(IReadOnlyList<(string HintName, string Identity, string Source)> files)
        {
            var taken = new Dictionary<string, (string Identity, string Source)>(System.StringComparer.OrdinalIgnoreCase);
            var result = new List<string?>();
            foreach (var file in files)
            {
                string name = file.HintName;
                if (taken.TryGetValue(name, out var other))
                {
                    if (other.Identity == file.Identity && other.Source == file.Source)
                    {
                        result.Add(null);
                        continue;
                    }
                    string stem = name.EndsWith(Extension, System.StringComparison.Ordinal) ? name.Substring(0, name.Length - Extension.Length) : name;
                    name = Limit(stem + "." + Hash(file.Identity));
                    for (int n = 2; taken.ContainsKey(name); n++) name = Limit(stem + "." + Hash(file.Identity) + "." + n.ToString(CultureInfo.InvariantCulture));
                }
                taken[name] = (file.Identity, file.Source);
                result.Add(name);
            }
            return result;
        }

        /// <summary>FNV-1a over the UTF-16 code units: eight hex digits, the same on every machine and run.</summary>
        public static string Hash(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text)
            {
                hash ^= c;
                hash *= 16777619;
            }
            return hash.ToString("x8", CultureInfo.InvariantCulture);
        }
    }
}
