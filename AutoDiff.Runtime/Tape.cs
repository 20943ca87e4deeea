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
    /// steady state. <see cref="Tape.Release{TResult, T1}(TResult, T1[])"/> (what generated code
    /// calls) or <see cref="Dispose"/> returns any rented array.
    /// </summary>
    /// <remarks>
    /// Every instance member is inlined, and the one out-of-line path (growth) is a static method that takes the
    /// tape's fields by value and returns the new array: no call ever takes the tape's address, so the JIT promotes
    /// its fields (the span's pointer and length, the count, the rented array) to separate locals, which cost what
    /// a <c>Span&lt;T&gt;</c> and an <c>int</c> declared in the generated method would. (Where a method has more
    /// live values than registers they live in its stack frame, as such locals would. What does cost in a loop is
    /// a growth path inside it, a call that redefines the fields: see <see cref="Reserve"/>.)
    /// </remarks>
    public ref struct Tape<T> where T : unmanaged
    {
        /// <summary>The largest number of values a tape holds (the CLR's limit on an array's length).</summary>
        private const int MaxLength = 0x7FFFFFC7;

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
        public int Count
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => _count;
        }

        /// <summary>How many values fit before the tape has to grow.</summary>
        public int Capacity
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => _items.Length;
        }

        /// <summary>
        /// The pooled array the tape lives in once it has outgrown its initial memory (else null), for
        /// <see cref="Tape.Release{TResult, T1}(TResult, T1[])"/> to return to the pool.
        /// </summary>
        public T[]? Rented
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => _rented;
        }

        // Push and Pop sit in the hottest loops of reverse-mode code: inlined, the tape's fields can live in
        // registers; growth stays out of line so the loop body has no call on its common path.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Push(T value)
        {
            if ((uint)_count >= (uint)_items.Length) Grow(1);
            _items[_count++] = value;
        }

        /// <summary>
        /// Makes room for <paramref name="count"/> more values, so that many <see cref="PushReserved"/> calls
        /// follow without a capacity check. Zero or a negative count does nothing (a loop that runs no
        /// iteration). Generated code calls it before a loop whose iteration count (or a small upper
        /// bound on it) is known on entry, with the number of iterations times the values each records,
        /// so the loop itself contains no call: on x64 a call anywhere in a loop (even on a cold path)
        /// makes the JIT keep the loop's <c>double</c>s in memory, because no vector register survives it.
        /// A reserve is itself such a call (one that redefines the tape's fields) for the loops around it: in the
        /// forward sweep of ADBench's GMM, three reserves per component inside the point loop make the recording cost
        /// more than twice what one reserve before the point loop does, while a local span and count in place of the
        /// tape, with the same growth checks where the reserves are, cost as much as the tape.
        /// </summary>
        /// <exception cref="InvalidOperationException">The tape would hold more values than an array can.</exception>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Reserve(long count)
        {
            if (count > _items.Length - _count) Grow(count);
        }

        /// <summary>
        /// Records <paramref name="value"/> in room that <see cref="Reserve"/> made: no capacity check and
        /// never a growth (so no call). The write is still bounds-checked: pushing more than was reserved
        /// (a bug) throws <see cref="IndexOutOfRangeException"/> rather than writing past the tape.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PushReserved(T value) => _items[_count++] = value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Pop() => _items[--_count];

        /// <summary>
        /// The tape's values and, in <paramref name="count"/>, how many it holds: for a loop that records and takes back
        /// through these two locals, <c>values[count++] = v</c> in room <see cref="Reserve"/> made and
        /// <c>v = values[--count]</c>, then hands the count back with <see cref="Close"/>. Generated code does this around a
        /// loop whose every use of the tape is such a push or pop. The tape's own count lives in memory (a reserve or a
        /// growth takes the tape by reference), so each <see cref="PushReserved"/> and <see cref="Pop"/> loads and stores it,
        /// one after the other; a local count stays in a register (ADBench GMM d = 10: the gradient 2.36 → 2.27 objectives).
        /// Between the two calls nothing else may use the tape. The accesses stay bounds-checked.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Span<T> Open(out int count)
        {
            count = _count;
            return _items;
        }

        /// <summary>Ends what <see cref="Open"/> began: <paramref name="count"/> values are on the tape.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Close(int count) => _count = count;

        /// <summary>
        /// Records all of <paramref name="values"/> (a buffer's contents that a later write will change and
        /// the reverse sweep needs as they are now).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PushAll(ReadOnlySpan<T> values)
        {
            if (values.Length > _items.Length - _count) Grow(values.Length);
            values.CopyTo(_items.Slice(_count));
            _count += values.Length;
        }

        /// <summary>Takes back what <see cref="PushAll(ReadOnlySpan{T})"/> recorded, into <paramref name="into"/> (of the same length).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PopAll(Span<T> into)
        {
            _count -= into.Length;
            _items.Slice(_count, into.Length).CopyTo(into);
        }

        /// <summary>Records all of a rectangular array, row by row (a checkpoint's snapshot of an array the loop writes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PushAll(T[,] values)
        {
            if (values.Length > _items.Length - _count) Grow(values.Length);
            foreach (var value in values) _items[_count++] = value;
        }

        /// <summary>Takes back what <see cref="PushAll(T[,])"/> recorded, into <paramref name="into"/> (of the same shape).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PopAll(T[,] into)
        {
            _count -= into.Length;
            int at = _count, columns = into.GetLength(1);
            for (int i = 0; i < into.GetLength(0); i++) for (int j = 0; j < columns; j++) into[i, j] = _items[at++];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Grow(long needed)
        {
            // The fields go out and the new array comes back by value: passing the tape (or a field of it) by
            // reference would pin it in memory for the whole method and keep its fields out of registers.
            var larger = Expand(_items, _count, _rented, needed);
            _rented = larger;
            _items = larger;
        }

        /// <summary>
        /// A pooled array for at least <paramref name="count"/> + <paramref name="needed"/> values, at least twice the
        /// current size, holding the current ones; returns <paramref name="rented"/> (the array the tape leaves) to the pool.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static T[] Expand(Span<T> items, int count, T[]? rented, long needed)
        {
            long required = count + needed;
            if (required > MaxLength)
            {
                throw new InvalidOperationException("A reverse-mode tape would have to hold " + required + " values, more than an array can.");
            }
            long size = Math.Min(MaxLength, Math.Max(required, Math.Max(16L, 2L * items.Length)));
            var larger = ArrayPool<T>.Shared.Rent((int)size);
            items.Slice(0, count).CopyTo(larger);
            if (rented != null) ArrayPool<T>.Shared.Return(rented);
            return larger;
        }

        /// <summary>Returns any rented array to the pool and empties the tape.</summary>
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

    /// <summary>
    /// Ends the tapes of a generated reverse-mode method: <c>return Tape.Release(result, doubleTape.Rented, …);</c>
    /// returns the tapes' pooled arrays (<see cref="Tape{T}.Rented"/>) and passes the method's result through.
    /// </summary>
    /// <remarks>
    /// Each overload is one call that is never inlined, made after the method's last loop, with the result
    /// as an argument instead of held across it. A <c>using</c> declaration (a try/finally with an inlined
    /// <c>Dispose</c>) or any call after the loops with loop-carried <c>double</c>s live across it makes
    /// RyuJIT give those values stack homes (on x64 no vector register survives a call) and store and
    /// reload them in every iteration. It takes the arrays rather than the tapes: a tape passed by value
    /// is copied through memory, which costs more than the call. The price of not using <c>using</c>: if the
    /// method throws, a rented array is not returned to the pool; the garbage collector reclaims it, and the
    /// pool rents a new one later.
    /// </remarks>
    public static class Tape
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static TResult Release<TResult, T1>(TResult result, T1[]? rented1)
            where TResult : unmanaged where T1 : unmanaged
        {
            Return(rented1);
            return result;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static TResult Release<TResult, T1, T2>(TResult result, T1[]? rented1, T2[]? rented2)
            where TResult : unmanaged where T1 : unmanaged where T2 : unmanaged
        {
            Return(rented1);
            Return(rented2);
            return result;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static TResult Release<TResult, T1, T2, T3>(TResult result, T1[]? rented1, T2[]? rented2, T3[]? rented3)
            where TResult : unmanaged where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged
        {
            Return(rented1);
            Return(rented2);
            Return(rented3);
            return result;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static TResult Release<TResult, T1, T2, T3, T4>(TResult result, T1[]? rented1, T2[]? rented2, T3[]? rented3, T4[]? rented4)
            where TResult : unmanaged where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged
        {
            Return(rented1);
            Return(rented2);
            Return(rented3);
            Return(rented4);
            return result;
        }

        /// <summary>The form for a method without a result (the Vjp of a vector-valued method).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Release<T1>(T1[]? rented1)
            where T1 : unmanaged
        {
            Return(rented1);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Release<T1, T2>(T1[]? rented1, T2[]? rented2)
            where T1 : unmanaged where T2 : unmanaged
        {
            Return(rented1);
            Return(rented2);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Release<T1, T2, T3>(T1[]? rented1, T2[]? rented2, T3[]? rented3)
            where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged
        {
            Return(rented1);
            Return(rented2);
            Return(rented3);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Release<T1, T2, T3, T4>(T1[]? rented1, T2[]? rented2, T3[]? rented3, T4[]? rented4)
            where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged
        {
            Return(rented1);
            Return(rented2);
            Return(rented3);
            Return(rented4);
        }

        [ThreadStatic]
        private static long s_rentedBytes;

        /// <summary>
        /// The bytes of pooled tape memory the generated methods that ended on this thread had rented (each tape's
        /// array when it ends, <see cref="Release{TResult, T1}(TResult, T1[])"/>), since <see cref="ResetRentedBytes"/>:
        /// what a gradient call's tapes took beyond their 64-value stack start. A tape grows by doubling, so this is
        /// at least the bytes recorded and less than twice them (plus the pool's rounding to a power of two). For
        /// measurement (the benchmarks report it per call); generated code never reads it.
        /// </summary>
        public static long RentedBytes => s_rentedBytes;

        /// <summary>Sets <see cref="RentedBytes"/> back to zero.</summary>
        public static void ResetRentedBytes() => s_rentedBytes = 0;

        private static void Return<T>(T[]? rented) where T : unmanaged
        {
            if (rented == null) return;
            s_rentedBytes += (long)rented.Length * Unsafe.SizeOf<T>();
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
