using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Identity comparison for IR records, which otherwise compare by value: two branches with the
    /// same instructions are still two places in a function.
    /// </summary>
    public sealed class ReferenceComparer<T> : IEqualityComparer<T> where T : class
    {
        public static readonly ReferenceComparer<T> Instance = new ReferenceComparer<T>();

        public bool Equals(T? x, T? y) => ReferenceEquals(x, y);

        public int GetHashCode(T obj) => RuntimeHelpers.GetHashCode(obj);
    }
}
