using System;
using System.Collections.Generic;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// A map from value ids to <typeparamref name="T"/> with a dictionary's indexer, <see cref="TryGetValue"/> and
    /// <see cref="ContainsKey"/>, held in arrays: ids are handed out densely from 0, and a pass over a long body would
    /// otherwise spend its time growing and hashing dictionaries. The arrays are pages of <see cref="PageSize"/> ids, so
    /// that growing copies no entry and no array is large enough for the large object heap (each collection of which
    /// walks the whole heap: one contiguous array per map made a 2,000-statement method's run collect it several times).
    /// A negative key (a pass's own marker, not a value) goes to a dictionary on the side. Enumeration is in key order,
    /// negative keys first.
    /// </summary>
    public sealed class IdMap<T> : IEnumerable<KeyValuePair<int, T>>
    {
        private const int PageBits = 10;
        private const int PageSize = 1 << PageBits;
        private const int PageMask = PageSize - 1;

        private T[]?[] _values = Array.Empty<T[]?>();
        private bool[]?[] _present = Array.Empty<bool[]?>();
        private Dictionary<int, T>? _negative;

        public int Count { get; private set; }

        public T this[int id]
        {
            get => TryGetValue(id, out var value) ? value : throw new KeyNotFoundException("No value " + id + ".");
            set
            {
                if (id < 0)
                {
                    _negative ??= new Dictionary<int, T>();
                    if (!_negative.ContainsKey(id)) Count++;
                    _negative[id] = value;
                    return;
                }
                int page = id >> PageBits;
                if (page >= _values.Length)
                {
                    int size = Math.Max(page + 1, Math.Max(4, 2 * _values.Length));
                    Array.Resize(ref _values, size);
                    Array.Resize(ref _present, size);
                }
                var values = _values[page];
                var present = _present[page];
                if (values == null || present == null)
                {
                    _values[page] = values = new T[PageSize];
                    _present[page] = present = new bool[PageSize];
                }
                int slot = id & PageMask;
                if (!present[slot]) Count++;
                values[slot] = value;
                present[slot] = true;
            }
        }

        public bool TryGetValue(int id, out T value)
        {
            if (id >= 0)
            {
                int page = id >> PageBits;
                if (page < _values.Length && _present[page] is bool[] present && present[id & PageMask])
                {
                    value = _values[page]![id & PageMask];
                    return true;
                }
            }
            else if (_negative != null) return _negative.TryGetValue(id, out value!);
            value = default!;
            return false;
        }

        public bool ContainsKey(int id)
        {
            if (id < 0) return _negative != null && _negative.ContainsKey(id);
            int page = id >> PageBits;
            return page < _present.Length && _present[page] is bool[] present && present[id & PageMask];
        }

        public IEnumerator<KeyValuePair<int, T>> GetEnumerator()
        {
            if (_negative != null)
            {
                var keys = new List<int>(_negative.Keys);
                keys.Sort();
                foreach (int key in keys) yield return new KeyValuePair<int, T>(key, _negative[key]);
            }
            for (int page = 0; page < _values.Length; page++)
            {
                var values = _values[page];
                var present = _present[page];
                if (values == null || present == null) continue;
                for (int slot = 0; slot < PageSize; slot++)
                {
                    if (present[slot]) yield return new KeyValuePair<int, T>((page << PageBits) | slot, values[slot]);
                }
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
