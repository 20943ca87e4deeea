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
    /// those accesses (the IR's <c>InRange</c> payload) and only on a span that is a parameter or a buffer the method
    /// makes; everything else, the forward sweep and arrays included, keeps its check. The JIT cannot remove these checks
    /// itself (the indices of a reverse loop count down from values it cannot relate to the lengths). The index is
    /// zero-extended (<c>(nint)(uint)</c>): it is not negative, and the JIT then widens a loop's index to 64 bits once
    /// instead of sign-extending it at every access (GMM's gradient 6% faster than with a plain <c>int</c> offset). Arrays
    /// keep their checks: measured, an unchecked array access costs more (its null check is not hoisted), and loop cloning
    /// removes the checks of an array indexed by a loop's counter. Plumbing, not API.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Unchecked
    {
        /// <summary><c>ref span[index]</c>, without the bounds check.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T At<T>(Span<T> span, int index) => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index);

        /// <summary><c>ref readonly span[index]</c>, without the bounds check.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref readonly T At<T>(ReadOnlySpan<T> span, int index) => ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index);
    }
}
