using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiff
{
    /// <summary>
    /// Lanes of a span for generated companions: a loop whose iterations add into a local adjoint (a dot product,
    /// <c>x̄ += ȳ[j]·a[j]</c>; the <c>vector-sums</c> pass) or map elements (<c>y[j] += a[l + j]·z</c>; <c>vector-maps</c>)
    /// runs <see cref="Vector{T}.Count"/> iterations at once. <see cref="Load{T}(Span{T}, int)"/>, <see cref="Store{T}"/>
    /// and <see cref="AddTo{T}"/> check nothing, as <see cref="Unchecked"/>: the generator uses them for accesses it has
    /// marked in range (each element of the lanes is one a scalar iteration reads or writes, with the forward sweep's
    /// bounds check behind it). The <c>…Checked</c> forms check the whole vector, for accesses the scalar loop checks,
    /// and throw what the indexer throws. The index is zero-extended. Plumbing, not API.
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

        /// <summary>The elements <c>span[index] … span[index + Count − 1]</c>, or <see cref="IndexOutOfRangeException"/> if any is outside the span (as the indexer throws).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> LoadChecked<T>(ReadOnlySpan<T> span, int index) where T : struct
        {
            if ((long)(uint)index + Vector<T>.Count > span.Length) ThrowIndex();
            return Load(span, index);
        }

        /// <summary>The elements <c>span[index] … span[index + Count − 1]</c>, or <see cref="IndexOutOfRangeException"/> if any is outside the span.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<T> LoadChecked<T>(Span<T> span, int index) where T : struct
        {
            if ((long)(uint)index + Vector<T>.Count > span.Length) ThrowIndex();
            return Load(span, index);
        }

        /// <summary><see cref="Store{T}"/>, or <see cref="IndexOutOfRangeException"/> (nothing written) if any lane is outside the span.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreChecked<T>(Span<T> span, int index, Vector<T> value) where T : struct
        {
            if ((long)(uint)index + Vector<T>.Count > span.Length) ThrowIndex();
            Store(span, index, value);
        }

        /// <summary><see cref="AddTo{T}"/>, or <see cref="IndexOutOfRangeException"/> (nothing written) if any lane is outside the span.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddToChecked<T>(Span<T> span, int index, Vector<T> value) where T : struct
        {
            if ((long)(uint)index + Vector<T>.Count > span.Length) ThrowIndex();
            AddTo(span, index, value);
        }

        // Out of line, so the checks inline as a compare and a branch.
        private static void ThrowIndex() => throw new IndexOutOfRangeException();

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
