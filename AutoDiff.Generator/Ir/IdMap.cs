using System;
using System.Collections.Generic;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// A map from value ids to <typeparamref name="T"/> with a dictionary's indexer, <see cref="TryGetValue"/> and
    /// <see cref="ContainsKey"/>, held in an array: ids are handed out densely from 0, and a pass over a long body would
    /// otherwise spend its time growing and hashing dictionaries. A negative key (a pass's own marker, not a value) goes
    /// to a dictionary on the side. Enumeration is in key order, negative keys first.
    /// </summary>
    public sealed class IdMap<T> : IEnumerable<KeyValuePair<int, T>>
    {
        private T[] _values = Array.Empty<T>();
        private bool[] _present = Array.Empty<bool>();
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
                if (id >= _values.Length)
                {
                    int size = Math.Max(id + 1, Math.Max(16, 2 * _values.Length));
                    Array.Resize(ref _values, size);
                    Array.Resize(ref _present, size);
                }
                if (!_present[id]) Count++;
                _values[id] = value;
                _present[id] = true;
            }
        }

        public bool TryGetValue(int id, out T value)
        {
            if (id >= 0 && id < _values.Length && _present[id])
            {
                value = _values[id];
                return true;
            }
            if (id < 0 && _negative != null) return _negative.TryGetValue(id, out value!);
            value = default!;
            return false;
        }

        public bool ContainsKey(int id) => id >= 0 ? id < _present.Length && _present[id] : _negative != null && _negative.ContainsKey(id);

        public IEnumerator<KeyValuePair<int, T>> GetEnumerator()
        {
            if (_negative != null)
            {
                var keys = new List<int>(_negative.Keys);
                keys.Sort();
                foreach (int key in keys) yield return new KeyValuePair<int, T>(key, _negative[key]);
            }
            for (int id = 0; id < _values.Length; id++)
            {
                if (_present[id]) yield return new KeyValuePair<int, T>(id, _values[id]);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
