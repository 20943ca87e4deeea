using System;
using System.Buffers;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Runtime;

/// <summary>
/// <see cref="Tape{T}"/> and <see cref="Tape.Release{TResult, T1}(TResult, T1[])"/> directly: what generated
/// reverse-mode code relies on (room made by <c>Reserve</c>, last-in-first-out order across the stack
/// part and pooled arrays, arrays handed back by <c>Release</c>, nothing allocated in steady state).
/// </summary>
public sealed class TapeTests
{
    [Test]
    public void Reserve_within_the_stack_part_does_not_rent()
    {
        var tape = new Tape<double>(stackalloc double[64]);
        tape.Reserve(64);
        Assert.That(tape.Capacity, Is.EqualTo(64));
        Assert.That(tape.Rented, Is.Null);
        for (int i = 0; i < 64; i++) tape.PushReserved(i);
        Assert.That(tape.Count, Is.EqualTo(64));
        for (int i = 63; i >= 0; i--) Assert.That(tape.Pop(), Is.EqualTo(i));
    }

    [Test]
    public void Open_hands_the_values_and_count_to_locals_and_close_takes_the_count_back()
    {
        // What generated code does around a loop that only pushes into reserved room and pops: the same order as
        // PushReserved and Pop, across the stack part and a pooled array.
        var tape = new Tape<double>(stackalloc double[4]);
        tape.Push(-1);
        tape.Reserve(100);
        var values = tape.Open(out int count);
        Assert.That(count, Is.EqualTo(1));
        Assert.That(values.Length, Is.EqualTo(tape.Capacity));
        for (int i = 0; i < 100; i++) values[count++] = i;
        for (int i = 99; i >= 60; i--) Assert.That(values[--count], Is.EqualTo(i));
        tape.Close(count);
        Assert.That(tape.Count, Is.EqualTo(61));
        for (int i = 59; i >= 0; i--) Assert.That(tape.Pop(), Is.EqualTo(i));
        Assert.That(tape.Pop(), Is.EqualTo(-1));

        // Beyond the room (a bug in the reserve) the write still throws, as PushReserved does.
        var small = new Tape<double>(stackalloc double[2]);
        var room = small.Open(out int at);
        room[at++] = 1;
        room[at++] = 2;
        bool threw = false;
        try { room[at++] = 3; } catch (IndexOutOfRangeException) { threw = true; }
        Assert.That(threw, "a push past the tape's room throws");
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    public void Reserving_no_iterations_does_nothing(long count)
    {
        var tape = new Tape<double>(stackalloc double[4]);
        tape.Push(1);
        tape.Reserve(count);
        Assert.That(tape.Capacity, Is.EqualTo(4));
        Assert.That(tape.Rented, Is.Null);
        Assert.That(tape.Pop(), Is.EqualTo(1));
    }

    [Test]
    public void Reserve_moves_from_the_stack_to_the_pool_and_beyond_keeping_the_order()
    {
        var tape = new Tape<double>(stackalloc double[64]);
        for (int i = 0; i < 40; i++) tape.Push(i);

        // 40 on the stack, room for 60 more: the stack part is too small.
        tape.Reserve(60);
        var first = tape.Rented;
        Assert.That(first, Is.Not.Null);
        Assert.That(tape.Capacity, Is.GreaterThanOrEqualTo(100));
        for (int i = 40; i < 100; i++) tape.PushReserved(i);

        // And again, far beyond the first array: at least the requested room, not just twice the size.
        tape.Reserve(100_000);
        Assert.That(tape.Rented, Is.Not.Null.And.Not.SameAs(first));
        Assert.That(tape.Capacity, Is.GreaterThanOrEqualTo(100_100));
        for (int i = 100; i < 100_100; i++) tape.PushReserved(i);

        // Room left over is kept: reserving what is already there does not grow.
        int capacity = tape.Capacity;
        tape.Reserve(capacity - tape.Count);
        Assert.That(tape.Capacity, Is.EqualTo(capacity));

        Assert.That(tape.Count, Is.EqualTo(100_100));
        for (int i = 100_099; i >= 0; i--)
        {
            double value = tape.Pop();
            if (value != i) Assert.Fail($"popped {value} where {i} was pushed");
        }
        Assert.That(tape.Count, Is.EqualTo(0));
        Tape.Release(tape.Rented);
    }

    [Test]
    public void Checked_and_reserved_pushes_mix_across_growth()
    {
        var tape = new Tape<int>(stackalloc int[8]);
        int next = 0;
        for (int round = 0; round < 50; round++)
        {
            tape.Reserve(round % 7);
            for (int k = 0; k < round % 7; k++) tape.PushReserved(next++);
            tape.Push(next++);
            tape.PushAll(new[] { next, next + 1, next + 2 });
            next += 3;
        }
        for (int expected = next - 1; expected >= 0; expected--) Assert.That(tape.Pop(), Is.EqualTo(expected));
        Tape.Release(tape.Rented);
    }

    [Test]
    public void PushReserved_beyond_the_room_throws_rather_than_writing_past_the_tape()
    {
        var tape = new Tape<double>(stackalloc double[2]);
        tape.Reserve(2);
        tape.PushReserved(1);
        tape.PushReserved(2);
        bool threw = false;
        try
        {
            tape.PushReserved(3);
        }
        catch (IndexOutOfRangeException)
        {
            threw = true;
        }
        Assert.That(threw, Is.True);
    }

    [Test]
    public void Reserving_more_than_an_array_holds_throws()
    {
        var tape = new Tape<double>(stackalloc double[2]);
        tape.Push(1);
        string? message = null;
        try
        {
            tape.Reserve(int.MaxValue);
        }
        catch (InvalidOperationException e)
        {
            message = e.Message;
        }
        Assert.That(message, Does.Contain("more than an array can"));
        Assert.That(tape.Rented, Is.Null);
        Assert.That(tape.Pop(), Is.EqualTo(1));
    }

    [Test]
    public void Release_passes_the_result_through()
    {
        Assert.That(Tape.Release(2.5, (double[]?)null), Is.EqualTo(2.5));
        Assert.That(Tape.Release(1.25f, (double[]?)null, (int[]?)null), Is.EqualTo(1.25f));
        Assert.That(Tape.Release(-3.0, (double[]?)null, (int[]?)null, (bool[]?)null), Is.EqualTo(-3.0));
        Assert.That(Tape.Release(7.0, (double[]?)null, (int[]?)null, (bool[]?)null, (float[]?)null), Is.EqualTo(7.0));
        Assert.DoesNotThrow(() => Tape.Release((double[]?)null, (int[]?)null, (bool[]?)null, (float[]?)null));
    }

    [Test]
    public void Release_returns_the_rented_arrays_to_the_pool()
    {
        var doubles = new Tape<double>(stackalloc double[4]);
        var ints = new Tape<int>(stackalloc int[4]);
        doubles.Reserve(1000);
        ints.Reserve(1000);
        double[] rentedDoubles = doubles.Rented!;
        int[] rentedInts = ints.Rented!;

        Assert.That(Tape.Release(4.5, doubles.Rented, ints.Rented), Is.EqualTo(4.5));

        // The shared pool keeps a returned array for its thread: the next rental of that size gets it back.
        double[] againDoubles = ArrayPool<double>.Shared.Rent(rentedDoubles.Length);
        int[] againInts = ArrayPool<int>.Shared.Rent(rentedInts.Length);
        Assert.That(againDoubles, Is.SameAs(rentedDoubles));
        Assert.That(againInts, Is.SameAs(rentedInts));
        ArrayPool<double>.Shared.Return(againDoubles);
        ArrayPool<int>.Shared.Return(againInts);
    }

    [Test]
    public void A_tape_that_reserves_and_releases_allocates_nothing_in_steady_state()
    {
        double sink = Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sink += Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), $"sink {sink}");

        static double Run()
        {
            var tape = new Tape<double>(stackalloc double[64]);
            var flags = new Tape<bool>(stackalloc bool[64]);
            tape.Reserve(10_000);
            for (int i = 0; i < 10_000; i++) tape.PushReserved(i * 0.5);
            for (int i = 0; i < 100; i++) flags.Push(i % 3 == 0);
            double sum = 0;
            while (tape.Count > 0) sum += tape.Pop();
            while (flags.Count > 0) sum += flags.Pop() ? 1 : 0;
            return Tape.Release(sum, tape.Rented, flags.Rented);
        }
    }
}
