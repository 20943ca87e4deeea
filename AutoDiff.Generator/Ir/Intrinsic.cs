using System;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// A function the rule table knows (<see cref="Derivatives.RuleTable"/>): a <c>System.Math</c>/<c>System.MathF</c> member, or
    /// an <c>AutoDiff.Ad</c>/<c>AutoDiff.AdMath</c> one, by its member name. The table is the list: adding a function is a row
    /// there. The named values below are only those that code (a rule, a transform) refers to by name.
    /// </summary>
    public readonly struct Intrinsic : IEquatable<Intrinsic>
    {
        private readonly int _hash;

        public Intrinsic(string name)
        {
            Name = name;
            _hash = StringComparer.Ordinal.GetHashCode(name);
        }

        /// <summary>The member name (<c>Sin</c>), or null for <see cref="None"/>.</summary>
        public string? Name { get; }

        public static readonly Intrinsic None = default;
        public static readonly Intrinsic Sin = new Intrinsic("Sin");
        public static readonly Intrinsic Cos = new Intrinsic("Cos");
        public static readonly Intrinsic Sinh = new Intrinsic("Sinh");
        public static readonly Intrinsic Cosh = new Intrinsic("Cosh");
        public static readonly Intrinsic Log = new Intrinsic("Log");
        public static readonly Intrinsic Sqrt = new Intrinsic("Sqrt");
        public static readonly Intrinsic Pow = new Intrinsic("Pow");
        public static readonly Intrinsic Truncate = new Intrinsic("Truncate");
        /// <summary><c>AutoDiff.Ad.StopGradient</c>: identity with derivative zero.</summary>
        public static readonly Intrinsic StopGradient = new Intrinsic("StopGradient");
        public static readonly Intrinsic Sigmoid = new Intrinsic("Sigmoid");
        /// <summary><c>AutoDiff.AdMath.LogSumExp</c>: a function of a whole sequence.</summary>
        public static readonly Intrinsic LogSumExp = new Intrinsic("LogSumExp");

        public bool Equals(Intrinsic other) => string.Equals(Name, other.Name, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Intrinsic other && Equals(other);

        public override int GetHashCode() => _hash;

        public static bool operator ==(Intrinsic a, Intrinsic b) => a.Equals(b);

        public static bool operator !=(Intrinsic a, Intrinsic b) => !a.Equals(b);

        public override string ToString() => Name ?? "None";
    }
}
