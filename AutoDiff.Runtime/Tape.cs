using System;
using System.Buffers;
using System.Runtime.CompilerServices;

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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Tape(Span<T> initial)
        {
            _items = initial;
            _rented = null;
            _count = 0;
        }

        /// <summary>The number of values recorded and not yet taken back.</summary>
        public int Count => _count;

        // Push and Pop sit in the hottest loops of reverse-mode code: inlined, the tape's fields can live in
        // registers; growth stays out of line so the loop body has no call on its common path.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Push(T value)
        {
            if ((uint)_count >= (uint)_items.Length) Grow();
            _items[_count++] = value;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Pop() => _items[--_count];

        /// <summary>
        /// Records all of <paramref name="values"/> (a buffer's contents that a later write will change and
        /// the reverse sweep needs as they are now).
        /// </summary>
        public void PushAll(ReadOnlySpan<T> values)
        {
            while (_items.Length - _count < values.Length) Grow();
            values.CopyTo(_items.Slice(_count));
            _count += values.Length;
        }

        /// <summary>Takes back what <see cref="PushAll"/> recorded, into <paramref name="into"/> (of the same length).</summary>
        public void PopAll(Span<T> into)
        {
            _count -= into.Length;
            _items.Slice(_count, into.Length).CopyTo(into);
        }

        private void Grow()
        {
            // The new buffer comes back by value: passing the tape (or a field of it) by reference would
            // pin it in memory for the whole method and keep its fields out of registers.
            var grown = Expand(_items, _count, _rented);
            _items = grown.Items;
            _rented = grown.Rented;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Grown Expand(Span<T> items, int count, T[]? rented)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(16, items.Length * 2));
            items.Slice(0, count).CopyTo(larger);
            if (rented != null) ArrayPool<T>.Shared.Return(rented);
            return new Grown(larger);
        }

        private readonly ref struct Grown
        {
            public Grown(T[] rented)
            {
                Rented = rented;
                Items = rented;
            }

            public T[] Rented { get; }

            public Span<T> Items { get; }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
