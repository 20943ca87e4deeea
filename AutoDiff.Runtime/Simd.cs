using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiff
{
    /// <summary>
    /// Lanes of a span for the reverse sweep of generated companions (the <c>vector-sums</c> pass): a loop whose
    /// iterations add into a local adjoint (a dot product, <c>x̄ += ȳ[j]·a[j]</c>) runs <see cref="Vector{T}.Count"/>
    /// iterations at once, summing into the lanes of a vector, then adds the lanes' sum to the local. As
    /// <see cref="Unchecked"/>, no bounds check: the generator only does this to accesses it has marked in range (each
    /// element of the lanes is one a scalar iteration reads or writes, with the forward sweep's bounds check behind
    /// it). The index is zero-extended. Plumbing, not API.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Simd
    {
        /// <summary>The elements <c>span[index] … span[index + Count − 1]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> Load<T>(ReadOnlySpan<T> span, int index) where T : struct =>
            Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index)));

        /// <summary>The elements <c>span[index] … span[index + Count − 1]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> Load<T>(Span<T> span, int index) where T : struct =>
            Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index)));

        /// <summary>Writes <paramref name="value"/>'s lanes to <c>span[index] …</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store<T>(Span<T> span, int index, Vector<T> value) where T : struct =>
            Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index)), value);

        /// <summary>Adds <paramref name="value"/>'s lanes into <c>span[index] …</c>, lane by lane (each the same addition a scalar <c>+=</c> makes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddTo<T>(Span<T> span, int index, Vector<T> value) where T : struct
        {
            ref byte at = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), (nint)(uint)index));
            Unsafe.WriteUnaligned(ref at, Unsafe.ReadUnaligned<Vector<T>>(ref at) + value);
        }

        /// <summary>The sum of the lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum<T>(Vector<T> value) where T : struct
        {
#if NET8_0_OR_GREATER
            return Vector.Sum(value);
#else
            return Vector.Dot(value, Vector<T>.One);
#endif
        }
    }
}
