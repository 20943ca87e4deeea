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

        /// <summary>
        /// Rents a buffer (not cleared) only when <paramref name="length"/> exceeds <paramref name="stackLimit"/>: generated
        /// code takes a <c>stackalloc</c> span of the length otherwise (see <see cref="Rented"/>), so a small Jacobian or
        /// seed costs no pool traffic.
        /// </summary>
        public static Scratch<T> Above(int length, int stackLimit)
        {
            var scratch = default(Scratch<T>);
            if (length > stackLimit)
            {
                scratch._rented = ArrayPool<T>.Shared.Rent(length);
                scratch.Span = new Span<T>(scratch._rented, 0, length);
            }
            return scratch;
        }

        /// <summary>Whether this holds a pooled buffer (else it is empty: the caller's span lives on the stack).</summary>
        public bool Rented => _rented != null;

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
