using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiff
{
    /// <summary>
    /// Element access without a bounds check, for the reverse sweep of generated companions. Every element the reverse
    /// sweep reads or writes is one the forward sweep already accessed, with the bounds check, at the same index: a
    /// primal element read again, the adjoint of an element read or written (an adjoint has its primal's length: a local
    /// one is made so, a parameter's is checked on entry), an overwritten element put back. The generator marks only
    /// those accesses (the IR's <c>InRange</c> payload) and only on a span or one-dimensional array that is a parameter
    /// or a buffer the method makes; everything else, the forward sweep included, keeps its check. The JIT cannot remove
    /// these checks itself (the indices of a reverse loop count down from values it cannot relate to the lengths).
    /// Plumbing, not API.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Unchecked
    {
        /// <summary><c>ref span[index]</c>, without the bounds check.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T At<T>(Span<T> span, int index) => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index);

        /// <summary><c>ref readonly span[index]</c>, without the bounds check.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref readonly T At<T>(ReadOnlySpan<T> span, int index) => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), index);

        /// <summary><c>ref array[index]</c>, without the bounds check where the framework allows it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T At<T>(T[] array, int index)
        {
#if NET5_0_OR_GREATER
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index);
#else
            return ref array[index];
#endif
        }
    }
}
