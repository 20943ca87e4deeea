using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Runtime;

/// <summary>
/// What lets the JIT keep a <see cref="Tape{T}"/>'s fields in registers (promoted to separate locals, as a local span
/// and count would be): no call ever takes the tape's address, because every instance member is inlined and the one
/// out-of-line path (growth) is static, takes the fields by value and returns the new array. And that this shape
/// keeps the tape's behaviour: growth from the 64-value stack start through several rented arrays, whole-buffer
/// pushes across a growth, <c>Dispose</c> and <c>Release</c>, no allocation in steady state.
/// </summary>
public sealed class TapeRegisterTests
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    [TestCase(typeof(Tape<double>))]
    [TestCase(typeof(Tape<int>))]
    [TestCase(typeof(Tape<bool>))]
    public void Every_instance_member_is_inlined_so_no_call_takes_the_tape_by_reference(Type tape)
    {
        var instance = tape.GetMethods(Declared).Where(m => !m.IsStatic).Cast<MethodBase>()
            .Concat(tape.GetConstructors(Declared)).ToList();
        Assert.That(instance.Select(m => m.Name), Does.Contain("Push").And.Contain("PushReserved").And.Contain("Pop")
            .And.Contain("Reserve").And.Contain("PushAll").And.Contain("PopAll").And.Contain("Grow").And.Contain("get_Count"));
        var notInlined = instance.Where(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveInlining) == 0)
            .Select(m => m.Name).ToList();
        Assert.That(notInlined, Is.Empty, "an instance method that is not inlined takes `ref this` and keeps the tape in memory");
    }

    [TestCase(typeof(Tape<double>))]
    [TestCase(typeof(Tape<int>))]
    public void The_out_of_line_growth_takes_everything_by_value(Type tape)
    {
        var outOfLine = tape.GetMethods(Declared)
            .Where(m => (m.MethodImplementationFlags & MethodImplAttributes.NoInlining) != 0).ToList();
        Assert.That(outOfLine.Select(m => m.Name), Is.EqualTo(new[] { "Expand" }));
        foreach (var method in outOfLine)
        {
            Assert.That(method.IsStatic, Is.True, method.Name);
            Assert.That(method.GetParameters().Where(p => p.ParameterType.IsByRef).Select(p => p.Name), Is.Empty, method.Name);
            Assert.That(method.ReturnType.IsByRef, Is.False, method.Name);
        }
    }

    [Test]
    public void Checked_pushes_grow_from_the_stack_start_through_several_rented_arrays()
    {
        var tape = new Tape<double>(stackalloc double[64]);
        var arrays = new List<double[]>();
        var capacities = new List<int> { tape.Capacity };
        for (int i = 0; i < 5000; i++)
        {
            tape.Push(i + 0.25);
            if (tape.Rented != null && (arrays.Count == 0 || !ReferenceEquals(arrays[arrays.Count - 1], tape.Rented)))
            {
                arrays.Add(tape.Rented);
                capacities.Add(tape.Capacity);
                // The tape lives in the whole rented array: the span and the array are the same memory.
                Assert.That(tape.Capacity, Is.EqualTo(tape.Rented.Length));
            }
        }

        Assert.That(tape.Rented, Is.Not.Null);
        Assert.That(tape.Count, Is.EqualTo(5000));
        // 64 on the stack, then at least doubling: 128, 256, 512, 1024, 2048, 4096, 8192 (the pool's sizes).
        Assert.That(arrays.Count, Is.GreaterThanOrEqualTo(5));
        Assert.That(arrays.Distinct().Count(), Is.EqualTo(arrays.Count));
        for (int i = 1; i < capacities.Count; i++) Assert.That(capacities[i], Is.GreaterThanOrEqualTo(2 * capacities[i - 1]));

        for (int i = 4999; i >= 0; i--)
        {
            double value = tape.Pop();
            if (value != i + 0.25) Assert.Fail($"popped {value} where {i + 0.25} was pushed");
        }
        Assert.That(tape.Count, Is.EqualTo(0));

        // Each growth returned the array it left; the last one goes back with Release.
        double[] last = tape.Rented!;
        Tape.Release(tape.Rented);
        double[] again = ArrayPool<double>.Shared.Rent(last.Length);
        Assert.That(again, Is.SameAs(last));
        ArrayPool<double>.Shared.Return(again);
    }

    [Test]
    public void Reserve_push_and_pop_sequences_keep_their_order_across_growth()
    {
        var tape = new Tape<int>(stackalloc int[64]);
        var expected = new Stack<int>();
        int next = 0;
        var random = new Random(17);
        for (int round = 0; round < 400; round++)
        {
            switch (random.Next(4))
            {
                case 0:
                    int room = random.Next(0, 90);
                    tape.Reserve(room);
                    Assert.That(tape.Capacity - tape.Count, Is.GreaterThanOrEqualTo(room));
                    for (int i = 0; i < room; i++) { tape.PushReserved(next); expected.Push(next++); }
                    break;
                case 1:
                    for (int i = random.Next(1, 40); i > 0; i--) { tape.Push(next); expected.Push(next++); }
                    break;
                case 2:
                    for (int i = Math.Min(expected.Count, random.Next(1, 60)); i > 0; i--) Assert.That(tape.Pop(), Is.EqualTo(expected.Pop()));
                    break;
                default:
                    var values = Enumerable.Range(next, random.Next(0, 70)).ToArray();
                    tape.PushAll(values);
                    foreach (int v in values) expected.Push(v);
                    next += values.Length;
                    break;
            }
            Assert.That(tape.Count, Is.EqualTo(expected.Count));
        }
        Assert.That(tape.Rented, Is.Not.Null);
        while (expected.Count > 0) Assert.That(tape.Pop(), Is.EqualTo(expected.Pop()));
        Tape.Release(tape.Rented);
    }

    [Test]
    public void A_whole_buffer_pushed_beyond_the_stack_start_comes_back_whole()
    {
        var tape = new Tape<double>(stackalloc double[64]);
        for (int i = 0; i < 60; i++) tape.Push(i);
        var buffer = Enumerable.Range(0, 100).Select(i => i * 1.5).ToArray();
        tape.PushAll(buffer);
        Assert.That(tape.Rented, Is.Not.Null);
        Assert.That(tape.Count, Is.EqualTo(160));
        tape.Push(-1);

        var back = new double[100];
        Assert.That(tape.Pop(), Is.EqualTo(-1));
        tape.PopAll(back);
        Assert.That(back, Is.EqualTo(buffer));
        for (int i = 59; i >= 0; i--) Assert.That(tape.Pop(), Is.EqualTo(i));
        Tape.Release(tape.Rented);
    }

    [Test]
    public void Dispose_returns_the_rented_array_and_empties_the_tape()
    {
        var tape = new Tape<double>(stackalloc double[4]);
        tape.Reserve(300);
        double[] rented = tape.Rented!;
        Assert.That(rented, Is.Not.Null);
        tape.PushReserved(1);
        tape.Dispose();
        Assert.That(tape.Rented, Is.Null);
        Assert.That(tape.Count, Is.EqualTo(0));
        Assert.That(tape.Capacity, Is.EqualTo(0));
        double[] again = ArrayPool<double>.Shared.Rent(rented.Length);
        Assert.That(again, Is.SameAs(rented));
        ArrayPool<double>.Shared.Return(again);
    }

    [Test]
    public void Release_counts_the_bytes_of_the_arrays_it_returns()
    {
        var doubles = new Tape<double>(stackalloc double[64]);
        var ints = new Tape<int>(stackalloc int[64]);
        doubles.Reserve(1000);
        ints.Reserve(65);
        ints.Reserve(2000);
        long expected = (long)doubles.Rented!.Length * sizeof(double) + (long)ints.Rented!.Length * sizeof(int);
        Tape.ResetRentedBytes();
        Assert.That(Tape.Release(1.0, doubles.Rented, ints.Rented), Is.EqualTo(1.0));
        Assert.That(Tape.RentedBytes, Is.EqualTo(expected));
        Tape.ResetRentedBytes();
        Assert.That(Tape.RentedBytes, Is.EqualTo(0));
    }

    [Test]
    public void Growing_and_whole_buffer_pushes_allocate_nothing_in_steady_state()
    {
        double sink = Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sink += Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), $"sink {sink}");

        static double Run()
        {
            var tape = new Tape<double>(stackalloc double[64]);
            Span<double> buffer = stackalloc double[32];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = i;
            for (int round = 0; round < 200; round++)
            {
                tape.Push(round);
                tape.PushAll(buffer);
            }
            double sum = 0;
            for (int round = 0; round < 200; round++)
            {
                tape.PopAll(buffer);
                sum += buffer[3] + tape.Pop();
            }
            return Tape.Release(sum, tape.Rented);
        }
    }
}
