using System.Collections.Generic;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// A set of value ids as bits (ids are handed out densely from 0): what a <see cref="HashSet{T}"/> of ids does for a
    /// pass over a long body, without hashing, entries or their growth. 64 ids a word, so even a 100,000-value function's
    /// set stays far from the large object heap. A negative id (a pass's own marker) goes to a set on the side.
    /// </summary>
    public sealed class IdSet
    {
        private ulong[] _bits = new ulong[16];
        private HashSet<int>? _negative;

        public int Count { get; private set; }

        /// <summary>Adds <paramref name="id"/>; false when it was there already.</summary>
        public bool Add(int id)
        {
            if (id < 0)
            {
                _negative ??= new HashSet<int>();
                if (!_negative.Add(id)) return false;
                Count++;
                return true;
            }
            int word = id >> 6;
            if (word >= _bits.Length) System.Array.Resize(ref _bits, System.Math.Max(word + 1, 2 * _bits.Length));
            ulong bit = 1UL << (id & 63);
            if ((_bits[word] & bit) != 0) return false;
            _bits[word] |= bit;
            Count++;
            return true;
        }

        public bool Contains(int id)
        {
            if (id < 0) return _negative != null && _negative.Contains(id);
            int word = id >> 6;
            return word < _bits.Length && (_bits[word] & (1UL << (id & 63))) != 0;
        }
    }
}
