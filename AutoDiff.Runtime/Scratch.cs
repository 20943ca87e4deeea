using System;
using System.Buffers;

namespace AutoDiff
{
    /// <summary>
    /// A zeroed working buffer rented from <see cref="ArrayPool{T}.Shared"/>, for generated code that
    /// needs a span whose length is known only at run time (the adjoints of a vector-valued method's
    /// outputs, the basis vectors of a Jacobian). <see cref="Dispose"/> returns it, so a call
    /// allocates nothing on the GC heap in steady state.
    /// </summary>
    public ref struct Scratch<T> where T : unmanaged
    {
        private T[]? _rented;

        public Scratch(int length)
        {
            _rented = ArrayPool<T>.Shared.Rent(Math.Max(1, length));
            Span = new Span<T>(_rented, 0, length);
            Span.Clear();
        }

        /// <summary>The buffer, of exactly the requested length.</summary>
        public Span<T> Span { get; private set; }

        /// <summary>A scratch buffer holding a copy of <paramref name="source"/>.</summary>
        public static Scratch<T> CopyOf(ReadOnlySpan<T> source)
        {
            var scratch = new Scratch<T>(source.Length);
            source.CopyTo(scratch.Span);
            return scratch;
        }

        public void Dispose()
        {
            if (_rented != null) ArrayPool<T>.Shared.Return(_rented);
            _rented = null;
            Span = default;
        }
    }
}
