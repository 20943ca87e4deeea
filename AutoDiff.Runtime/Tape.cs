using System;
using System.Buffers;

namespace AutoDiff
{
    /// <summary>
    /// A last-in-first-out stack of values, used by generated reverse-mode code to record what a loop
    /// overwrites (its carried values, once per iteration) so the reverse sweep can read them back.
    /// It starts in caller-provided stack memory and moves to arrays rented from
    /// <see cref="ArrayPool{T}.Shared"/> when that fills, so a call allocates nothing on the GC heap in
    /// steady state. <see cref="Dispose"/> returns any rented array.
    /// </summary>
    public ref struct Tape<T> where T : unmanaged
    {
        private Span<T> _items;
        private T[]? _rented;
        private int _count;

        public Tape(Span<T> initial)
        {
            _items = initial;
            _rented = null;
            _count = 0;
        }

        /// <summary>The number of values recorded and not yet taken back.</summary>
        public int Count => _count;

        public void Push(T value)
        {
            if (_count == _items.Length) Grow();
            _items[_count++] = value;
        }

        public T Pop() => _items[--_count];

        private void Grow()
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(16, _items.Length * 2));
            _items.Slice(0, _count).CopyTo(larger);
            if (_rented != null) ArrayPool<T>.Shared.Return(_rented);
            _rented = larger;
            _items = larger;
        }

        public void Dispose()
        {
            if (_rented != null)
            {
                ArrayPool<T>.Shared.Return(_rented);
                _rented = null;
            }
            _items = default;
            _count = 0;
        }
    }
}
